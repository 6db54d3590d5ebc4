"""Backtests: prequential replay, label delay, baselines, triggers, the gate, determinism."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.backtest.run import BacktestResult, parse_baselines, run_backtest
from driftline.backtest.stream import prepare_stream
from driftline.core.errors import ConfigError, InputError
from driftline.policy.model import BacktestSettings, Policy

TREE = "sklearn:DecisionTreeClassifier"


def policy(
    triggers: list[dict[str, Any]] | None = None,
    *,
    span_rows: int = 500,
    spans: int = 3,
    trainer: str = TREE,
    params: dict[str, Any] | None = None,
    **sections: Any,
) -> Policy:
    doc: dict[str, Any] = {
        "model": {
            "name": "m",
            "dataset": "d",
            "label": "y",
            "trainer": trainer,
            "trainer_params": params if params is not None else {"max_depth": 6},
        },
        "window": {"spans": spans},
        "trigger": triggers or [],
        "cooldown": {"minutes": 0},
        **sections,
    }
    doc["backtest"] = {"span_rows": span_rows, **doc.get("backtest", {})}
    return Policy.from_dict(doc)


def concept_flip(
    rows: int = 4000, flip_at: int = 2000, seed: int = 0, noise: float = 0.0
) -> pa.Table:
    """Two inputs; y = a > 0, then y = a < 0 from ``flip_at`` on (the inputs do not change).

    ``noise`` flips that share of labels at random.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 2))
    y = (x[:, 0] > 0).astype(np.int64)
    y[flip_at:] = 1 - y[flip_at:]
    y = np.where(rng.random(rows) < noise, 1 - y, y)
    return pa.table({"a": x[:, 0], "b": x[:, 1], "y": y})


def covariate_shift(rows: int = 6000, seed: int = 0) -> pa.Table:
    """Inputs drift (their mean walks from -2 to +2), P(y|x) never changes (10 % label noise)."""
    rng = np.random.default_rng(seed)
    centre = np.linspace(-2.0, 2.0, rows)[:, None]
    x = rng.normal(size=(rows, 3)) + centre * np.array([1.0, 0.5, -1.0])
    clean = (np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] - 0.3 * x[:, 2] > 0).astype(np.int64)
    flip = rng.random(rows) < 0.1
    y = np.where(flip, 1 - clean, clean)
    return pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


def blocks(rows: int = 6000, block: int = 5, seed: int = 0) -> pa.Table:
    """Labels constant within blocks of ``block`` rows, random per block; inputs are noise and t.

    A label is informative about the next ``block`` rows only, so with a label delay of more
    than ``block`` rows, no honest method beats a coin; one that saw labels early would.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(rng.integers(0, 2, rows // block + 1), block)[:rows].astype(np.int64)
    return pa.table(
        {"t": np.arange(rows, dtype=np.float64), "noise": rng.normal(size=rows), "y": y}
    )


def kinds(result: BacktestResult) -> list[tuple[int, str]]:
    return [(d.span, ",".join(t["kind"] for t in d.triggers)) for d in result.decisions]


# -- the replay -----------------------------------------------------------------------------


def test_same_data_policy_and_seed_give_identical_json() -> None:
    data = concept_flip(3000, 1500)
    p = policy([{"kind": "metric", "below": 0.9, "min_labels": 100}], span_rows=300)
    first = run_backtest(data, p, delay=100, baselines=("never", "every", "last", "hat"), seed=3)
    again = run_backtest(data, p, delay=100, baselines=("never", "every", "last", "hat"), seed=3)
    assert first.to_json(timings=False) == again.to_json(timings=False)
    assert "cpu_seconds" not in first.to_json(timings=False)
    assert [m.name for m in first.methods] == [
        "driftline",
        "never retrain",
        "retrain every span",
        "last label",
        "river HAT",
    ]


def test_every_method_is_scored_on_the_same_rows_after_the_warm_up() -> None:
    data = concept_flip(3000, 1500)
    result = run_backtest(data, policy(span_rows=400), delay=500, baselines=("last", "never"))
    assert result.first_scored == 1200  # the first span boundary at or after 400 + 500
    assert {m.scored_rows for m in result.methods} == {3000 - 1200}
    assert all(m.predicted_rows == 3000 - 1200 for m in result.methods)


def test_a_row_is_predicted_by_the_model_that_served_before_its_label() -> None:
    # y = a > 0 then flipped: the first span after the flip must be predicted by the old model
    data = concept_flip(3000, 1500)
    p = policy([{"kind": "new_data", "min_rows": 1}], span_rows=500, spans=1)
    result = run_backtest(data, p, baselines=())
    curve = result.methods[0].curve
    a, b, c = (v if v is not None else np.nan for v in curve[2:5])
    assert a > 0.95  # rows 1000-1499: the old concept
    assert b < 0.05  # rows 1500-1999: the new concept, served by the old model
    assert c > 0.95  # retrained on span 4 in time for span 5


@pytest.mark.parametrize(
    ("delay", "baselines"), [(7, "all"), (400, "never,every,last")], ids=["7", "400"]
)
def test_no_method_uses_a_label_before_it_arrives(delay: int, baselines: str) -> None:
    data = blocks(4000)
    p = policy(
        [{"kind": "new_data", "min_rows": 1}],
        span_rows=200,
        params={"max_depth": 12},
        backtest={"label_lags": [1, 2]},
    )
    result = run_backtest(data, p, delay=delay, baselines=parse_baselines(baselines))
    n = result.methods[0].scored_rows
    bound = 0.5 + 4 * np.sqrt(0.25 / (n / 5))  # a coin per block of 5 rows: 4 sigma
    for m in result.methods:
        assert m.accuracy < bound, (m.name, m.accuracy)


def test_labels_that_have_arrived_are_used() -> None:
    # the counterpart of the test above: without a delay, the last label is wrong only where a
    # block starts with a new label (1 row in 10)
    data = blocks()
    p = policy(
        [{"kind": "new_data", "min_rows": 1}],
        span_rows=200,
        backtest={"label_lags": [1], "exclude": ["t"]},  # t would let a tree memorise blocks
    )
    result = run_backtest(data, p, delay=0, baselines=("last", "never"))
    assert result.method("last").accuracy == pytest.approx(0.9, abs=0.02)
    assert result.method("policy").accuracy > 0.85  # through label_lag_1
    assert result.method("never").accuracy > 0.85


def test_label_lags_hold_the_latest_labels_that_have_arrived() -> None:
    y = np.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 1], dtype=np.int64)
    table = pa.table({"x": np.zeros(10), "y": y})
    settings = BacktestSettings(label_lags=(1, 3))
    stream = prepare_stream(table, "y", settings, delay=2, span_rows=2)
    lag1 = stream.inputs.column("label_lag_1").to_numpy()
    lag3 = stream.inputs.column("label_lag_3").to_numpy()
    assert lag1.tolist() == [-1, -1, -1, 1, 0, 0, 1, 1, 0, 1]  # row t: the label of t - 3
    assert lag3.tolist() == [-1, -1, -1, -1, -1, 1, 0, 0, 1, 1]  # row t: the label of t - 5


def test_last_label_baseline_by_hand() -> None:
    y = [0, 1, 1, 0, 1, 1, 0, 0, 1, 0]
    data = pa.table({"x": np.arange(10, dtype=np.float64), "y": y})
    result = run_backtest(data, policy(span_rows=2), delay=1, baselines=("last",))
    last = result.method("last")
    # scored rows 4..9 (2 * ceil((2 + 1) / 2)); row t is given the label of row t - 2:
    # truth 1 1 0 0 1 0 (rows 4..9) vs 1 0 1 1 0 0 (rows 2..7): right at rows 4 and 9
    assert result.first_scored == 4
    assert last.accuracy == pytest.approx(2 / 6)
    assert last.scored_rows == 6


def test_river_learners_learn_only_arrived_labels_and_are_seeded() -> None:
    data = concept_flip(2000, 1000, seed=2)
    p = policy(span_rows=250)
    a = run_backtest(data, p, delay=50, baselines=("hat", "arf"), seed=1)
    b = run_backtest(data, p, delay=50, baselines=("hat", "arf"), seed=1)
    assert a.method("arf").accuracy == b.method("arf").accuracy
    assert a.method("arf").accuracy > 0.8
    assert a.method("hat").accuracy > 0.7
    assert a.method("arf").cpu_seconds > 0


# -- triggers ---------------------------------------------------------------------------------


def test_the_first_model_is_trained_once_a_span_is_labelled() -> None:
    result = run_backtest(concept_flip(3000), policy(span_rows=500), delay=700, baselines=())
    assert kinds(result) == [(3, "first_model")]  # span 1's labels are in after span 3


def test_metric_trigger_fires_when_live_accuracy_drops() -> None:
    p = policy([{"kind": "metric", "below": 0.8, "min_labels": 100}], span_rows=500, spans=1)
    result = run_backtest(concept_flip(4000, 2000), p, baselines=())
    assert kinds(result) == [(1, "first_model"), (5, "metric")]
    evidence = result.decisions[1].triggers[0]
    # spans 2-5 served by the first model and labelled: 1,500 rows right, then 500 wrong
    assert evidence["value"] == pytest.approx(0.75, abs=0.01)
    assert (evidence["below"], evidence["labels"]) == (0.8, 2000)
    assert result.decisions[1].blessed


def test_metric_trigger_needs_min_labels_of_the_champion() -> None:
    p = policy([{"kind": "metric", "below": 0.8, "min_labels": 2001}], span_rows=500)
    result = run_backtest(concept_flip(4000, 2000), p, baselines=())
    assert kinds(result) == [(1, "first_model"), (6, "metric")]  # 2,500 labels by span 6
    p = policy([{"kind": "metric", "below": 0.8, "min_labels": 100}], span_rows=500)
    late = run_backtest(concept_flip(4000, 2000), p, delay=600, baselines=())
    # span 1 is labelled after span 3 (the first model serves from row 1500). After span 5 the
    # labels of rows 1500-1899 are in (all right); after span 6 those of rows up to 2399, of
    # which 400 come after the flip: 500 / 900 < 0.8
    assert kinds(late)[:2] == [(3, "first_model"), (6, "metric")]
    assert late.decisions[1].triggers[0]["labels"] == 900


def test_drift_share_trigger_fires_when_inputs_move() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(9600, 2))
    x[6000:] += 1.0  # both inputs shift from span 6 on; the label rule stays
    data = pa.table({"a": x[:, 0], "b": x[:, 1], "y": (x[:, 0] > x[:, 1]).astype(np.int64)})
    p = policy([{"kind": "drift", "share": 0.5}], span_rows=1200)
    result = run_backtest(data, p, baselines=())
    assert kinds(result)[:2] == [(1, "first_model"), (6, "drift")]
    assert result.decisions[1].triggers[0]["drifted_columns"] == ["a", "b"]


@pytest.mark.parametrize("detector", ["ddm", "adwin", "page_hinkley"])
def test_drift_detector_trigger_fires_on_the_champions_errors(detector: str) -> None:
    p = policy([{"kind": "drift", "detector": detector}], span_rows=500)
    result = run_backtest(concept_flip(4000, 2000, noise=0.1), p, baselines=())
    assert kinds(result)[:2] == [(1, "first_model"), (5, "drift")]
    assert result.decisions[1].triggers[0]["detector"] == detector


def test_new_data_trigger_fires_every_min_rows_labels() -> None:
    p = policy([{"kind": "new_data", "min_rows": 1500}], span_rows=500)
    result = run_backtest(concept_flip(4000, 4000), p, baselines=())
    assert kinds(result) == [(1, "first_model"), (4, "new_data"), (7, "new_data")]


def test_cron_trigger_follows_the_replay_clock() -> None:
    # 60 rows a span, a minute a row: span n covers minutes 60(n-1) to 60n - 1. "Every 3 hours"
    # is due at minutes 180, 360 and 540, in spans 4, 7 and 10; the last span ends the replay
    p = policy(
        [{"kind": "cron", "schedule": "0 */3 * * *"}],
        span_rows=60,
        backtest={"minutes_per_row": 1.0},
    )
    result = run_backtest(concept_flip(600, 600), p, baselines=())
    assert kinds(result) == [(1, "first_model"), (4, "cron"), (7, "cron")]
    assert result.decisions[1].triggers[0]["due"] == "2000-01-01T03:00:00+00:00"


def test_cron_trigger_can_use_a_time_column() -> None:
    data = concept_flip(600, 600)
    stamps = np.datetime64("2024-03-01T00:00") + np.arange(600) * np.timedelta64(2, "m")
    data = data.append_column("at", pa.array(stamps.astype("datetime64[us]")))
    p = policy(
        [{"kind": "cron", "schedule": "0 12 * * *"}],  # daily at noon: row 360, in span 7
        span_rows=60,
        backtest={"time_column": "at"},
    )
    result = run_backtest(data, p, baselines=())
    assert kinds(result) == [(1, "first_model"), (7, "cron")]
    assert "at" not in result.inputs


def test_manual_trigger_never_fires_and_cooldown_suppresses() -> None:
    manual = run_backtest(concept_flip(3000), policy([{"kind": "manual"}]), baselines=())
    assert kinds(manual) == [(1, "first_model")]
    p = policy(
        [{"kind": "new_data", "min_rows": 1}],
        span_rows=500,
        cooldown={"minutes": 1500},
        backtest={"minutes_per_row": 1.0},
    )
    result = run_backtest(concept_flip(4000, 4000), p, baselines=())
    assert kinds(result) == [(1, "first_model"), (4, "new_data"), (7, "new_data")]
    assert result.suppressed == 4


def test_two_triggers_at_once_make_one_retrain() -> None:
    p = policy(
        [
            {"kind": "metric", "below": 0.8, "min_labels": 100},
            {"kind": "drift", "detector": "ddm"},
        ],
        span_rows=500,
    )
    result = run_backtest(concept_flip(4000, 2000, noise=0.1), p, baselines=())
    assert kinds(result)[1] == (5, "metric,drift")


# -- the gate -------------------------------------------------------------------------------


def test_covariate_drift_never_promotes_a_worse_challenger() -> None:
    p = policy(
        [
            {"kind": "drift", "share": 0.3},
            {"kind": "new_data", "min_rows": 400},
            {"kind": "metric", "below": 0.95, "min_labels": 100},
        ],
        span_rows=400,
        spans=2,
        params={"max_depth": 4},
        gate={"metric": "accuracy", "tolerance": 0.0},
        backtest={"eval_fraction": 0.3},
    )
    result = run_backtest(covariate_shift(), p, baselines=(), seed=5)
    challenged = [d for d in result.decisions if d.champion is not None]
    assert len(challenged) >= 10
    assert any(not d.blessed for d in challenged), "the gate never had to refuse anything"
    for d in challenged:
        assert d.challenger is not None
        if d.blessed:
            assert d.challenger["accuracy"] >= d.champion["accuracy"], d
        else:
            assert d.challenger["accuracy"] < d.champion["accuracy"], d
    versions = [d.version for d in result.decisions]
    assert versions == sorted(versions)


def test_first_model_floor_and_slices() -> None:
    data = concept_flip(3000, 3000)
    strict = policy(gate={"first_model_min": 1.01}, span_rows=500)
    result = run_backtest(data, strict, baselines=())
    assert all(not d.blessed for d in result.decisions)
    assert len(result.decisions) == 5  # tried again after each new labelled span
    assert result.methods[0].accuracy == 0.0  # no model ever served: every scored row is wrong
    bad_slice = policy(gate={"slices": ["nope"]})
    with pytest.raises(InputError, match=r"gate\.slices 'nope' is not a column of the data"):
        run_backtest(data, bad_slice, baselines=())


def test_gate_slices_refuse_a_challenger_worse_on_one_slice() -> None:
    # g is not an input. From row 7500 (span 4) the rule flips for g = 0 (80 % of rows), not
    # for g = 1: a challenger that learns the new rule is better overall, worse on g = 1
    rng = np.random.default_rng(0)
    rows, flip = 15000, 7500
    g = (rng.random(rows) < 0.2).astype(np.int64)
    x = rng.normal(size=rows)
    y = (x > 0).astype(np.int64)
    y[flip:] = np.where(g[flip:] == 0, x[flip:] < 0, x[flip:] > 0)
    data = pa.table({"g": g, "x": x, "y": y})
    sections: dict[str, Any] = {"backtest": {"exclude": ["g"]}}
    triggers = [{"kind": "new_data", "min_rows": 1}]
    plain = run_backtest(data, policy(triggers, span_rows=2500, spans=1, **sections), baselines=())
    sliced = run_backtest(
        data,
        policy(triggers, span_rows=2500, spans=1, gate={"slices": ["g"]}, **sections),
        baselines=(),
    )
    assert plain.decisions[3].span == 4
    assert plain.decisions[3].blessed
    assert not sliced.decisions[3].blessed
    assert "slices g=1" in sliced.decisions[3].reason
    assert "g" not in plain.inputs


# -- errors ---------------------------------------------------------------------------------


def test_bad_inputs_are_named() -> None:
    data = concept_flip(2000)
    with pytest.raises(InputError, match=r"model.label 'y' is not a column .*columns: 'a', 'b'"):
        run_backtest(data.drop_columns(["y"]), policy(), baselines=())
    with pytest.raises(InputError, match="too few to score"):
        run_backtest(data.slice(0, 500), policy(span_rows=500), delay=0, baselines=())
    with pytest.raises(InputError, match="delay must be"):
        run_backtest(data, policy(), delay=-1, baselines=())
    with pytest.raises(InputError, match="unknown baseline 'forest'"):
        run_backtest(data, policy(), baselines=("forest",))
    with pytest.raises(InputError, match="regression target"):
        run_backtest(data.set_column(2, "y", pa.array(np.linspace(0, 1, 2000))), policy())
    with pytest.raises(ConfigError, match=r"trigger\[0\]\.delta does not apply to the ddm"):
        run_backtest(data, policy([{"kind": "drift", "detector": "ddm", "delta": 0.1}]))


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"span_rows": 1}, "backtest.span_rows must be an int >= 2, got 1"),
        ({"eval_fraction": 0}, r"backtest.eval_fraction must be a number in \(0, 0.9\], got 0"),
        ({"label_lags": [0]}, "backtest.label_lags must be a list of distinct whole numbers"),
        ({"minutes_per_row": 0}, "backtest.minutes_per_row must be a number > 0, got 0"),
        ({"rows": 5}, "unknown key backtest.rows"),
    ],
)
def test_backtest_policy_keys_are_checked(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Policy.from_dict(
            {"model": {"name": "m", "dataset": "d", "label": "y"}, "backtest": section}
        )


def test_elec2_figures_beside_the_baselines(shared_data: Path) -> None:
    import pyarrow.csv as pc

    from driftline.policy.model import load_policy

    root = Path(__file__).resolve().parents[2]
    table = pc.read_csv(shared_data / "elec2.csv.gz")
    p = load_policy(root / "examples" / "policies" / "elec2.toml")
    result = run_backtest(table, p, delay=1000, baselines=("never", "last"))
    y = table.column("label").to_numpy()
    first = result.first_scored
    shift = 1000 + 1
    expected = float(np.mean(y[first:] == y[first - shift : len(y) - shift]))
    assert result.method("last").accuracy == pytest.approx(expected)
    assert result.method("policy").accuracy > result.method("never").accuracy + 0.05
    assert result.method("policy").retrains >= 10
