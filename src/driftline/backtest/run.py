"""Backtests: replay a labelled stream through a policy and beside baselines, and report.

:func:`run_backtest` cuts the data into spans of ``span_rows`` rows, in order, and replays the
policy span by span (:mod:`~driftline.backtest.replay`): every row is predicted by the
model serving at that moment *before* its label is used (prequential, test-then-train), and with a
label delay of ``d`` rows a row's label arrives ``d`` rows later. The baselines
(:mod:`~driftline.backtest.baselines`) replay the same stream with the same delay, and
every method is scored on the same rows (see :mod:`~driftline.backtest.stream`).

Every method runs on one thread (``threadpoolctl``), so CPU seconds compare like with like (river
is single-threaded; an idle OpenMP pool spinning on a busy machine would otherwise count too).
Everything but the CPU seconds is a function of the data, the policy and the seed.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.policy.model import Policy
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(3000, 2))
    >>> data = pa.table({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] > 0).astype(int)})
    >>> policy = Policy.from_dict({
    ...     "model": {"name": "m", "dataset": "d", "label": "y",
    ...               "trainer": "sklearn:DecisionTreeClassifier"},
    ...     "trigger": [{"kind": "metric", "below": 0.9, "min_labels": 100}],
    ...     "backtest": {"span_rows": 500}})
    >>> result = run_backtest(data, policy, baselines=("never", "last"))
    >>> [m.name for m in result.methods]
    ['driftline', 'never retrain', 'last label']
    >>> result.methods[0].accuracy > 0.95, result.methods[2].accuracy < 0.6
    (True, True)

"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from driftline.backtest.replay import RetrainDecision, replay_policy
from driftline.backtest.result import BacktestResult, MethodResult
from driftline.backtest.stream import PreparedStream, prepare_stream
from driftline.core.errors import InputError
from driftline.core.params import Interval, check_params
from driftline.policy.model import Policy

if TYPE_CHECKING:
    from driftline.data.schema import Schema

__all__ = [
    "BASELINES",
    "BacktestResult",
    "MethodResult",
    "parse_baselines",
    "run_backtest",
]

BASELINES: dict[str, str] = {
    "never": "never retrain",
    "every": "retrain every span",
    "last": "last label",
    "hat": "river HAT",
    "arf": "river ARF",
}
"""Baseline keys (``--baselines``) and the names the report gives them."""

POLICY_NAME = "driftline"
_PARAMS = {"delay": Interval(int, 0), "span_rows": Interval(int, 2)}
ProgressFn = Callable[[str, int, int], None]
"""Called with (method name, rows done, rows in all)."""


def parse_baselines(text: str) -> tuple[str, ...]:
    """``all``, ``none`` or a comma-separated list of baseline keys, checked.

    Examples:
        >>> parse_baselines("last, arf"), parse_baselines("none")
        (('last', 'arf'), ())
        >>> parse_baselines("forest")
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: unknown baseline 'forest'; baselines: never, every, \
last, hat, arf (or all, none)

    """
    text = text.strip().lower()
    if text == "all":
        return tuple(BASELINES)
    if text in ("none", ""):
        return ()
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    for key in keys:
        if key not in BASELINES:
            raise InputError(
                f"unknown baseline {key!r}; baselines: {', '.join(BASELINES)} (or all, none)"
            )
    return tuple(dict.fromkeys(keys))


def _curve(
    stream: PreparedStream, correct: npt.NDArray[np.bool_], window: int
) -> tuple[float | None, ...]:
    """Accuracy over the last ``window`` scored rows, at the end of every span."""
    scored = np.zeros(stream.rows, dtype=np.int64)
    scored[stream.first_scored :] = 1
    hits = np.concatenate([[0], np.cumsum(correct & (scored == 1))])
    counts = np.concatenate([[0], np.cumsum(scored)])
    ends = np.array([stream.span_bounds(i)[1] for i in range(stream.spans)], dtype=np.int64)
    starts = np.maximum(ends - window, 0)
    n = counts[ends] - counts[starts]
    acc = (hits[ends] - hits[starts]) / np.maximum(n, 1)
    return tuple(None if k == 0 else round(float(a), 6) for a, k in zip(acc, n, strict=True))


def _method(
    stream: PreparedStream,
    name: str,
    key: str,
    predictions: npt.NDArray[np.int64],
    cpu: float,
    window: int,
    decisions: Sequence[RetrainDecision] = (),
) -> MethodResult:
    first = stream.first_scored
    correct = predictions == stream.codes
    scored = correct[first:]
    return MethodResult(
        name=name,
        key=key,
        accuracy=float(scored.mean()),
        scored_rows=len(scored),
        predicted_rows=int((predictions[first:] >= 0).sum()),
        retrains=sum(1 for d in decisions if not d.refused),
        promotions=sum(1 for d in decisions if d.blessed),
        cpu_seconds=cpu,
        curve=_curve(stream, correct, window),
        refused=sum(1 for d in decisions if d.refused),
    )


def _policy_summary(policy: Policy, source: str | None) -> dict[str, Any]:
    m = policy.model
    return {
        "file": source,
        "model": m.name,
        "trainer": m.trainer,
        "trainer_params": dict(m.trainer_params),
        "window_spans": policy.spans,
        "triggers": [t.kind for t in policy.triggers],
        "gate": {
            "metric": policy.gate.metric,
            "tolerance": policy.gate.tolerance,
            "first_model_min": policy.gate.first_model_min,
            "slices": list(policy.gate.slices),
        },
        "cooldown_minutes": policy.cooldown.minutes,
        "eval_fraction": policy.backtest.eval_fraction,
        "label_lags": list(policy.backtest.label_lags),
        "exclude": list(policy.backtest.exclude),
    }


def _preload(trainer: str) -> None:
    """Import what the trainer and the flavors load, before any clock starts or threads are capped.

    Imports are not replay work, and ``threadpoolctl`` caps only the thread pools of libraries
    already loaded: OpenMP loaded later would run (and spin) on every core.
    """
    import importlib

    import driftline.drift.comparison
    import driftline.models.saving  # noqa: F401
    from driftline.data import profile_table  # noqa: F401

    kind = trainer.partition(":")[0]
    wanted = {"sklearn": ["pandas", "sklearn.utils"], "lightgbm": ["pandas", "lightgbm"]}
    for module in wanted.get(kind, ["pandas"]):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    if kind == "sklearn":
        from sklearn.utils import all_estimators

        all_estimators()  # imports every estimator module (and the OpenMP runtime they use)


def run_backtest(
    data: Any,
    policy: Policy,
    *,
    delay: int = 0,
    span_rows: int | None = None,
    seed: int | None = None,
    baselines: Sequence[str] = tuple(BASELINES),
    name: str = "data",
    policy_file: str | None = None,
    progress: ProgressFn | None = None,
    schema: Schema | None = None,
) -> BacktestResult:
    """Replay ``data`` (a ``pyarrow.Table``) through ``policy`` and the ``baselines``.

    ``span_rows`` and ``seed`` default to the policy's ``[backtest]`` settings. ``schema`` is the
    dataset's schema in force from the start (say, with bounds a user declared); by default the
    first retrain infers one, as the training pipeline does.

    Raises:
        InputError: a missing label column, a bad delay or span size, an unknown baseline, or a
            policy the replay cannot use (each named).
        ConfigError: a column, trainer or trainer parameter of the policy that is not there
            (:mod:`driftline.policy.preflight`), before anything is replayed.

    """
    from threadpoolctl import threadpool_limits

    from driftline.backtest.baselines import last_label, river_baseline, river_rows
    from driftline.policy.preflight import preflight_table

    source = "the data" if name == "data" else name
    preflight_table(policy, data.column_names, where=policy_file or "the policy", source=source)
    rows_per_span = policy.backtest.span_rows if span_rows is None else span_rows
    check_params("run_backtest", {"delay": delay, "span_rows": rows_per_span}, _PARAMS)
    seed = policy.backtest.seed if seed is None else seed
    keys = parse_baselines(",".join(baselines)) if baselines else ()
    stream = prepare_stream(
        data, policy.model.label, policy.backtest, delay=delay, span_rows=rows_per_span
    )
    window = max(rows_per_span, 500)
    total = stream.rows

    def tick(label: str) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda done: progress(label, done, total)

    methods: list[MethodResult] = []
    _preload(policy.model.trainer)
    with threadpool_limits(limits=1):
        outcome = replay_policy(stream, policy, seed, progress=tick(POLICY_NAME), schema=schema)
        methods.append(
            _method(
                stream,
                POLICY_NAME,
                "policy",
                outcome.predictions,
                outcome.cpu_seconds,
                window,
                outcome.decisions,
            )
        )
        feature_rows: list[dict[str, Any]] | None = None
        for key in keys:
            label = BASELINES[key]
            if key in ("never", "every"):
                other = replay_policy(
                    stream, policy, seed, mode=key, progress=tick(label), schema=schema
                )
                pred, cpu, log = other.predictions, other.cpu_seconds, other.decisions
            elif key == "last":
                (pred, cpu), log = last_label(stream), []
            else:
                if feature_rows is None:
                    feature_rows = river_rows(stream)
                pred, cpu = river_baseline(stream, key, seed, feature_rows, tick(label))
                log = []
            methods.append(_method(stream, label, key, pred, cpu, window, log))
    notes = []
    if policy.backtest.label_lags:
        notes.append(
            "label_lag_K inputs hold the K-th latest label already arrived at prediction time "
            f"(row t-{delay}-K); every method sees them"
        )
    unreplayed = [
        f"trigger[{i}] ({t.kind})" for i, t in enumerate(policy.triggers) if "windows" in t.observes
    ]
    if unreplayed:
        notes.append(
            f"{', '.join(unreplayed)} read live windows, which the backtest does not replay: "
            "they never fire here (the controller evaluates them)"
        )
    return BacktestResult(
        data=name,
        rows=stream.rows,
        label=stream.label,
        inputs=tuple(stream.inputs.column_names),
        classes=tuple(stream.classes.tolist()),
        policy=_policy_summary(policy, policy_file),
        span_rows=rows_per_span,
        delay=delay,
        seed=seed,
        first_scored=stream.first_scored,
        curve_rows=tuple(stream.span_bounds(i)[1] for i in range(stream.spans)),
        curve_window=window,
        methods=tuple(methods),
        decisions=tuple(outcome.decisions),
        suppressed=outcome.suppressed,
        notes=tuple(notes),
    )
