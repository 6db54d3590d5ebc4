"""Triggers on live windows decide on observations built directly; bad policy keys are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ConfigError
from driftline.monitor.window_metrics import FeatureDrift, WindowMetrics
from driftline.policy.model import Policy, load_policy
from driftline.policy.observation import ChampionView, Gap, LiveWindows, Observation
from driftline.policy.triggers import (
    DriftShareTrigger,
    EstimatedAccuracyTrigger,
    LiveDriftTrigger,
    OutlierTrigger,
    read_trigger,
)
from driftline.policy.triggers.checks import check_trigger

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CHAMPION = ChampionView("m", 3, T0 - timedelta(days=1), profile_id=7)


def feature(name: str, drifted: bool, status: str = "compared") -> FeatureDrift:
    return FeatureDrift(
        feature=name,
        method="ks",
        statistic=0.4 if drifted else 0.01,
        p_value=0.0001 if drifted else 0.6,
        threshold=0.05,
        drifted=drifted,
        status=status,
    )


def window(hours_ago: int, rows: int = 500, **values: Any) -> WindowMetrics:
    """The window starting ``hours_ago`` hours before T0, of version 3 of ``m``."""
    start = T0 - timedelta(hours=hours_ago)
    drift = values.pop("drift", (feature("a", False), feature("b", False)))
    fields: dict[str, Any] = {
        "drift_share": sum(f.drifted for f in drift) / len(drift) if drift else None,
        "drifted": tuple(f.feature for f in drift if f.drifted),
        "prediction_drift": None,
        "prediction_mix": None,
        "prediction_quantiles": None,
        "outlier_rate": None,
        "estimated_accuracy": None,
        "realised_accuracy": None,
        "labelled_rows": 0,
        "notes": (),
    }
    fields.update(values)
    return WindowMetrics(
        model="m",
        version="3",
        start=start,
        end=start + timedelta(hours=1),
        rows=rows,
        drift=tuple(drift),
        **fields,
    )


def seen(*windows: WindowMetrics, **parts: Any) -> Observation:
    return Observation(T0, champion=CHAMPION, windows=LiveWindows(tuple(windows)), **parts)


DRIFTED = (feature("a", True), feature("b", True), feature("c", False), feature("d", False))


# -- drift, source = "live" ---------------------------------------------------------------------


def test_live_drift_judges_the_newest_window_with_enough_rows_once() -> None:
    trigger = LiveDriftTrigger(0.5, min_rows=100)
    older = window(2, drift=DRIFTED)
    partial = window(1, rows=20)  # the hour now under way: too few rows to judge
    fired = trigger.decide(seen(older, partial), {})
    assert fired.fired
    assert fired.evidence["window_start"] == older.start.isoformat()
    assert fired.evidence["drifted_columns"] == ["a", "b"]
    assert "drifted: a, b" in fired.reason
    assert fired.state == {"fired_for": [3, older.start.isoformat()]}
    again = trigger.decide(seen(older, partial), fired.state)
    assert not again.fired
    assert "fired for this window already" in again.reason
    newer = window(1, drift=DRIFTED)
    assert trigger.decide(seen(older, newer), fired.state).fired  # a new window fires again


def test_live_drift_below_share_and_skips() -> None:
    trigger = LiveDriftTrigger(0.75)
    below = trigger.decide(seen(window(1, drift=DRIFTED)), {})
    assert (below.fired, below.skip) == (False, None)
    assert "0.50" in below.reason
    assert trigger.decide(Observation(T0), {}).skip == "no_champion"
    assert trigger.decide(seen(), {}).skip == "no_windows"
    few = trigger.decide(seen(window(1, rows=99)), {})
    assert few.skip == "not_enough_rows"
    assert "fullest has 99" in few.reason
    gap = Gap("windows_unavailable", "the store is down")
    assert trigger.decide(seen(gaps={"windows": gap}), {}).skip == "windows_unavailable"
    noted = window(1, drift=(), notes=("m:3 was registered without a training profile",))
    unavailable = trigger.decide(seen(noted), {})
    assert unavailable.skip == "drift_unavailable"
    assert "without a training profile" in unavailable.reason


# -- outliers -----------------------------------------------------------------------------------


def test_outliers_fire_above_the_rate_once_per_window() -> None:
    trigger = OutlierTrigger(0.05, min_rows=100)
    calm = trigger.decide(seen(window(1, outlier_rate=0.01)), {})
    assert not calm.fired
    assert "not above 0.05" in calm.reason
    many = seen(window(1, outlier_rate=0.2))
    fired = trigger.decide(many, {})
    assert fired.fired
    assert fired.evidence["outlier_rate"] == 0.2
    assert not trigger.decide(many, fired.state).fired
    exactly = trigger.decide(seen(window(1, outlier_rate=0.05)), {})
    assert not exactly.fired  # above, not at
    none = trigger.decide(seen(window(1)), {})
    assert none.skip == "no_outlier_scores"


# -- metric = "estimated_accuracy" --------------------------------------------------------------


def test_estimated_accuracy_below_and_above() -> None:
    low = seen(window(1, estimated_accuracy=0.62))
    fired = EstimatedAccuracyTrigger(below=0.7).decide(low, {})
    assert fired.fired
    assert fired.evidence["value"] == 0.62
    assert not EstimatedAccuracyTrigger(below=0.6).decide(low, {}).fired
    assert EstimatedAccuracyTrigger(above=0.6).decide(low, {}).fired
    notes = ("m:3 gives no probabilities: no estimated accuracy",)
    none = EstimatedAccuracyTrigger(below=0.7).decide(seen(window(1, notes=notes)), {})
    assert none.skip == "no_estimate"
    assert "no probabilities" in none.reason


# -- reading and conformance --------------------------------------------------------------------


def test_policy_tables_become_the_live_triggers() -> None:
    policy = Policy.from_dict(
        {
            "model": {"name": "m", "dataset": "d", "label": "y"},
            "trigger": [
                {"kind": "drift", "share": 0.3, "source": "live", "min_rows": 500},
                {"kind": "drift", "share": 0.3, "source": "spans"},
                {"kind": "outliers", "rate_above": 0.05, "min_rows": 200},
                {"kind": "metric", "metric": "estimated_accuracy", "below": 0.8},
            ],
        }
    )
    assert policy.triggers == (
        LiveDriftTrigger(0.3, min_rows=500),
        DriftShareTrigger(0.3),
        OutlierTrigger(0.05, min_rows=200),
        EstimatedAccuracyTrigger(below=0.8, min_rows=100),
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "drift", "share": 0.3, "source": "stream"}, r"trigger\[1\]\.source must be"),
        ({"kind": "drift", "source": "live"}, r'source = "live"\) needs share'),
        ({"kind": "drift", "share": 0.3, "source": "live", "min_rows": 0}, r"min_rows must be"),
        ({"kind": "drift", "share": 0.3, "min_rows": 10}, "min_rows is a setting of source"),
        ({"kind": "outliers"}, "needs rate_above"),
        ({"kind": "outliers", "rate_above": 1.0}, r"trigger\[1\]\.rate_above must be"),
        ({"kind": "outliers", "rate_above": "5%"}, r"rate_above must be a number"),
        ({"kind": "outliers", "rate_above": 0.1, "share": 1}, r"unknown key trigger\[1\]\.share"),
        (
            {"kind": "metric", "metric": "estimated_accuracy", "below": 0.8, "min_labels": 9},
            r"unknown key trigger\[1\]\.min_labels",
        ),
        ({"kind": "metric", "metric": "estimated_accuracy"}, "exactly one of below or above"),
        ({"kind": "metric", "metric": "estimated_accuracy", "below": 80}, r"below must be"),
        ({"kind": "metric", "metric": "estimated", "below": 0.8}, "estimated_accuracy"),
    ],
)
def test_bad_values_are_refused_naming_the_file_and_key(
    table: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        read_trigger("policy.toml", 1, table)
    assert str(info.value).startswith("policy.toml: ")


def test_a_policy_file_with_a_bad_live_trigger_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "driftline.toml"
    path.write_text(
        '[model]\nname = "m"\ndataset = "d"\nlabel = "y"\n\n'
        '[[trigger]]\nkind = "outliers"\nrate_above = -0.1\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"driftline\.toml: trigger\[0\]\.rate_above") as info:
        load_policy(path)
    assert "-0.1" in str(info.value)


OBSERVATIONS = (
    Observation(T0),
    seen(),
    seen(window(1, rows=5)),
    seen(window(2, drift=DRIFTED, outlier_rate=0.3, estimated_accuracy=0.4), window(1, rows=3)),
    seen(window(1, drift=(), notes=("no training profile",))),
    seen(gaps={"windows": Gap("not_replayed", "live windows are not replayed")}),
)


@pytest.mark.parametrize(
    "trigger",
    [
        LiveDriftTrigger(0.5),
        OutlierTrigger(0.05, min_rows=10),
        EstimatedAccuracyTrigger(below=0.8, min_rows=1),
        EstimatedAccuracyTrigger(above=0.3),
    ],
    ids=lambda t: type(t).__name__,
)
def test_the_live_triggers_pass_the_checks(trigger: Any) -> None:
    check_trigger(trigger, OBSERVATIONS)
