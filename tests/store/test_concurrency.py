"""Many processes write one store at the same time: nothing is lost, nobody sees "locked"."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import (
    ContextRef,
    EventKind,
    ExecutionState,
    LineageDirection,
    NewArtifact,
    NewExecution,
)

PROCESSES = 8
EXECUTIONS = 200
SHARED = ContextRef("pipeline", "shared")  # created by whichever process gets there first


def _artifact(worker: int, i: int) -> NewArtifact:
    return NewArtifact("model", f"file:///w{worker}/{i}", f"{worker:032x}{i:032x}", i, name=None)


def _worker(url: str, seed: int, worker: int, barrier: Any, errors: Any) -> None:
    try:
        with open_metadata_store(url) as store:
            barrier.wait(timeout=60)
            previous = seed
            for i in range(EXECUTIONS):
                rec = store.record_execution(
                    NewExecution("train", parameters={"worker": worker, "i": i}),
                    inputs={"seed": seed, "previous": previous},
                    outputs={"model": _artifact(worker, i)},
                    contexts=[SHARED, ContextRef("run", f"w{worker}")],
                )
                previous = rec.outputs["model"][0].id
    except BaseException:
        errors.put(f"worker {worker}: {traceback.format_exc()}")
        raise


def _run_in_processes(target: Callable[..., None], *args: Any) -> None:
    """Run ``target(*args, worker, barrier, errors)`` in PROCESSES processes; fail on any error."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    errors = ctx.Queue()
    workers = [
        ctx.Process(target=target, args=(*args, w, barrier, errors)) for w in range(PROCESSES)
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=240)
    exitcodes = [p.exitcode for p in workers]
    failures = [errors.get(timeout=10) for _ in range(sum(code != 0 for code in exitcodes))]
    errors.close()
    errors.join_thread()
    assert exitcodes == [0] * PROCESSES, "\n".join(failures)


def test_parallel_writers_lose_nothing(store: MetadataStore, store_url: str) -> None:
    seed = store.put_artifact(NewArtifact("span", "file:///seed", "0" * 64, 1))
    _run_in_processes(_worker, store_url, seed.id)

    total = PROCESSES * EXECUTIONS
    counts = store.counts()
    assert counts.executions == {ExecutionState.COMPLETE: total}
    assert counts.artifacts == {"model": total, "span": 1}
    assert counts.contexts == {"pipeline": 1, "run": PROCESSES}
    events = store.events()
    assert len(events) == 3 * total
    assert sum(e.kind is EventKind.OUTPUT for e in events) == total
    assert len(store.executions(ExecutionQuery(context=SHARED))) == total
    assert len(store.artifacts(ArtifactQuery(context=SHARED))) == total + 1
    for w in range(PROCESSES):
        (last,) = store.artifacts(ArtifactQuery(uri=f"file:///w{w}/{EXECUTIONS - 1}"))
        chain = store.lineage(last.id, LineageDirection.UP)
        assert len(chain.executions) == EXECUTIONS
        assert len(chain.artifacts) == EXECUTIONS + 1  # the chain and the seed
        assert max(chain.depth.values()) == EXECUTIONS - 1
        run = ContextRef("run", f"w{w}")
        assert len(store.executions(ExecutionQuery(context=run))) == EXECUTIONS


def _opener(url: str, worker: int, barrier: Any, errors: Any) -> None:
    try:
        barrier.wait(timeout=60)
        with open_metadata_store(url, create=True) as store:
            store.record_execution(NewExecution("init"), contexts=[SHARED])
    except BaseException:
        errors.put(f"opener {worker}: {traceback.format_exc()}")
        raise


def test_parallel_creation_of_one_workspace(store_url: str) -> None:
    """Several processes create the same new workspace at once: one schema, no error."""
    _run_in_processes(_opener, store_url)
    with open_metadata_store(store_url) as store:
        counts = store.counts()
    assert counts.executions == {ExecutionState.COMPLETE: PROCESSES}
    assert counts.contexts == {"pipeline": 1}
