"""The ``tune`` step: an Optuna search over a trainer's parameters, every trial recorded.

``search_space`` maps a trainer parameter to its candidates:

* ``[low, high]`` — a range: integers when both are integers, else floats;
* ``[low, high, "log"]`` — a range searched on a log scale;
* anything else (text, booleans, one or three or more values) — a choice among the values.

Each trial fits on the older 80 % of the window's train rows and is scored on the newer 20 %
(no eval row is seen, so ``evaluate`` stays honest); the best parameters are then fitted on all
train rows. Outputs: ``model``, and ``trials`` — a table with one row per trial (number, value,
state, seconds, and one column per parameter). Same data, space and ``seed``: same trials.
Needs Optuna: ``pip install 'driftline[tune]'``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from driftline.components.metrics import check_metric, higher_is_better, infer_task, scores
from driftline.components.trainers import DEFAULT_TRAINER, fit_trainer, split_features
from driftline.components.training import SIGNATURE_SAMPLE_ROWS, Scalar, model_with_signature
from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data.artifact_types import Spans
from driftline.models.artifact import Model
from driftline.pipeline import Table, step

__all__ = ["Tuned", "suggest", "tune"]

_HOLDOUT = 0.2


class Tuned(NamedTuple):
    """The outputs of :data:`tune`."""

    model: Model
    trials: Table


def suggest(trial: Any, name: str, candidates: Sequence[Any]) -> Any:
    """Ask an Optuna ``trial`` for parameter ``name`` from its candidates (module docstring).

    Raises:
        InputError: no candidates, or a range whose low end is not below its high end.

    """
    values = list(candidates)
    if not values:
        raise InputError(f"search_space[{name!r}] has no candidates")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values[:2])
    ranged = numbers and (len(values) == 2 or (len(values) == 3 and values[2] == "log"))
    if not ranged:
        return trial.suggest_categorical(name, values)
    low, high, log = values[0], values[1], len(values) == 3
    if not low < high:
        raise InputError(f"search_space[{name!r}]: {low!r} must be below {high!r}")
    if isinstance(low, int) and isinstance(high, int):
        return trial.suggest_int(name, low, high, log=log)
    return trial.suggest_float(name, float(low), float(high), log=log)


@step(name="tune")
def tune(
    spans: Spans,
    search_space: dict[str, list[Scalar]],
    trainer: str = DEFAULT_TRAINER,
    trainer_params: dict[str, Scalar] | None = None,
    metric: str = "accuracy",
    trials: int = 20,
    seed: int = 0,
    exclude: list[str] | None = None,
) -> Tuned:
    """Search ``search_space`` with Optuna's TPE sampler; fit the best; record every trial."""
    try:
        import optuna
    except ImportError:
        raise InputError("the tune step needs Optuna: pip install 'driftline[tune]'") from None
    import pyarrow as pa

    check_metric(metric)
    check_param("tune", "trials", trials, Interval(int, 1))
    table = spans.table("train")
    features, target = split_features(table, spans.label, exclude or ())
    cut = int(features.num_rows * (1 - _HOLDOUT))
    if cut < 1 or cut >= features.num_rows:
        raise InputError(f"{features.num_rows} train rows are too few to tune on")
    task = infer_task(target)
    fixed: Mapping[str, Any] = dict(trainer_params or {})

    def objective(trial: Any) -> float:
        chosen = {name: suggest(trial, name, c) for name, c in search_space.items()}
        fitted = fit_trainer(
            trainer, features.slice(0, cut), target[:cut], {**fixed, **chosen}, seed
        )
        held_out = _model_input(fitted, features.slice(cut))
        predicted = fitted.predict(held_out)
        proba = fitted.predict_proba(held_out) if hasattr(fitted, "predict_proba") else None
        found = scores(target[cut:], predicted, task, proba)
        if metric not in found:
            raise InputError(f"metric {metric!r} cannot be computed while tuning")
        return found[metric]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if higher_is_better(metric) else "minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    timings: list[float] = []

    def timed(trial: Any) -> float:
        started = time.perf_counter()
        try:
            return objective(trial)
        finally:
            timings.append(time.perf_counter() - started)

    study.optimize(timed, n_trials=trials, catch=())
    done = study.trials
    columns: dict[str, list[Any]] = {
        "number": [t.number for t in done],
        "value": [t.value for t in done],
        "state": [t.state.name for t in done],
        "seconds": timings[: len(done)],
    }
    for name in search_space:
        columns[f"param_{name}"] = [str(t.params.get(name)) for t in done]
    model = fit_trainer(trainer, features, target, {**fixed, **study.best_params}, seed)
    sample = features.slice(0, SIGNATURE_SAMPLE_ROWS)
    return Tuned(model_with_signature(model, sample), pa.table(columns))


def _model_input(fitted: Any, table: Any) -> Any:
    """``table`` as ``fitted`` was fitted: a DataFrame if it knows feature names, else a matrix."""
    if hasattr(fitted, "feature_names_in_"):
        return table.to_pandas()
    from driftline.models.signature import to_matrix

    return to_matrix(table)
