"""The rollout engine (decisions from counters, no server) and rollouts in the metadata store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.rollout.engine import Plan, Rollout, RolloutDecision, RolloutSpec, RolloutStatus
from driftline.rollout.settings import RolloutSettings
from driftline.rollout.store import ROLLOUT_KIND, RolloutRecord, RolloutStore
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.queries import ContextQuery

CHAMPION, CANDIDATE = 1, 2


def spec(**options: Any) -> RolloutSpec:
    values: dict[str, Any] = {
        "model": "churn",
        "champion": CHAMPION,
        "candidate": CANDIDATE,
        "steps": (20.0, 50.0, 100.0),
        "hold_requests": 10,
        "min_labels": 5,
    }
    values.update(options)
    return RolloutSpec(**values)


def feed(
    rollout: Rollout, version: int, requests: int, *, correct: int | None = None, errors: int = 0
) -> None:
    """``requests`` requests of ``version`` (``errors`` of them failed), each labelled."""
    for i in range(requests):
        rollout.record_request(version, ok=i >= errors)
    right = requests if correct is None else correct
    rollout.record_labels(version, labelled=requests, correct=right)


def step_of(rollout: Rollout, *, champion: float, candidate: float, n: int = 10) -> RolloutDecision:
    """One step's traffic: both versions with the given accuracies, then the decision."""
    feed(rollout, CHAMPION, 4 * n, correct=round(4 * n * champion))
    feed(rollout, CANDIDATE, n, correct=round(n * candidate))
    return rollout.decide()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# ---- canary --------------------------------------------------------------------------------------


def test_a_canary_advances_step_by_step_and_is_promoted() -> None:
    rollout = Rollout(spec())
    assert rollout.status is RolloutStatus.RUNNING
    assert rollout.weights() == {"1": 80.0, "2": 20.0}
    feed(rollout, CHAMPION, 30)
    feed(rollout, CANDIDATE, 9)
    assert rollout.decide() == RolloutDecision("wait")  # 9 of 10 candidate requests
    feed(rollout, CANDIDATE, 1)
    first = rollout.decide()
    assert first.action == "advance"
    assert first.reason == "live accuracy 1.0000 vs champion 1.0000"
    assert first.evidence == {
        "step": 0,
        "percent": 20.0,
        "champion": {"requests": 30, "errors": 0, "labelled": 30, "correct": 30},
        "candidate": {"requests": 10, "errors": 0, "labelled": 10, "correct": 10},
    }
    assert (rollout.step, rollout.weights()) == (1, {"1": 50.0, "2": 50.0})
    assert rollout.counts()["2"]["requests"] == 0  # each step is judged on its own traffic
    assert step_of(rollout, champion=0.8, candidate=0.9).action == "advance"
    assert rollout.weights() == {"1": 0.0, "2": 100.0}
    # At 100 % the champion gets no traffic: only the error rate can be compared.
    feed(rollout, CANDIDATE, 10, correct=7)
    last = rollout.decide()
    assert last.action == "promote"
    assert last.reason == "error rate not higher (too few labels to compare accuracy)"
    assert rollout.status is RolloutStatus.PROMOTED
    assert (rollout.percent, rollout.weights()) == (100.0, {"1": 0.0, "2": 100.0})
    assert [d.action for d in rollout.decisions] == ["advance", "advance", "promote"]
    assert rollout.decide() == RolloutDecision("wait", "rollout is promoted")
    assert len(rollout.decisions) == 3


def test_a_worse_canary_is_rolled_back_at_its_first_failed_check() -> None:
    rollout = Rollout(spec())
    decision = step_of(rollout, champion=0.8, candidate=0.5)
    assert decision.action == "rollback"
    assert decision.reason == "live accuracy 0.5000 vs champion 0.8000"
    assert rollout.status is RolloutStatus.ROLLED_BACK
    assert rollout.failed_checks == 1
    assert (rollout.percent, rollout.weights()) == (0.0, {"1": 100.0, "2": 0.0})


def test_failed_checks_hold_the_step_until_max_failed_checks_roll_it_back() -> None:
    rollout = Rollout(spec(max_failed_checks=3))
    held = step_of(rollout, champion=0.8, candidate=0.6)
    assert (held.action, rollout.step, rollout.failed_checks) == ("hold", 0, 1)
    assert rollout.weights() == {"1": 80.0, "2": 20.0}  # the same step again...
    assert rollout.counts()["2"]["requests"] == 0  # ...on fresh counters
    assert step_of(rollout, champion=0.8, candidate=0.8).action == "advance"
    assert step_of(rollout, champion=0.8, candidate=0.6).action == "hold"
    assert rollout.failed_checks == 2  # failed checks add up over the steps
    assert step_of(rollout, champion=0.8, candidate=0.6).action == "rollback"
    assert [d.action for d in rollout.decisions] == ["hold", "advance", "hold", "rollback"]
    assert rollout.status is RolloutStatus.ROLLED_BACK


def test_tolerance_allows_a_slightly_worse_candidate() -> None:
    lenient = Rollout(spec(tolerance=0.05))
    assert step_of(lenient, champion=0.8, candidate=0.8 - 0.04, n=100).action == "advance"
    assert step_of(lenient, champion=0.8, candidate=0.8 - 0.06, n=100).action == "rollback"
    strict = Rollout(spec(tolerance=0.0))
    assert step_of(strict, champion=0.8, candidate=0.79, n=100).action == "rollback"


def test_the_error_rate_check() -> None:
    rollout = Rollout(spec())
    feed(rollout, CHAMPION, 40, errors=0)
    feed(rollout, CANDIDATE, 10, errors=1)  # 10 % errors, the margin is 1 point
    decision = rollout.decide()
    assert (decision.action, decision.reason) == ("rollback", "error rate 0.100 vs champion 0.000")
    assert decision.evidence["candidate"]["errors"] == 1
    lenient = Rollout(spec(error_margin=0.2))
    feed(lenient, CHAMPION, 40, errors=4)
    feed(lenient, CANDIDATE, 10, errors=3)  # 30 % vs 10 %: within 20 points
    assert lenient.decide().action == "advance"


def test_accuracy_is_compared_only_when_both_have_min_labels() -> None:
    rollout = Rollout(spec(min_labels=20))
    for version, requests in ((CHAMPION, 40), (CANDIDATE, 10)):
        for _ in range(requests):
            rollout.record_request(version, ok=True)
    rollout.record_labels(CHAMPION, labelled=40, correct=40)
    rollout.record_labels(CANDIDATE, labelled=10, correct=0)  # all wrong, but only 10 labels
    decision = rollout.decide()
    assert decision.action == "advance"
    assert decision.reason == "error rate not higher (too few labels to compare accuracy)"
    # the candidate has enough, the champion not: still no comparison
    for _ in range(25):
        rollout.record_request(CANDIDATE, ok=True)
    rollout.record_labels(CHAMPION, labelled=19, correct=19)
    rollout.record_labels(CANDIDATE, labelled=25, correct=0)
    assert rollout.decide().action == "advance"
    # both have enough: compared
    rollout.record_labels(CHAMPION, labelled=20, correct=20)
    feed(rollout, CANDIDATE, 20, correct=10)
    assert rollout.decide().action == "rollback"


def test_hold_seconds_end_a_step_early_with_an_injected_clock() -> None:
    clock = FakeClock()
    rollout = Rollout(spec(hold_requests=1000, hold_seconds=60.0), clock=clock)
    feed(rollout, CHAMPION, 8)
    feed(rollout, CANDIDATE, 2)
    clock.now += 59.9
    assert rollout.decide().action == "wait"
    clock.now += 0.1
    assert rollout.decide().action == "advance"
    feed(rollout, CANDIDATE, 2)
    clock.now += 30
    assert rollout.decide().action == "wait"  # the new step's hold counts from its start
    clock.now += 30
    assert rollout.decide().action == "advance"


def test_an_unknown_version_is_not_counted() -> None:
    rollout = Rollout(spec())
    rollout.record_request(7, ok=False)
    rollout.record_labels("7", labelled=3, correct=0)
    rollout.record_request("2", ok=True)
    assert rollout.counts() == {
        "1": {
            "requests": 0,
            "errors": 0,
            "labelled": 0,
            "correct": 0,
            "accuracy": None,
            "error_rate": 0.0,
        },
        "2": {
            "requests": 1,
            "errors": 0,
            "labelled": 0,
            "correct": 0,
            "accuracy": None,
            "error_rate": 0.0,
        },
    }


def test_counting_from_many_threads_gives_one_decision_per_step() -> None:
    rollout = Rollout(spec(steps=(50.0, 100.0), hold_requests=500))
    decisions: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        for _ in range(250):
            rollout.record_request(CHAMPION, ok=True)
            rollout.record_request(CANDIDATE, ok=True)
            decision = rollout.decide()
            if decision.action != "wait":
                with lock:
                    decisions.append(decision.action)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert decisions == ["advance", "promote"]


# ---- blue-green ----------------------------------------------------------------------------------


def test_blue_green_measures_the_champion_then_switches_all_traffic_at_once() -> None:
    rollout = Rollout(spec(plan="blue-green", steps=(5.0, 100.0), max_failed_checks=3))
    assert rollout.spec.plan is Plan.BLUE_GREEN
    assert rollout.spec.steps == (100.0,)
    assert rollout.weights() == {"1": 100.0, "2": 0.0}  # the champion's baseline first
    feed(rollout, CHAMPION, 9, correct=9)
    assert rollout.decide().action == "wait"
    feed(rollout, CHAMPION, 1, correct=0)
    switch = rollout.decide()
    assert switch.action == "switch"
    assert switch.evidence["champion"] == {
        "requests": 10,
        "errors": 0,
        "labelled": 10,
        "correct": 9,
    }
    assert (rollout.step, rollout.weights()) == (1, {"1": 0.0, "2": 100.0})
    feed(rollout, CANDIDATE, 10, correct=9)
    promoted = rollout.decide()
    assert (promoted.action, promoted.reason) == (
        "promote",
        "live accuracy 0.9000 vs champion 0.9000",
    )
    assert promoted.evidence["champion"]["correct"] == 9
    assert rollout.status is RolloutStatus.PROMOTED
    assert [d.action for d in rollout.decisions] == ["switch", "promote"]


def test_blue_green_is_judged_against_the_champion_before_the_switch() -> None:
    rollout = Rollout(spec(plan="blue-green", max_failed_checks=3))
    feed(rollout, CHAMPION, 10, correct=9)
    assert rollout.decide().action == "switch"
    # Late labels of the champion after the switch (all wrong) do not lower the baseline.
    rollout.record_labels(CHAMPION, labelled=10, correct=0)
    feed(rollout, CANDIDATE, 10, correct=6)
    decision = rollout.decide()
    # A failed blue-green check switches back at once, whatever max_failed_checks says.
    assert (decision.action, decision.reason) == (
        "rollback",
        "live accuracy 0.6000 vs champion 0.9000",
    )
    assert rollout.status is RolloutStatus.ROLLED_BACK
    assert rollout.weights() == {"1": 100.0, "2": 0.0}


def test_blue_green_with_hold_seconds() -> None:
    clock = FakeClock()
    rollout = Rollout(spec(plan="blue-green", hold_requests=10**6, hold_seconds=5.0), clock=clock)
    feed(rollout, CHAMPION, 3)
    clock.now += 5
    assert rollout.decide().action == "switch"
    feed(rollout, CANDIDATE, 3)
    assert rollout.decide().action == "wait"
    clock.now += 5
    assert rollout.decide().action == "promote"


# ---- shadow ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "action", "status"),
    [(0.9, "pass", RolloutStatus.PASSED), (0.5, "fail", RolloutStatus.FAILED)],
)
def test_a_shadow_passes_or_fails_without_taking_traffic(
    candidate: float, action: str, status: RolloutStatus
) -> None:
    rollout = Rollout(spec(plan="shadow"))
    assert (rollout.percent, rollout.weights()) == (0.0, {"1": 100.0, "2": 0.0})
    feed(rollout, CHAMPION, 10, correct=8)
    feed(rollout, CANDIDATE, 9, correct=round(9 * candidate))
    assert rollout.decide().action == "wait"
    assert rollout.weights() == {"1": 100.0, "2": 0.0}
    feed(rollout, CANDIDATE, 1, correct=1)
    decision = rollout.decide()
    assert decision.action == action
    assert rollout.status is status
    assert (rollout.percent, rollout.weights()) == (0.0, {"1": 100.0, "2": 0.0})
    assert rollout.decide().action == "wait"


# ---- abort -----------------------------------------------------------------------------------


def test_abort_returns_all_traffic_to_the_champion() -> None:
    rollout = Rollout(spec())
    assert step_of(rollout, champion=0.8, candidate=0.8).action == "advance"
    decision = rollout.abort("the on-call said so")
    assert decision == RolloutDecision("abort", "the on-call said so", {"step": 1})
    assert rollout.status is RolloutStatus.ABORTED
    assert rollout.status.final
    assert rollout.weights() == {"1": 100.0, "2": 0.0}
    feed(rollout, CANDIDATE, 100)
    assert rollout.decide() == RolloutDecision("wait", "rollout is aborted")
    assert [d.action for d in rollout.decisions] == ["advance", "abort"]


def test_abort_after_the_end_changes_nothing() -> None:
    rollout = Rollout(spec(steps=(100.0,)))
    feed(rollout, CANDIDATE, 10)
    assert rollout.decide().action == "promote"
    assert rollout.abort().action == "wait"
    assert rollout.status is RolloutStatus.PROMOTED
    assert [d.action for d in rollout.decisions] == ["promote"]


# ---- specs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps": ()}, "steps must be increasing percentages in (0, 100], got ()"),
        ({"steps": (0.0, 100.0)}, "steps must be increasing percentages"),
        ({"steps": (50.0, 120.0)}, "steps must be increasing percentages"),
        ({"steps": (50.0, 20.0, 100.0)}, "steps must be increasing percentages"),
        ({"steps": ("a lot",)}, "steps must be percentages, got ('a lot',)"),
        ({"steps": 5}, "steps must be percentages, got 5"),
        ({"steps": (5.0, 50.0)}, "a canary's last step must be 100 %, got (5.0, 50.0)"),
        ({"plan": "linear"}, "plan must be one of canary, blue-green, shadow, none, got 'linear'"),
        (
            {"plan": "none"},
            "a rollout's plan must be one of canary, blue-green, shadow, got 'none'",
        ),
        ({"candidate": 1}, "version 1 of 'churn' is already the champion"),
        ({"hold_requests": 0}, "hold_requests must be an int >= 1, got 0"),
        ({"hold_requests": "5"}, "hold_requests must be an int >= 1, got '5'"),
        ({"hold_requests": True}, "hold_requests must be an int >= 1, got True"),
        ({"max_failed_checks": 0}, "max_failed_checks must be an int >= 1, got 0"),
        ({"min_labels": 0}, "min_labels must be an int >= 1, got 0"),
        ({"tolerance": -0.1}, "tolerance must be a number in [0, inf), got -0.1"),
        ({"tolerance": "small"}, "tolerance must be a number in [0, inf), got 'small'"),
        ({"tolerance": float("nan")}, "tolerance must be a number in [0, inf), got nan"),
        ({"error_margin": float("inf")}, "error_margin must be a number in [0, inf), got inf"),
        ({"hold_seconds": -1}, "hold_seconds must be a number in [0, inf) or None, got -1"),
    ],
)
def test_bad_specs_are_refused_naming_the_problem(options: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"model": "churn", "champion": 1, "candidate": 2, **options}
    with pytest.raises(InputError) as info:
        RolloutSpec(**values)
    assert str(info.value).startswith(message)


def test_spec_defaults_plans_and_round_trip() -> None:
    default = RolloutSpec("churn", 3, 4)
    assert default.to_dict() == {
        "model": "churn",
        "champion": 3,
        "candidate": 4,
        "plan": "canary",
        "steps": [5.0, 25.0, 100.0],
        "hold_requests": 500,
        "hold_seconds": None,
        "max_failed_checks": 1,
        "tolerance": 0.0,
        "error_margin": 0.01,
        "min_labels": 50,
    }
    assert RolloutSpec("churn", 1, 2, plan="shadow", steps=(10,)).steps == (10.0,)
    for made in (
        default,
        spec(plan="blue-green", hold_seconds=30.0),
        spec(plan=Plan.SHADOW, tolerance=0.02, max_failed_checks=2),
    ):
        assert RolloutSpec.from_dict(made.to_dict()) == made


def test_a_spec_is_its_settings_for_two_versions() -> None:
    settings = RolloutSettings(plan=Plan.SHADOW, steps=(10.0,), hold_seconds=90.0, min_labels=7)
    made = RolloutSpec.of("churn", 3, 4, settings)
    assert (made.model, made.champion, made.candidate) == ("churn", 3, 4)
    assert made.settings == settings
    assert made == RolloutSpec(
        "churn", 3, 4, plan="shadow", steps=(10,), hold_seconds=90.0, min_labels=7
    )
    assert made.to_dict() == {"model": "churn", "champion": 3, "candidate": 4, **settings.to_dict()}


def test_settings_read_an_older_records_hold_in_minutes() -> None:
    older = {
        "plan": "canary",
        "steps": [5, 100],
        "hold_requests": 9,
        "hold_minutes": 2.5,
        "max_failed_checks": 1,
        "tolerance": 0.02,
    }
    settings = RolloutSettings.from_dict(older)
    assert (settings.hold_seconds, settings.steps, settings.tolerance) == (
        150.0,
        (5.0, 100.0),
        0.02,
    )
    assert (settings.error_margin, settings.min_labels) == (0.01, 50)  # the defaults
    assert RolloutSettings.from_dict(settings.to_dict()) == settings


# ---- RolloutStore on SQLite ----------------------------------------------------------------


@pytest.fixture
def metadata(tmp_path: Path) -> Iterator[MetadataStore]:
    with open_metadata_store(f"sqlite:///{tmp_path / 'metadata.db'}", create=True) as opened:
        yield opened


@pytest.fixture
def store(metadata: MetadataStore) -> RolloutStore:
    return RolloutStore(metadata)


def test_rollouts_are_numbered_per_model(store: RolloutStore) -> None:
    first = store.request(spec(), by="ana", reason="weekly retrain")
    assert (first.name, first.status, first.step, first.percent) == (
        "churn#1",
        RolloutStatus.PENDING,
        0,
        0.0,
    )
    assert (first.requested_by, first.reason, first.started_at, first.ended_at) == (
        "ana",
        "weekly retrain",
        None,
        None,
    )
    assert first.spec == spec()
    other = store.request(RolloutSpec("fraud", 1, 2), by="ana")
    assert other.name == "fraud#1"
    store.request_abort("churn", by="ana")
    assert store.request(spec(candidate=3)).name == "churn#2"
    assert [r.name for r in store.all()] == ["churn#1", "fraud#1", "churn#2"]
    assert [r.name for r in store.all("churn")] == ["churn#1", "churn#2"]
    assert [r.name for r in store.active()] == ["fraud#1", "churn#2"]
    assert store.get("churn#2").spec.candidate == 3
    with pytest.raises(NotFoundError, match="no rollout 'churn#9'"):
        store.get("churn#9")


def test_one_model_has_one_active_rollout(store: RolloutStore) -> None:
    store.request(spec())
    with pytest.raises(ConflictError) as info:
        store.request(spec(candidate=3))
    assert str(info.value) == (
        "model 'churn' has a rollout in progress already: churn#1 (pending); "
        "abort it first with `driftline rollout abort`"
    )
    running = store.record(
        store.get("churn#1"),
        RolloutDecision("start"),
        status=RolloutStatus.RUNNING,
        step=0,
        percent=20,
    )
    with pytest.raises(ConflictError, match=r"churn#1 \(running\)"):
        store.request(spec(candidate=3))
    store.record(
        running, RolloutDecision("promote"), status=RolloutStatus.PROMOTED, step=2, percent=100
    )
    assert store.request(spec(candidate=3)).name == "churn#2"


def test_aborting_a_pending_rollout_ends_it_at_once(store: RolloutStore) -> None:
    store.request(spec(), by="ana")
    aborted = store.request_abort("churn", by="bob", reason="wrong version")
    assert aborted.status is RolloutStatus.ABORTED
    assert aborted.started_at is None  # it never started
    assert aborted.ended_at is not None
    assert not aborted.abort_requested
    assert store.active() == []
    last = store.decisions("churn#1")[-1]
    assert (last["action"], last["reason"], last["evidence"], last["status"]) == (
        "abort",
        "wrong version",
        {"by": "bob"},
        "aborted",
    )
    with pytest.raises(NotFoundError, match="model 'churn' has no rollout in progress"):
        store.request_abort("churn")


def test_aborting_a_running_rollout_asks_its_server(store: RolloutStore) -> None:
    pending = store.request(spec())
    store.record(
        pending, RolloutDecision("start"), status=RolloutStatus.RUNNING, step=0, percent=20.0
    )
    asked = store.request_abort("churn", by="bob", reason="pager")
    assert (asked.status, asked.abort_requested) == (RolloutStatus.RUNNING, True)
    assert asked.started_at is not None
    assert asked.ended_at is None
    props = store.metadata.contexts(ContextQuery(kind=ROLLOUT_KIND))[0].properties
    assert (props["abort_reason"], props["abort_by"]) == ("pager", "bob")
    # what the server does when it sees the request
    done = store.record(
        asked,
        RolloutDecision("abort", "abort requested"),
        status=RolloutStatus.ABORTED,
        step=0,
        percent=0,
    )
    assert (done.status, done.abort_requested, done.started_at) == (
        RolloutStatus.ABORTED,
        True,
        asked.started_at,
    )
    assert done.ended_at is not None


def test_decisions_are_recorded_in_order(store: RolloutStore) -> None:
    record = store.request(spec(), by="ana", reason="why not")
    record = store.record(
        record,
        RolloutDecision("start", "why not"),
        status=RolloutStatus.RUNNING,
        step=0,
        percent=20.0,
    )
    evidence = {"step": 0, "percent": 20.0, "candidate": {"requests": 10, "correct": 9}}
    record = store.record(
        record,
        RolloutDecision("advance", "live accuracy 0.9 vs 0.8", evidence),
        status=RolloutStatus.RUNNING,
        step=1,
        percent=50.0,
    )
    assert (record.step, record.percent, record.status) == (1, 50.0, RolloutStatus.RUNNING)
    record = store.record(
        record,
        RolloutDecision("promote", "ok"),
        status=RolloutStatus.PROMOTED,
        step=2,
        percent=100.0,
    )
    assert record.ended_at is not None
    listed = store.decisions("churn#1")
    assert [d["action"] for d in listed] == ["request", "start", "advance", "promote"]
    assert listed[0]["by"] == "ana"
    assert listed[2]["evidence"] == evidence
    assert [(d.get("status"), d.get("step"), d.get("percent")) for d in listed[1:]] == [
        ("running", 0, 20.0),
        ("running", 1, 50.0),
        ("promoted", 2, 100.0),
    ]
    assert all(d["at"] for d in listed)
    assert store.decisions("churn#7") == []


def test_a_record_round_trips_through_its_context(
    store: RolloutStore, metadata: MetadataStore
) -> None:
    made = store.request(spec(plan="blue-green", hold_seconds=9.5, tolerance=0.01), by="ana")
    [context] = metadata.contexts(ContextQuery(kind=ROLLOUT_KIND))
    again = RolloutRecord.from_context(context)
    assert again == made
    assert again.spec == spec(plan="blue-green", hold_seconds=9.5, tolerance=0.01)
    as_dict = made.to_dict()
    assert as_dict["name"] == "churn#1"
    assert as_dict["plan"] == "blue-green"
    assert as_dict["steps"] == [100.0]
    assert as_dict["status"] == "pending"
    assert set(as_dict) == {
        "id",
        "name",
        *made.spec.to_dict(),
        "status",
        "step",
        "percent",
        "abort_requested",
        "requested_by",
        "reason",
        "started_at",
        "ended_at",
    }
