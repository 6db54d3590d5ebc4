"""Each trigger kind fires when it should and not otherwise, and its evidence is recorded."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.controller.loop import TriggerDecision
from driftline.core.clock import ManualClock
from driftline.core.errors import ConfigError
from driftline.data.spans import Span
from driftline.workspace import Workspace
from tests.controller.controller_fixtures import (
    T0,
    controller,
    log_live,
    make_table,
    policy,
    quick_champion,
    trigger_records,
)


@pytest.fixture
def seeded(ws: Workspace, synth_span: Span) -> Workspace:
    """A workspace whose dataset ``synth`` has one span."""
    assert synth_span.number == 1
    return ws


def _only(decisions: list[TriggerDecision]) -> TriggerDecision:
    assert len(decisions) == 1
    return decisions[0]


def _finish(ws: Workspace, clock: ManualClock, **props: object) -> None:
    """Mark the open job complete now (as a controller that ran it would)."""
    queue = JobQueue(ws.metadata)
    job = queue.open_job("retrain:synth")
    assert job is not None
    queue.update(job, status=JobStatus.COMPLETE, ended_at=clock.now().isoformat(), **props)


# -- cron ---------------------------------------------------------------------------------------


def test_cron_fires_once_when_due_and_not_before(ws: Workspace) -> None:
    clock = ManualClock(T0)  # 01:00
    ctl = controller(ws, policy({"kind": "cron", "schedule": "0 3 * * *"}), clock)

    armed = _only(ctl.evaluate_triggers())
    assert (armed.outcome, armed.evaluation.fired) == ("not_fired", False)
    assert armed.evaluation.evidence["next"] == "2026-05-01T03:00:00+00:00"
    clock.advance(119 * 60)  # 02:59
    assert _only(ctl.evaluate_triggers()).outcome == "not_fired"
    assert trigger_records(ws) == []

    clock.advance(60)  # 03:00
    fired = _only(ctl.evaluate_triggers())
    assert (fired.outcome, fired.job) == ("enqueued", "retrain:synth#1")
    (record,) = trigger_records(ws)
    assert record["kind"] == "cron"
    assert record["fired"]
    assert record["outcome"] == "enqueued"
    assert record["evidence"]["due"] == "2026-05-01T03:00:00+00:00"
    assert record["evidence"]["schedule"] == "0 3 * * *"

    clock.advance(30 * 60)  # 03:30: fired today already
    assert _only(ctl.evaluate_triggers()).outcome == "not_fired"
    _finish(ws, clock)
    clock.advance(3 * 86400)  # three missed days: it fires once, not three times
    assert _only(ctl.evaluate_triggers()).outcome == "enqueued"
    assert _only(ctl.evaluate_triggers()).outcome == "not_fired"
    assert [r["job"] for r in trigger_records(ws)] == ["retrain:synth#1", "retrain:synth#2"]


def test_a_new_controller_keeps_the_cron_state(ws: Workspace) -> None:
    clock = ManualClock(T0)
    chosen = policy({"kind": "cron", "schedule": "0 3 * * *"})
    controller(ws, chosen, clock).evaluate_triggers()  # armed at 01:00
    clock.advance(2 * 3600)
    restarted = controller(ws, chosen, clock)  # e.g. after a restart: the schedule still counts
    assert _only(restarted.evaluate_triggers()).outcome == "enqueued"


def test_cooldown_skips_a_firing_and_records_why(ws: Workspace) -> None:
    clock = ManualClock(T0)
    chosen = policy({"kind": "cron", "schedule": "*/5 * * * *"}, cooldown={"minutes": 60})
    ctl = controller(ws, chosen, clock)
    ctl.evaluate_triggers()
    clock.advance(5 * 60)
    assert _only(ctl.evaluate_triggers()).outcome == "enqueued"
    _finish(ws, clock)  # completed at 01:05

    clock.advance(5 * 60)  # 01:10: fires, inside the cooldown
    skipped = _only(ctl.evaluate_triggers())
    assert (skipped.outcome, skipped.evaluation.fired, skipped.job) == ("skipped", True, None)
    record = trigger_records(ws)[-1]
    assert record["outcome"] == "skipped"
    assert record["skip"] == "cooldown"
    assert record["cooldown"]["last_job"] == "retrain:synth#1"
    assert record["cooldown"]["until"] == "2026-05-01T02:05:00+00:00"

    clock.advance(55 * 60)  # 02:05: the cooldown is over
    assert _only(ctl.evaluate_triggers()).outcome == "enqueued"
    assert len(JobQueue(ws.metadata).jobs()) == 2


# -- new data -----------------------------------------------------------------------------------


def _drop(folder: Path, name: str, seed: int, rows: int = 600) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    pacsv.write_csv(make_table(seed, rows), path)
    return path


def test_new_files_are_ingested_once_each_and_fire(ws: Workspace, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    chosen = policy({"kind": "new_data", "path": "incoming", "pattern": "*.csv"})
    ctl = controller(ws, chosen, clock, base=tmp_path)

    quiet = _only(ctl.evaluate_triggers())
    assert quiet.outcome == "not_fired"
    assert ws.spans("synth") == []

    first = _drop(incoming, "day1.csv", 1)
    _drop(incoming, "day2.csv", 2)
    (incoming / "notes.txt").write_text("not matched by the pattern")
    fired = _only(ctl.evaluate_triggers())
    assert (fired.outcome, fired.job) == ("enqueued", "retrain:synth#1")
    ingested = fired.evaluation.evidence["ingested"]
    assert [(Path(f["path"]).name, f["span"], f["rows"]) for f in ingested] == [
        ("day1.csv", 1, 600),
        ("day2.csv", 2, 600),
    ]
    assert [s.label for s in ws.spans("synth")] == ["label", "label"]
    record = trigger_records(ws)[-1]
    assert record["kind"] == "new_data"
    assert record["evidence"]["new_spans"] == [1, 2]

    _finish(ws, clock, seen_span=2)  # the retrain saw spans 1 and 2
    assert _only(ctl.evaluate_triggers()).outcome == "not_fired"
    assert len(ws.spans("synth")) == 2  # nothing ingested twice

    shutil.copy(first, incoming / "day1-again.csv")  # the same bytes under another name
    _drop(incoming, "day3.csv", 3)
    again = _only(ctl.evaluate_triggers())
    assert again.outcome == "enqueued"
    assert [Path(f["path"]).name for f in again.evaluation.evidence["ingested"]] == ["day3.csv"]
    assert len(ws.spans("synth")) == 3


def test_a_bad_file_is_refused_once(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming" / "broken.csv").write_text("x0,label\n")  # a header, no rows
    ctl = controller(ws, policy({"kind": "new_data", "path": "incoming"}), base=tmp_path)
    first = _only(ctl.evaluate_triggers())
    assert first.outcome == "not_fired"
    (refused,) = first.evaluation.evidence["refused"]
    assert "no data rows" in refused["error"]
    assert _only(ctl.evaluate_triggers()).evaluation.evidence["refused"] == []


def test_a_missing_folder_is_a_skip(ws: Workspace, tmp_path: Path) -> None:
    ctl = controller(ws, policy({"kind": "new_data", "path": "nowhere"}), base=tmp_path)
    decision = _only(ctl.evaluate_triggers())
    assert (decision.outcome, decision.evaluation.skip) == ("skipped", "no_folder")


def test_min_rows_counts_labelled_rows_since_the_last_retrain(ws: Workspace) -> None:
    clock = ManualClock(T0)
    ctl = controller(ws, policy({"kind": "new_data", "min_rows": 2500}), clock)
    ws.ingest("synth", make_table(0), label="label")
    ws.ingest("synth", make_table(1, 1000))  # no label: these rows do not count
    short = _only(ctl.evaluate_triggers())
    assert short.outcome == "not_fired"
    assert short.evaluation.evidence["labelled_rows"] == 2000
    assert "2000 new labelled rows in spans 1-2 (at least 2500 wanted)" in short.evaluation.reason

    ws.ingest("synth", make_table(2, 600), label="label")
    fired = _only(ctl.evaluate_triggers())
    assert fired.outcome == "enqueued"
    assert fired.evaluation.evidence["labelled_rows"] == 2600

    _finish(ws, clock, seen_span=3)
    ws.ingest("synth", make_table(3, 600), label="label")
    assert _only(ctl.evaluate_triggers()).evaluation.evidence["labelled_rows"] == 600


# -- metric -------------------------------------------------------------------------------------


def test_metric_fires_when_live_accuracy_falls_below(seeded: Workspace) -> None:
    ws = seeded
    chosen = policy({"kind": "metric", "below": 0.8, "min_labels": 100})
    ctl = controller(ws, chosen)

    no_champion = _only(ctl.evaluate_triggers())
    assert (no_champion.outcome, no_champion.evaluation.skip) == ("skipped", "no_champion")
    champion = quick_champion(ws)

    log_live(ws, champion.number, [True] * 60)
    few = _only(ctl.evaluate_triggers())
    assert (few.outcome, few.evaluation.skip) == ("skipped", "not_enough_labels")
    assert few.evaluation.evidence["labels"] == 60
    assert _only(ctl.evaluate_triggers()).outcome == "skipped"  # recorded once, not every tick
    assert [r["skip"] for r in trigger_records(ws)] == ["no_champion", "not_enough_labels"]

    log_live(ws, champion.number, [True] * 60, start=60)
    good = _only(ctl.evaluate_triggers())
    assert good.outcome == "not_fired"
    assert good.evaluation.evidence["value"] == 1.0

    log_live(ws, champion.number, [False] * 120, start=120)
    bad = _only(ctl.evaluate_triggers())
    assert (bad.outcome, bad.job) == ("enqueued", "retrain:synth#1")
    evidence = trigger_records(ws)[-1]["evidence"]
    assert evidence["value"] == pytest.approx(0.5)
    assert (evidence["labels"], evidence["version"], evidence["below"]) == (240, 1, 0.8)


def test_any_live_metric_is_computed_as_everywhere_else(seeded: Workspace) -> None:
    from sklearn.metrics import f1_score

    ws = seeded
    ctl = controller(ws, policy({"kind": "metric", "metric": "f1", "below": 0.6, "min_labels": 50}))
    champion = quick_champion(ws)
    outcomes = [True] * 40 + [False] * 20  # the champion always predicts 1
    log_live(ws, champion.number, outcomes)
    fired = _only(ctl.evaluate_triggers())
    truth = [1 if ok else 0 for ok in outcomes]
    expected = f1_score(truth, [1] * len(truth), average="macro")
    assert fired.evaluation.evidence["value"] == pytest.approx(expected)
    assert fired.outcome == "enqueued"  # 0.4 < 0.6


def test_a_metric_the_monitor_does_not_compute_live_is_refused(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match=r"trigger\[0\]\.metric 'roc_auc' is not computed live"):
        controller(ws, policy({"kind": "metric", "metric": "roc_auc", "below": 0.5}))


# -- drift --------------------------------------------------------------------------------------


def test_drift_share_fires_on_a_shifted_span_once(seeded: Workspace) -> None:
    ws = seeded
    ctl = controller(ws, policy({"kind": "drift", "share": 0.5}))
    quick_champion(ws, span=1)

    ws.ingest("synth", make_table(1), label="label")  # the same distribution
    calm = _only(ctl.evaluate_triggers())
    assert calm.outcome == "not_fired"
    assert calm.evaluation.evidence["share_drifted"] < 0.5

    ws.ingest("synth", make_table(2, shift=2.0), label="label")
    drifted = _only(ctl.evaluate_triggers())
    assert drifted.outcome == "enqueued"
    evidence = drifted.evaluation.evidence
    assert evidence["span"] == 3
    assert evidence["share_drifted"] >= 0.5
    assert {"x0", "x1", "x2"} <= set(evidence["drifted_columns"])
    assert trigger_records(ws)[-1]["evidence"]["drifted_columns"] == evidence["drifted_columns"]

    _finish(ws, ManualClock(T0))
    repeat = _only(ctl.evaluate_triggers())  # the same span against the same champion
    assert repeat.outcome == "not_fired"
    assert "fired for this span already" in repeat.evaluation.reason


def test_drift_detector_fires_on_a_rising_error_rate(seeded: Workspace) -> None:
    ws = seeded
    ctl = controller(ws, policy({"kind": "drift", "detector": "ddm"}))
    champion = quick_champion(ws)
    log_live(ws, champion.number, [True] * 300)
    calm = _only(ctl.evaluate_triggers())
    assert calm.outcome == "not_fired"
    assert calm.evaluation.evidence["labels"] == 300

    log_live(ws, champion.number, [False] * 100, start=300)
    fired = _only(ctl.evaluate_triggers())
    assert fired.outcome == "enqueued"
    assert fired.evaluation.evidence["alarms"]
    assert fired.evaluation.evidence["detector"] == "ddm"
    _finish(ws, ManualClock(T0))
    assert _only(ctl.evaluate_triggers()).outcome == "not_fired"  # that alarm fired already


def test_two_triggers_firing_in_one_tick_make_one_job(ws: Workspace) -> None:
    clock = ManualClock(T0)
    every = {"kind": "cron", "schedule": "* * * * *"}
    ctl = controller(ws, policy(every, every), clock)
    ctl.evaluate_triggers()
    clock.advance(timedelta(minutes=1).total_seconds())
    decisions = ctl.evaluate_triggers()
    assert [d.outcome for d in decisions] == ["enqueued", "deduplicated"]
    assert {d.job for d in decisions} == {"retrain:synth#1"}
    assert len(JobQueue(ws.metadata).jobs()) == 1
    assert [r["outcome"] for r in trigger_records(ws)] == ["enqueued", "deduplicated"]


def test_a_trigger_that_cannot_be_evaluated_is_skipped_and_the_others_go_on(
    seeded: Workspace,
) -> None:
    ws = seeded
    clock = ManualClock(T0)
    every = {"kind": "cron", "schedule": "* * * * *"}
    ctl = controller(ws, policy({"kind": "drift", "share": 0.5}, every), clock)
    champion = quick_champion(ws)
    assert champion.profile_id is not None
    profile = ws.metadata.get_artifact(champion.profile_id)
    path = Path(ws.artifacts.uri_for(profile.uri).removeprefix("file://"))
    path.write_bytes(b"damaged" + path.read_bytes()[7:])
    ctl.evaluate_triggers()
    clock.advance(60)
    broken, cron = ctl.evaluate_triggers()
    assert (broken.outcome, broken.evaluation.skip) == ("skipped", "error")
    assert "is corrupt: expected SHA-256" in broken.evaluation.reason
    assert cron.outcome == "enqueued"
    assert [r["skip"] for r in trigger_records(ws) if r["outcome"] == "skipped"] == ["error"]
