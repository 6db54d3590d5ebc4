"""The run queue and leases: two triggers at once make one job; one claim wins."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from driftline.controller.jobs import JobQueue, JobStatus
from driftline.controller.leases import LEASE_KIND, Heartbeat, LeaseLostError, Leases
from driftline.core.clock import ManualClock
from driftline.core.errors import InputError
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.workspace import Workspace
from tests.controller import controller_children as spawned
from tests.controller.controller_fixtures import T0, controller, policy, trigger_records

KEY = "retrain:synth"


def test_enqueue_numbers_jobs_and_deduplicates_open_ones(ws: Workspace) -> None:
    queue = JobQueue(ws.metadata)
    first = queue.enqueue(KEY, "train", {"dataset": "d"}, {"kind": "manual", "reason": "a"})
    dup = queue.enqueue(KEY, "train", {"dataset": "d"}, {"kind": "cron", "reason": "b"})
    assert (first.created, dup.created, dup.job.name) == (True, False, "retrain:synth#1")
    other = queue.enqueue("retrain:other", "train", {}, {"kind": "manual"})
    assert other.job.name == "retrain:other#1"  # keys have their own queue

    queue.update(first.job, status=JobStatus.RUNNING)
    assert not queue.enqueue(KEY, "train", {}, {"kind": "drift"}).created  # running: still open
    queue.update(first.job, status=JobStatus.COMPLETE)
    second = queue.enqueue(KEY, "train", {}, {"kind": "drift"})
    assert (second.created, second.job.name, second.job.number) == (True, "retrain:synth#2", 2)

    triggers = queue.triggers(queue.get("retrain:synth#1"))
    assert [(t["kind"], t["outcome"]) for t in triggers] == [
        ("manual", "enqueued"),
        ("cron", "deduplicated"),
        ("drift", "deduplicated"),
    ]
    assert queue.get("retrain:synth#1").properties["triggers"][0]["reason"] == "a"


def test_a_lost_race_for_a_job_number_deduplicates(ws: Workspace) -> None:
    """Two processes read "no open job" at once; the second to write gets a conflict."""
    winner = JobQueue(ws.metadata)

    class Stale(JobQueue):
        reads = 0

        def jobs(self, key: str | None = None, **kwargs: Any) -> Any:
            Stale.reads += 1
            if Stale.reads == 1:  # read before the winner wrote
                winner.enqueue(KEY, "train", {}, {"kind": "cron"})
                return []
            return super().jobs(key, **kwargs)

    late = Stale(ws.metadata).enqueue(KEY, "train", {}, {"kind": "drift"})
    assert (late.created, late.job.name, Stale.reads) == (False, "retrain:synth#1", 2)
    assert len(winner.jobs()) == 1


def test_bad_keys_and_triggers_are_refused(ws: Workspace) -> None:
    queue = JobQueue(ws.metadata)
    with pytest.raises(InputError, match="job key"):
        queue.enqueue("a#b", "train", {}, {"kind": "manual"})
    with pytest.raises(InputError, match="needs a 'kind'"):
        queue.enqueue(KEY, "train", {}, {"reason": "no kind"})
    assert queue.jobs() == []


def test_two_triggers_in_two_threads_make_one_job(ws: Workspace) -> None:
    folder = ws.settings.workspace
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def fire(i: int) -> None:
        with Workspace.open(folder) as own:  # each thread has its own connections
            ctl = controller(own, policy())
            start.wait()
            outcomes.append(ctl.trigger("train", reason=f"thread {i}").outcome)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["deduplicated", "enqueued"]
    assert [j.name for j in JobQueue(ws.metadata).jobs()] == ["retrain:synth#1"]
    assert sorted(r["outcome"] for r in trigger_records(ws)) == ["deduplicated", "enqueued"]


def test_two_triggers_in_two_processes_make_one_job(ws: Workspace) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    folder = str(ws.settings.workspace)
    children = [
        spawn.Process(target=spawned.trigger, args=(folder, i, barrier, results)) for i in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [c.exitcode for c in children] == [0, 0]
    assert sorted(results.get(timeout=5) for _ in children) == ["deduplicated", "enqueued"]
    assert [j.name for j in JobQueue(ws.metadata).jobs()] == ["retrain:synth#1"]


# -- leases -------------------------------------------------------------------------------------


def test_a_lease_is_held_until_it_expires_or_is_released(ws: Workspace) -> None:
    clock = ManualClock(T0)
    a = Leases(ws.metadata, owner="a", seconds=30, clock=clock)
    b = Leases(ws.metadata, owner="b", seconds=30, clock=clock)
    held = a.claim("job")
    assert held is not None
    assert held.name == "job@1"
    assert b.claim("job") is None
    clock.advance(20)
    held = a.renew(held)  # now holds until 50 s
    clock.advance(20)
    assert b.claim("job") is None
    assert b.holder("job") == held

    clock.advance(11)  # a stopped renewing: expired
    taken = b.claim("job")
    assert taken is not None
    assert (taken.attempt, taken.owner) == (2, "b")
    assert taken.previous == {
        "owner": "a",
        "expires_at": "2026-05-01T01:00:50+00:00",
        "released": False,
    }
    with pytest.raises(LeaseLostError, match="taken over by attempt 2"):
        a.renew(held)
    a.release(held)  # a lost lease is left alone
    assert b.holder("job") == taken

    b.release(taken)
    again = a.claim("job")
    assert again is not None
    assert again.attempt == 3
    assert again.previous is not None
    assert again.previous["released"] is True
    claims = ws.metadata.executions(ExecutionQuery(kind=LEASE_KIND))
    assert sorted(e.properties["owner"] for e in claims) == ["a", "a", "b"]


def _wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_heartbeat_renews_and_notices_a_takeover(ws: Workspace) -> None:
    clock = ManualClock(T0)
    a = Leases(ws.metadata, owner="a", seconds=30, clock=clock)
    lease = a.claim("job")
    assert lease is not None
    lost: list[str] = []
    with Heartbeat(a, lease, interval=0.01, on_lost=lambda exc: lost.append(str(exc))) as beat:
        clock.advance(25)
        renewed = T0 + timedelta(seconds=55)
        _wait_until(lambda: (a.latest("job") or lease).expires_at == renewed)
        # another process whose clock is an hour ahead finds it expired and takes over
        ahead = Leases(
            ws.metadata, owner="b", seconds=30, clock=ManualClock(T0 + timedelta(hours=1))
        )
        assert ahead.claim("job") is not None
        assert beat.lost.wait(10)
    assert lost
    assert "taken over by attempt 2" in lost[0]


def test_two_processes_claim_one_lease_one_wins(ws: Workspace) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(3), spawn.Queue()
    folder = str(ws.settings.workspace)
    children = [
        spawn.Process(target=spawned.claim, args=(folder, i, barrier, results)) for i in range(3)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    owners = [results.get(timeout=5) for _ in children]
    assert sum(o is not None for o in owners) == 1
    leases = ws.metadata.contexts(ContextQuery(kind=LEASE_KIND))
    assert [c.name for c in leases] == ["retrain:synth#1@1"]
    assert (
        ws.metadata.get_context_by_name(LEASE_KIND, "retrain:synth#1@1").properties["owner"]
        in owners
    )


# -- the same races on each metadata backend -----------------------------------------------------


def _race(store_url: str, work: Callable[[MetadataStore], Any], threads: int = 6) -> list[Any]:
    """Run ``work`` in ``threads`` threads at once, each with its own store; what each returned."""
    open_metadata_store(store_url, create=True).close()
    start = threading.Barrier(threads)
    results: list[Any] = []

    def one() -> None:
        with open_metadata_store(store_url) as own:
            start.wait(timeout=60)
            results.append(work(own))

    pool = [threading.Thread(target=one) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert len(results) == threads
    return results


def test_many_triggers_at_once_make_one_job_on_each_backend(store_url: str) -> None:
    def fire(meta: MetadataStore) -> bool:
        return JobQueue(meta).enqueue(KEY, "train", {}, {"kind": "manual"}).created

    assert sorted(_race(store_url, fire)) == [False] * 5 + [True]
    with open_metadata_store(store_url) as meta:
        (job,) = JobQueue(meta).jobs()
        assert len(JobQueue(meta).triggers(job)) == 6


def test_many_claims_at_once_one_wins_on_each_backend(store_url: str) -> None:
    def claim(meta: MetadataStore) -> str | None:
        lease = Leases(meta, seconds=60).claim("retrain:synth#1")
        return lease.owner if lease is not None else None

    owners = _race(store_url, claim)
    assert sum(o is not None for o in owners) == 1
