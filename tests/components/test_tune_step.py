"""The tune step on the workspace's window, and how search-space candidates become Optuna asks."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from driftline.components.trainers import fit_trainer, split_features
from driftline.components.tuning import Tuned, suggest, tune
from driftline.core.errors import InputError
from driftline.data.artifact_types import SpanWindow
from driftline.store.artifacts import using_store
from driftline.workspace import Workspace

SPACE: dict[str, list[Any]] = {
    "C": [0.001, 10.0, "log"],
    "max_iter": [50, 200],
    "solver": ["lbfgs", "newton-cg"],
}
TRAINER = "sklearn:LogisticRegression"
TRIAL_COLUMNS = ["number", "value", "state", "seconds", "param_C", "param_max_iter", "param_solver"]


def _tune(ws: Workspace, **kw: Any) -> Tuned:
    window = SpanWindow("synth", tuple(ws.spans("synth")))
    args: dict[str, Any] = {"search_space": SPACE, "trainer": TRAINER, "trials": 4, **kw}
    with using_store(ws.artifacts):
        return tune(window, **args)  # type: ignore[no-any-return]


def _params(tuned: Tuned) -> list[dict[str, Any]]:
    return tuned.trials.select(["number", "param_C", "param_max_iter", "param_solver"]).to_pylist()


@pytest.mark.usefixtures("synth_span")
def test_every_trial_is_a_row_with_its_parameters(ws: Workspace) -> None:
    tuned = _tune(ws, seed=1)
    trials = tuned.trials
    assert trials.num_rows == 4
    assert trials.column_names == TRIAL_COLUMNS
    assert trials["number"].to_pylist() == [0, 1, 2, 3]
    assert set(trials["state"].to_pylist()) == {"COMPLETE"}
    assert all(s > 0 for s in trials["seconds"].to_pylist())
    for row in trials.to_pylist():
        assert 0.001 <= float(row["param_C"]) <= 10.0
        assert 50 <= int(row["param_max_iter"]) <= 200  # an int range gives integers
        assert row["param_solver"] in {"lbfgs", "newton-cg"}
        assert 0.5 < row["value"] <= 1.0
    # the trials differ: the space is searched, not one point repeated
    assert len({row["param_C"] for row in trials.to_pylist()}) == 4


@pytest.mark.usefixtures("synth_span")
def test_a_trial_is_scored_on_the_newest_fifth_of_the_train_rows(ws: Workspace) -> None:
    tuned = _tune(ws, seed=1, trials=2)
    row = tuned.trials.to_pylist()[0]
    train = ws.read_span(ws.span("synth"), "train")
    features, target = split_features(train, "label")
    cut = int(features.num_rows * 0.8)
    params = {
        "C": float(row["param_C"]),
        "max_iter": int(row["param_max_iter"]),
        "solver": row["param_solver"],
    }
    fitted = fit_trainer(TRAINER, features.slice(0, cut), target[:cut], params, seed=1)
    predicted = fitted.predict(features.slice(cut).to_pandas())
    assert row["value"] == pytest.approx(float(np.mean(predicted == target[cut:])))


@pytest.mark.usefixtures("synth_span")
def test_the_model_is_fitted_with_the_best_parameters(ws: Workspace) -> None:
    tuned = _tune(ws, seed=2)
    rows = tuned.trials.to_pylist()
    best = max(rows, key=lambda r: r["value"])  # the first of equals, as Optuna picks
    estimator = tuned.model.model.named_steps["model"]
    assert str(estimator.C) == best["param_C"]
    assert str(estimator.max_iter) == best["param_max_iter"]
    assert estimator.solver == best["param_solver"]
    assert estimator.random_state == 2  # the seed reaches the final fit
    assert tuned.model.signature is not None
    assert "label" not in tuned.model.signature.column_names


@pytest.mark.usefixtures("synth_span")
def test_the_same_seed_gives_the_same_trials(ws: Workspace) -> None:
    first, again, other = _tune(ws, seed=3), _tune(ws, seed=3), _tune(ws, seed=4)
    assert _params(first) == _params(again)
    assert first.trials["value"].to_pylist() == again.trials["value"].to_pylist()
    assert _params(first) != _params(other)


@pytest.mark.usefixtures("synth_span")
def test_fixed_trainer_params_are_kept_and_a_lower_is_better_metric_is_minimised(
    ws: Workspace,
) -> None:
    space = {"alpha": [0.01, 10.0, "log"]}
    ws.ingest("reg", _regression_table(), label="y")
    window = SpanWindow("reg", tuple(ws.spans("reg")))
    with using_store(ws.artifacts):
        tuned = tune(
            window,
            search_space=space,
            trainer="sklearn:Ridge",
            trainer_params={"fit_intercept": False},
            metric="rmse",
            trials=5,
        )
    assert tuned.model.model.fit_intercept is False
    rows = tuned.trials.to_pylist()
    best = min(rows, key=lambda r: r["value"])  # rmse: the smallest wins
    assert str(tuned.model.model.alpha) == best["param_alpha"]


def _regression_table() -> Any:
    import pyarrow as pa

    rng = np.random.default_rng(11)
    x = rng.normal(size=(400, 3))
    y = x @ np.array([2.0, -1.0, 0.5]) + rng.normal(0, 0.3, size=400)
    return pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


def _asked() -> optuna.trial.Trial:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    return study.ask()


@pytest.mark.parametrize(
    ("candidates", "distribution"),
    [
        ([1, 5], IntDistribution(1, 5)),
        ([1, 100, "log"], IntDistribution(1, 100, log=True)),
        ([0.1, 1.0], FloatDistribution(0.1, 1.0)),
        ([1, 2.5], FloatDistribution(1.0, 2.5)),  # one float makes a float range
        ([0.001, 1.0, "log"], FloatDistribution(0.001, 1.0, log=True)),
        (["gini", "entropy"], CategoricalDistribution(("gini", "entropy"))),
        ([True, False], CategoricalDistribution((True, False))),  # booleans are choices
        ([1, 2, 3], CategoricalDistribution((1, 2, 3))),  # three numbers are choices
        ([7], CategoricalDistribution((7,))),
        ([0.5, "log"], CategoricalDistribution((0.5, "log"))),
    ],
)
def test_suggest_turns_candidates_into_a_distribution(
    candidates: list[Any], distribution: Any
) -> None:
    trial = _asked()
    value = suggest(trial, "p", candidates)
    assert trial.distributions["p"] == distribution
    if isinstance(distribution, CategoricalDistribution):
        assert value in distribution.choices
    else:
        assert distribution.low <= value <= distribution.high
        assert isinstance(value, int if isinstance(distribution, IntDistribution) else float)


def test_suggest_with_a_fixed_trial_returns_its_values() -> None:
    trial = optuna.trial.FixedTrial({"depth": 4, "rate": 0.05, "loss": "log_loss"})
    depth = suggest(trial, "depth", [2, 12])
    assert depth == 4
    assert isinstance(depth, int)
    assert suggest(trial, "rate", [0.01, 0.3, "log"]) == 0.05
    assert suggest(trial, "loss", ["log_loss", "exponential"]) == "log_loss"


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        ([], r"search_space\['p'\] has no candidates"),
        ([5, 1], r"search_space\['p'\]: 5 must be below 1"),
        ([3, 3], r"search_space\['p'\]: 3 must be below 3"),
        ([1.0, 0.5, "log"], r"search_space\['p'\]: 1.0 must be below 0.5"),
    ],
)
def test_suggest_errors(candidates: list[Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        suggest(_asked(), "p", candidates)


@pytest.mark.usefixtures("synth_span")
def test_tune_errors(ws: Workspace) -> None:
    with pytest.raises(InputError, match=r"search_space\['C'\] has no candidates"):
        _tune(ws, search_space={"C": []}, trials=1)
    with pytest.raises(InputError, match=r"search_space\['C'\]: 10.0 must be below 1.0"):
        _tune(ws, search_space={"C": [10.0, 1.0]}, trials=1)
    with pytest.raises(InputError, match="tune: trials must be an int >= 1, got 0"):
        _tune(ws, trials=0)
    with pytest.raises(InputError, match="unknown metric 'auc'"):
        _tune(ws, metric="auc")
