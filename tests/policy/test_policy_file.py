"""The policy reader and cron schedules: every bad key is named, schedules fire when they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from driftline.core.errors import ConfigError
from driftline.core.settings import Settings
from driftline.policy.cron import CronSchedule
from driftline.policy.model import Policy, load_policy
from driftline.rollout.settings import Plan, RolloutSettings

FULL = """
[model]
name = "elec2"
dataset = "elec2"
label = "label"
trainer = "sklearn:HistGradientBoostingClassifier"
metric = "accuracy"

[window]
spans = 3

[[trigger]]
kind = "drift"
share = 0.5

[[trigger]]
kind = "metric"
metric = "accuracy"
below = 0.80
min_labels = 500

[[trigger]]
kind = "new_data"
path = "incoming/"
min_rows = 1000

[[trigger]]
kind = "cron"
schedule = "0 3 * * *"

[gate]
metric = "accuracy"
tolerance = 0.01
first_model_min = 0.6
slices = ["day"]

[rollout]
plan = "canary"
steps = [5, 25, 100]
hold_requests = 500
max_failed_checks = 1

[cooldown]
minutes = 60
"""


def test_the_documented_policy_reads(tmp_path: Path) -> None:
    path = tmp_path / "driftline.toml"
    path.write_text(FULL)
    policy = load_policy(path)
    assert policy.model.name == "elec2"
    assert policy.spans == 3
    assert [t.kind for t in policy.triggers] == ["drift", "metric", "new_data", "cron"]
    assert policy.triggers[1].below == 0.80
    assert policy.triggers[1].min_labels == 500
    assert policy.triggers[3].schedule is not None
    assert policy.gate.tolerance == 0.01
    assert policy.gate.slices == ("day",)
    assert policy.rollout.steps == (5.0, 25.0, 100.0)
    assert policy.cooldown.minutes == 60.0


def test_the_rollout_section_is_the_rollout_settings() -> None:
    policy = Policy.from_dict(
        {
            **BASE,
            "gate": {"tolerance": 0.03},
            "rollout": {"plan": "blue-green", "hold_minutes": 2, "min_labels": 20},
        }
    )
    assert policy.rollout == RolloutSettings(
        plan=Plan.BLUE_GREEN, hold_seconds=120.0, tolerance=0.03, min_labels=20
    )  # minutes in the file, seconds after; the gate's tolerance unless the rollout sets its own
    own = Policy.from_dict({**BASE, "rollout": {"tolerance": 0.0, "error_margin": 0.05}})
    assert (own.rollout.tolerance, own.rollout.error_margin) == (0.0, 0.05)
    default = Policy.from_dict(BASE).rollout
    assert default == RolloutSettings()  # canary 5, 25, 100; 500 requests; margins 0 and 0.01
    assert Policy.from_dict({**BASE, "rollout": {"plan": "none"}}).rollout.plan is Plan.NONE


def test_a_workspace_file_may_hold_the_policy(tmp_path: Path) -> None:
    (tmp_path / "driftline.toml").write_text('[store]\nmetadata = "sqlite:///m.db"\n' + FULL)
    settings = Settings.load(tmp_path)
    assert settings.metadata_url.endswith("m.db")
    assert load_policy(tmp_path / "driftline.toml").model.dataset == "elec2"


BASE = {"model": {"name": "m", "dataset": "d", "label": "y"}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"modle": {}}, r"unknown section \[modle\]"),
        ({"model": {"name": "m", "dataset": "d"}}, r"model.label is required"),
        ({"model": {**BASE["model"], "metric": "acc"}}, r"model.metric must be one of"),
        ({"model": {**BASE["model"], "colour": 1}}, r"unknown key model.colour"),
        ({"window": {"spans": 0}}, r"window.spans must be an int >= 1, got 0"),
        ({"trigger": [{"kind": "cron"}]}, r"trigger\[0\].schedule is required"),
        ({"trigger": [{"kind": "cron", "schedule": "* *"}]}, r"trigger\[0\].schedule: .*5 fields"),
        ({"trigger": [{"kind": "metric", "below": 0.8, "above": 0.9}]}, r"exactly one of below"),
        ({"trigger": [{"kind": "drift"}]}, r"exactly one of share or detector"),
        (
            {"trigger": [{"kind": "drift", "share": 1.5}]},
            r"share must be a number in \[0, 1\], got 1.5",
        ),
        ({"trigger": [{"kind": "drift", "detector": "kswin"}]}, r"detector must be one of"),
        ({"trigger": [{"kind": "new_data"}]}, r"needs path or min_rows"),
        ({"trigger": [{"kind": "manual", "path": "x"}]}, r"unknown key trigger\[0\].path"),
        ({"gate": {"tolerance": -1}}, r"gate.tolerance must be a number >= 0, got -1"),
        ({"gate": {"slices": "day"}}, r"gate.slices must be a list of strings"),
        ({"rollout": {"steps": [50, 25, 100]}}, r"increasing percentages ending at 100"),
        ({"rollout": {"steps": [5, 25]}}, r"increasing percentages ending at 100"),
        ({"rollout": {"plan": "big-bang"}}, r"rollout.plan must be one of"),
        (
            {"rollout": {"min_labels": 0}},
            r"rollout.min_labels must be an int >= 1, got 0",
        ),
        (
            {"rollout": {"error_margin": -0.1}},
            r"rollout.error_margin must be a number >= 0, got -0.1",
        ),
        ({"rollout": {"hold_seconds": 60}}, r"unknown key rollout.hold_seconds"),
        (
            {"rollout": {"tolerance": float("nan")}},
            r"rollout.tolerance must be a number >= 0, got nan",
        ),
        ({"cooldown": {"minutes": "soon"}}, r"cooldown.minutes must be a number"),
    ],
)
def test_bad_policies_name_the_key(extra: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Policy.from_dict({**BASE, **extra}, "p.toml")


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_policy(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[model\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_policy(tmp_path / "bad.toml")


def _brute_next(schedule: CronSchedule, start: datetime) -> datetime:
    moment = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not schedule.matches(moment):
        moment += timedelta(minutes=1)
    return moment


@pytest.mark.parametrize(
    "expression",
    [
        "0 3 * * *",
        "*/15 9-17 * * mon-fri",
        "30 2 1,15 * *",
        "0 0 * * 0",
        "0 0 * * 7",
        "5 4 13 * fri",  # Vixie cron: the 13th or a Friday
        "@hourly",
        "0 12 * jan,jul *",
        "10-20/5 * * * *",
    ],
)
def test_next_after_agrees_with_a_minute_by_minute_search(expression: str) -> None:
    schedule = CronSchedule.parse(expression)
    moment = datetime(2026, 11, 23, 4, 7, 30, tzinfo=UTC)
    for _ in range(5):
        found = schedule.next_after(moment)
        assert found == _brute_next(schedule, moment)
        assert schedule.matches(found)
        moment = found


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * *", "needs 5 fields"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range"),
        ("* * 0 * *", "day of month 0 is out of range"),
        ("* * * 13 *", "month 13 is out of range"),
        ("* * * * 8", "day of week 8 is out of range"),
        ("5-1 * * * *", "runs backwards"),
        ("*/0 * * * *", "step must be at least 1"),
        ("x * * * *", "minute 'x' is not a number"),
    ],
)
def test_bad_cron_expressions(expression: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CronSchedule.parse(expression)


def test_a_schedule_that_never_fires_says_so() -> None:
    with pytest.raises(ConfigError, match="never fires"):
        CronSchedule.parse("0 0 30 feb *").next_after(datetime(2026, 1, 1, tzinfo=UTC))
