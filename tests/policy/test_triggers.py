"""Each trigger kind decides on observations alone; every built-in passes the conformance checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import pytest

from driftline.core.errors import ConfigError
from driftline.policy.cooldown import cooldown_until
from driftline.policy.cron import CronSchedule
from driftline.policy.model import Policy
from driftline.policy.observation import (
    Arrivals,
    ChampionView,
    Gap,
    LiveOutcomes,
    NewSpan,
    Observation,
    SpanDrift,
)
from driftline.policy.triggers import (
    BUILTIN_TRIGGERS,
    CronTrigger,
    DriftDetectorTrigger,
    DriftShareTrigger,
    EstimatedAccuracyTrigger,
    LiveDriftTrigger,
    ManualTrigger,
    MetricTrigger,
    NewDataTrigger,
    OutlierTrigger,
    Trigger,
    TriggerVerdict,
    read_trigger,
)
from driftline.policy.triggers.checks import TriggerCheckError, check_trigger

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
CHAMPION = ChampionView("m", 3, T0 - timedelta(days=1), profile_id=7)


def times(n: int) -> np.ndarray:
    return (np.datetime64("2026-05-01T00:00") + np.arange(n).astype("timedelta64[s]")).astype(
        "datetime64[us]"
    )


def live(right: list[bool], *, as_float: bool = False) -> LiveOutcomes:
    truth = np.ones(len(right), dtype=np.int64)
    predicted = np.where(np.array(right, dtype=bool), 1, 0)
    return LiveOutcomes(
        truth, predicted.astype(float) if as_float else predicted, times(len(right))
    )


def seen(**parts: Any) -> Observation:
    return Observation(T0, **parts)


# -- cron ---------------------------------------------------------------------------------------


def test_cron_arms_then_fires_once_however_many_times_were_missed() -> None:
    t = CronTrigger(CronSchedule.parse("0 3 * * *"))
    armed = t.decide(seen(), {})
    assert (armed.fired, armed.state) == (False, {"armed_at": T0.isoformat()})
    assert armed.evidence["next"] == "2026-05-01T03:00:00+00:00"
    early = t.decide(Observation(T0 + timedelta(minutes=119)), armed.state or {})
    assert not early.fired
    assert early.state is None
    late = Observation(T0 + timedelta(days=3))
    due = t.decide(late, armed.state or {})
    assert due.fired
    assert due.evidence["due"] == "2026-05-01T03:00:00+00:00"
    state = {**(armed.state or {}), **(due.state or {})}
    assert not t.decide(late, state).fired  # fired now: the next is tomorrow


# -- new data -----------------------------------------------------------------------------------


def test_new_data_counts_labelled_rows_of_new_spans() -> None:
    spans = (NewSpan(4, 600), NewSpan(5, 900, labelled=False), NewSpan(6, 500))
    by_rows = NewDataTrigger(min_rows=1100)
    fired = by_rows.decide(seen(seen_span=3, new_spans=spans), {})
    assert fired.fired
    assert fired.evidence == {
        "since_span": 3,
        "new_spans": [4, 5, 6],
        "labelled_rows": 1100,
        "min_rows": 1100,
    }
    assert not NewDataTrigger(min_rows=1101).decide(seen(seen_span=3, new_spans=spans), {}).fired
    any_span = NewDataTrigger(path="incoming")
    assert any_span.decide(seen(seen_span=3, new_spans=spans[:1]), {}).reason == "new data: span 4"
    quiet = any_span.decide(seen(seen_span=6), {})
    assert (quiet.fired, quiet.reason) == (False, "no new spans since span 6")


def test_new_data_reports_arrivals_and_skips_without_its_folder() -> None:
    arrivals = Arrivals("/in", "*.csv", ({"path": "/in/a.csv", "span": 1},), ())
    fired = NewDataTrigger(path="in").decide(
        seen(arrivals=arrivals, new_spans=(NewSpan(1, 5),)), {}
    )
    assert fired.fired
    assert fired.evidence["ingested"] == [{"path": "/in/a.csv", "span": 1}]
    gap = Gap("no_folder", "the watched folder /in does not exist")
    skipped = NewDataTrigger(path="in").decide(seen(gaps={"arrivals": gap}), {})
    assert (skipped.fired, skipped.skip, skipped.reason) == (False, "no_folder", gap.reason)


# -- metric -------------------------------------------------------------------------------------


def test_metric_needs_a_champion_and_min_labels() -> None:
    t = MetricTrigger(below=0.8, min_labels=10)
    assert t.decide(seen(), {}).skip == "no_champion"
    few = t.decide(seen(champion=CHAMPION, live=live([False] * 9)), {})
    assert (few.fired, few.skip, few.evidence["labels"]) == (False, "not_enough_labels", 9)


@pytest.mark.parametrize("as_float", [False, True])
def test_metric_fires_below_and_compares_by_value(as_float: bool) -> None:
    # predictions 1.0 against labels 1 are right: the value does not depend on the type
    t = MetricTrigger(below=0.8, min_labels=10)
    bad = t.decide(
        seen(champion=CHAMPION, live=live([True] * 7 + [False] * 3, as_float=as_float)), {}
    )
    assert bad.fired
    assert bad.evidence["value"] == pytest.approx(0.7)
    assert bad.reason == "live accuracy of m:3 is 0.7000 on 10 labels, below 0.8"
    good = t.decide(seen(champion=CHAMPION, live=live([True] * 9 + [False], as_float=as_float)), {})
    assert not good.fired
    assert good.evidence["value"] == pytest.approx(0.9)


def test_metric_above_and_any_metric_without_probabilities() -> None:
    truth = np.array([0, 0, 0, 1, 1, 1])
    predicted = np.array([0, 0, 0, 0, 0, 0])  # accuracy 0.5, macro F1 1/3
    watched = seen(champion=CHAMPION, live=LiveOutcomes(truth, predicted, times(6)))
    f1 = MetricTrigger(metric="f1", below=0.4, min_labels=6).decide(watched, {})
    assert f1.fired
    assert f1.evidence["value"] == pytest.approx(1 / 3)
    error = MetricTrigger(metric="mae", above=0.4, min_labels=6).decide(watched, {})
    assert error.fired
    assert error.evidence["value"] == pytest.approx(0.5)


# -- drift --------------------------------------------------------------------------------------


def test_drift_share_fires_once_per_champion_and_span() -> None:
    t = DriftShareTrigger(0.5)
    drift = SpanDrift(9, 2 / 3, ("a", "b", "c"), ("a", "b"), ("date",), reference_profile=7)
    fired = t.decide(seen(champion=CHAMPION, drift=drift), {})
    assert fired.fired
    assert fired.state == {"fired_for": [3, 9]}
    assert fired.evidence["drifted_columns"] == ["a", "b"]
    again = t.decide(seen(champion=CHAMPION, drift=drift), fired.state or {})
    assert not again.fired
    assert "fired for this span already" in again.reason
    calm = SpanDrift(9, 1 / 3, ("a", "b", "c"), ("a",))
    assert not t.decide(seen(champion=CHAMPION, drift=calm), {}).fired
    gap = Gap("no_training_profile", "m:3 was registered without a training profile")
    assert t.decide(seen(champion=CHAMPION, gaps={"drift": gap}), {}).skip == "no_training_profile"


def test_drift_share_of_real_profiles_leaves_index_columns_out() -> None:
    import pyarrow as pa

    from driftline.data import profile_table

    rng = np.random.default_rng(0)
    old = pa.table({"t": np.arange(500.0), "x": rng.normal(0, 1, 500)})
    new = pa.table({"t": np.arange(500.0, 1000.0), "x": rng.normal(0, 1, 500)})
    drift = SpanDrift.between(profile_table(old), profile_table(new), span=2)
    assert drift.excluded_columns == ("t",)
    assert drift.share_drifted == 0.0
    assert not DriftShareTrigger(0.5).decide(seen(champion=CHAMPION, drift=drift), {}).fired


@pytest.mark.parametrize("detector", ["ddm", "adwin", "page_hinkley"])
def test_a_detector_fires_for_each_new_alarm_once(detector: str) -> None:
    rng = np.random.default_rng(1)
    right = list(rng.random(1500) < 0.95) + list(rng.random(500) < 0.4)
    t = DriftDetectorTrigger(detector)
    calm = t.decide(seen(champion=CHAMPION, live=live(right[:1500])), {})
    assert not calm.fired
    fired = t.decide(seen(champion=CHAMPION, live=live(right)), {})
    assert fired.fired
    assert fired.evidence["alarms"]
    assert fired.evidence["alarms"][-1]["position"] >= 1500
    assert not t.decide(seen(champion=CHAMPION, live=live(right)), fired.state or {}).fired


def test_manual_never_fires_and_is_not_automatic() -> None:
    assert ManualTrigger.automatic is False
    assert not ManualTrigger().decide(seen(champion=CHAMPION), {}).fired


# -- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "metric", "metric": "roc_auc", "below": 0.5}, "not computed live"),
        ({"kind": "metric", "metric": "acc", "below": 0.5}, r"metric must be one of"),
        ({"kind": "drift", "detector": "ddm", "delta": 0.1}, "delta does not apply to the ddm"),
        ({"kind": "drift", "share": 0.5, "delta": 0.1}, "delta is a setting of a detector"),
        ({"kind": "drift", "share": 0.5, "detector": "adwin"}, "exactly one of share or detector"),
        ({"kind": "new_data", "pattern": "*.csv"}, "needs path or min_rows"),
        ({"kind": "cron", "schedule": "0 3 * *"}, r"trigger\[2\]\.schedule: .*5 fields"),
        ({"kind": "cron", "schedule": "@daily", "share": 1}, r"unknown key trigger\[2\]\.share"),
    ],
)
def test_each_kind_checks_its_own_keys(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_trigger("p.toml", 2, table)


def test_the_policy_holds_one_object_per_trigger() -> None:
    policy = Policy.from_dict(
        {
            "model": {"name": "m", "dataset": "d", "label": "y"},
            "trigger": [
                {"kind": "manual"},
                {"kind": "cron", "schedule": "@hourly"},
                {"kind": "new_data", "min_rows": 5},
                {"kind": "metric", "metric": "balanced_accuracy", "below": 0.7},
                {"kind": "drift", "share": 0.3},
                {"kind": "drift", "detector": "adwin", "delta": 0.01},
                {"kind": "drift", "share": 0.3, "source": "live", "min_rows": 50},
                {"kind": "outliers", "rate_above": 0.05},
                {"kind": "metric", "metric": "estimated_accuracy", "below": 0.8},
            ],
        }
    )
    assert [type(t) for t in policy.triggers] == list(BUILTIN_TRIGGERS)
    assert [t.kind for t in policy.triggers] == [
        "manual",
        "cron",
        "new_data",
        "metric",
        "drift",
        "drift",
        "drift",
        "outliers",
        "metric",
    ]


# -- the cooldown -------------------------------------------------------------------------------


def test_cooldown_holds_back_until_its_end() -> None:
    assert cooldown_until(60, T0, T0 + timedelta(minutes=59)) == T0 + timedelta(minutes=60)
    assert cooldown_until(60, T0, T0 + timedelta(minutes=60)) is None
    assert cooldown_until(0, T0, T0) is None
    assert cooldown_until(60, None, T0) is None


# -- conformance --------------------------------------------------------------------------------

OBSERVATIONS = (
    seen(),
    seen(seen_span=2, new_spans=(NewSpan(3, 100), NewSpan(4, 50, labelled=False))),
    seen(champion=CHAMPION, live=live([True] * 150 + [False] * 60)),
    seen(champion=CHAMPION, live=live([True] * 5)),
    seen(champion=CHAMPION, drift=SpanDrift(5, 0.75, ("a", "b", "c", "d"), ("a", "b", "c"))),
    seen(champion=CHAMPION, gaps={"drift": Gap("no_data", "no span yet")}),
    seen(gaps={"arrivals": Gap("no_folder", "the watched folder in does not exist")}),
    Observation(T0 + timedelta(days=2), champion=CHAMPION),
)

EXAMPLES: tuple[Trigger, ...] = (
    ManualTrigger(),
    CronTrigger(CronSchedule.parse("*/5 * * * *")),
    NewDataTrigger(path="incoming"),
    NewDataTrigger(min_rows=120),
    MetricTrigger(below=0.9, min_labels=100),
    MetricTrigger(metric="f1", above=0.1, min_labels=1),
    DriftShareTrigger(0.5),
    DriftDetectorTrigger("ddm"),
    DriftDetectorTrigger("adwin", delta=0.01),
    DriftDetectorTrigger("page_hinkley"),
    LiveDriftTrigger(0.3),
    OutlierTrigger(0.05),
    EstimatedAccuracyTrigger(below=0.8),
)


def test_every_builtin_kind_has_an_example_here() -> None:
    assert {type(t) for t in EXAMPLES} == set(BUILTIN_TRIGGERS)


@pytest.mark.parametrize("trigger", EXAMPLES, ids=lambda t: f"{type(t).__name__}")
def test_every_builtin_trigger_passes_the_checks(trigger: Trigger) -> None:
    check_trigger(trigger, OBSERVATIONS)


def test_the_checks_catch_an_impure_trigger() -> None:
    @dataclass(frozen=True)
    class Counting(Trigger):
        """Fires every other time (it keeps a counter of its own: not pure).

        >>> 1
        1
        """

        kind: ClassVar[str] = "counting"
        calls: list[int]

        @classmethod
        def read(cls, table: Any) -> Counting:
            return cls([])

        def decide(self, observation: Observation, state: Any) -> TriggerVerdict:
            self.calls.append(1)
            return TriggerVerdict(len(self.calls) % 2 == 1, "counted")

    with pytest.raises(TriggerCheckError, match="not pure"):
        check_trigger(Counting([]), OBSERVATIONS)
