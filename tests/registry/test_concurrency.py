"""Several processes use one registry at once: distinct consecutive versions, a consistent log."""

from __future__ import annotations

import multiprocessing
import random
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from driftline.registry import ModelRegistry
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.queries import ContextQuery
from tests.registry.conftest import ModelFactory

PROCESSES = 6
REGISTRATIONS = 4
MOVES = 15


def _register(url: str, root: str, model_id: int, worker: int, barrier: Any, out: Any) -> None:
    try:
        with open_metadata_store(url) as meta, ArtifactStore(root) as store:
            registry = ModelRegistry(meta, store)
            barrier.wait(timeout=60)
            numbers = [
                registry.register("shared", model_id, by=f"w{worker}").number
                for _ in range(REGISTRATIONS)
            ]
        out.put((worker, numbers))
    except BaseException:
        out.put((worker, traceback.format_exc()))
        raise


def _move(url: str, root: str, versions: int, worker: int, barrier: Any, out: Any) -> None:
    try:
        rng = random.Random(worker)
        with open_metadata_store(url) as meta, ArtifactStore(root) as store:
            registry = ModelRegistry(meta, store)
            barrier.wait(timeout=60)
            for _ in range(MOVES):
                alias = rng.choice(["champion", "challenger"])
                registry.set_alias("shared", alias, rng.randint(1, versions), by=f"w{worker}")
        out.put((worker, []))
    except BaseException:
        out.put((worker, traceback.format_exc()))
        raise


def _in_processes(target: Callable[..., None], *args: Any) -> dict[int, list[int]]:
    """Run ``target(*args, worker, barrier, out)`` in PROCESSES processes; what each put."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*args, w, barrier, out)) for w in range(PROCESSES)]
    for p in workers:
        p.start()
    results = [out.get(timeout=240) for _ in workers]
    for p in workers:
        p.join(timeout=60)
    out.close()
    out.join_thread()
    failures = [f"worker {w}: {r}" for w, r in results if isinstance(r, str)]
    assert not failures, "\n".join(failures)
    assert [p.exitcode for p in workers] == [0] * PROCESSES
    return dict(results)


@pytest.mark.slow
def test_parallel_registrations_get_distinct_consecutive_numbers(
    registry: ModelRegistry,
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    store_url: str,
    fake_model: ModelFactory,
) -> None:
    model = fake_model()
    got = _in_processes(_register, store_url, artifacts.url, model.id)
    total = PROCESSES * REGISTRATIONS
    every = sorted(n for numbers in got.values() for n in numbers)
    assert every == list(range(1, total + 1))
    for numbers in got.values():
        assert numbers == sorted(numbers)
    versions = registry.versions("shared")
    assert [v.number for v in versions] == list(range(1, total + 1))
    by_worker = {w: {v.number for v in versions if v.registered_by == f"w{w}"} for w in got}
    assert by_worker == {w: set(numbers) for w, numbers in got.items()}
    assert len(metadata.contexts(ContextQuery(kind="model_version"))) == total
    assert metadata.counts().artifacts == {"model": 1, "model_version": total}


@pytest.mark.slow
def test_parallel_alias_changes_leave_a_consistent_history(
    registry: ModelRegistry, artifacts: ArtifactStore, store_url: str, fake_model: ModelFactory
) -> None:
    model = fake_model()
    for _ in range(3):
        registry.register("shared", model.id)
    _in_processes(_move, store_url, artifacts.url, 3)
    changes = [t for t in registry.history("shared") if t.alias is not None]
    assert 0 < len(changes) <= PROCESSES * MOVES
    current: dict[str, int] = {}
    for t in changes:
        assert t.previous == current.get(t.alias or "")
        current[t.alias or ""] = t.version or 0
    assert registry.aliases("shared") == dict(sorted(current.items()))
