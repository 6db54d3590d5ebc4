"""A long backlog of prediction segments profiled in worker processes.

Threads of one process share Python's lock: two threads profiling at once each took about a third
more CPU than one alone (on two cores: 172 against 131 ms for the same window), while two
processes profiling at once took what one did (126 to 128 ms). So an update with a backlog of at
least :data:`PROCESS_ROWS` rows hands its windows to worker processes when they are running
(:func:`start_workers`; an update starts them itself for a backlog of :data:`COLD_PROCESS_ROWS`
rows), the machine has two cores or more, and the stores can be opened again from another
process (a database URL and an artifact store location; not an in-memory SQLite store).

**What a worker does.** :func:`build_parts` runs in a worker: it opens the same stores (once per
process), reads its segments (SHA-256 checked), splits their rows by ``(version, window start)``
and profiles, scores and summarises them exactly as the threads would, with one thread, and
returns the parts' bytes and properties. It stores nothing. The update records what the workers
return, in the order of its segments (the same executions, lineage and chain as the threads).

**The pool.** Workers are plain Python processes (:class:`~driftline.core.process_pool.ProcessPool`:
they never import the caller's script, so one without a ``__main__`` guard works) that import the
profiler and load its compiled kernels when they start. They are started at the first large
update and kept for later ones; :func:`start_workers` starts them ahead (a monitor service at
start-up: about a second) and :func:`stop_workers` stops them (also done at exit).
"""

from __future__ import annotations

import atexit
import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.core.process_pool import ProcessPool
    from driftline.monitor.window_store import Listing
    from driftline.monitor.window_versions import VersionLookup
    from driftline.store.records import Artifact
    from driftline.store.stores import HasStores, Stores

__all__ = [
    "COLD_PROCESS_ROWS",
    "PROCESS_ROWS",
    "StoresAddress",
    "Task",
    "address_of",
    "build_parts",
    "run_tasks",
    "start_workers",
    "stop_workers",
    "tasks_of",
    "worker_pool",
    "workers_running",
]

PROCESS_ROWS = 1_000_000
"""Backlog rows from which an update profiles in the worker processes, once they are running."""

COLD_PROCESS_ROWS = 20_000_000
"""Backlog rows from which an update starts the worker processes itself (each pays about three
seconds to start and load a version's model: below this, the threads finish first)."""

TASK_ROWS = 500_000
"""Rows a worker is given at once (about an hour of the benchmark's log: one window)."""

BATCH_ROWS = 1_000_000
"""Rows a worker reads before it profiles them (bounds its memory)."""


@dataclass(frozen=True)
class StoresAddress:
    """How another process opens the same stores: the database URL and the artifact location."""

    metadata_url: str
    artifacts_url: str
    storage_options: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Task:
    """Segments a worker profiles into parts (of one window, or of a few), for one update."""

    address: StoresAddress
    model: str
    seconds: int
    segments: tuple[Artifact, ...]
    update: str = ""


def address_of(stores: Stores) -> StoresAddress | None:
    """Where worker processes find ``stores``.

    ``None`` for an in-memory SQLite store, which no other process can open.
    """
    url = stores.metadata.reopen_url
    if url is None:
        return None
    artifacts = stores.artifacts
    return StoresAddress(url, artifacts.url, artifacts.storage_options)


_opened: dict[tuple[str, str, str], Stores] = {}
_lookups: dict[tuple[str, str, str, str], tuple[str, VersionLookup]] = {}


def _key(address: StoresAddress) -> tuple[str, str, str]:
    options = sorted((address.storage_options or {}).items())
    return address.metadata_url, address.artifacts_url, repr(options)


def _stores(address: StoresAddress) -> Stores:
    """The stores at ``address``, opened once per worker process."""
    found = _opened.get(_key(address))
    if found is None:
        from driftline.store.artifacts import ArtifactStore
        from driftline.store.metadata import open_metadata_store
        from driftline.store.stores import Stores

        options = dict(address.storage_options) if address.storage_options else None
        found = Stores(
            open_metadata_store(address.metadata_url),
            ArtifactStore(address.artifacts_url, storage_options=options),
        )
        _opened[_key(address)] = found
    return found


def _lookup(address: StoresAddress, model: str, update: str) -> VersionLookup:
    """The worker's lookup of ``model`` for ``update``.

    Facts are found afresh for each update (as the threads do); models load once per worker.
    """
    from driftline.monitor.window_versions import VersionLookup

    key = (*_key(address), model)
    kept = _lookups.get(key)
    if kept is None:
        found = VersionLookup(_stores(address), model)
    elif kept[0] != update:
        found = kept[1].afresh()
    else:
        return kept[1]
    _lookups[key] = (update, found)
    return found


def build_parts(task: Task) -> tuple[list[tuple[bytes, dict[str, Any]]], tuple[str, ...], int]:
    """In a worker: the parts of ``task``'s segments, the update's notes and the rows read.

    Raises:
        ArtifactCorruptError, ArtifactNotFoundError, IntegrityError: a segment cannot be read.

    """
    from driftline.monitor.window_accumulator import Accumulator
    from driftline.monitor.window_reading import prepare_segment

    s = _stores(task.address)
    window = timedelta(seconds=task.seconds)
    lookup = _lookup(task.address, task.model, task.update)
    acc = Accumulator(s, task.model, task.seconds, lookup, threads=1, background=False)
    pending: list[Any] = []
    rows = 0
    for segment in task.segments:  # segments, not rows
        read, batch, hashed, excluded = prepare_segment(s, segment, window)
        rows += read
        acc.note_segment(segment.id, hashed, excluded)
        pending.append(batch)
        if sum(b.table.num_rows for b in pending) >= BATCH_ROWS:
            acc.add(pending)
            pending = []
    acc.add(pending)
    return acc.finish(), acc.notes, rows


def warm() -> None:
    """Import what a worker runs and load the profiler's compiled kernels (once per process)."""
    import numpy as np
    import pyarrow as pa

    from driftline.data._numbers import COMPILED_MIN
    from driftline.data.profiling import profile_table
    from driftline.monitor import window_accumulator, window_reading  # noqa: F401

    x = np.arange(COMPILED_MIN, dtype=np.float64)
    profile_table(pa.table({"x": x}), threads=1)


_lock = threading.Lock()
_pool: ProcessPool | None = None


def worker_pool(processes: int | None = None) -> ProcessPool:
    """The worker processes (started at the first call, then kept).

    Args:
        processes: how many (default: one per core); a different number starts a new pool.

    """
    global _pool
    from driftline.core.process_pool import ProcessPool

    wanted = processes or os.cpu_count() or 1
    with _lock:
        if _pool is not None and _pool.processes == wanted and _pool.usable:
            return _pool
        if _pool is not None:
            _pool.close()
        _pool = ProcessPool(wanted, warm="driftline.monitor.window_workers:warm")
        atexit.register(stop_workers)
        return _pool


def workers_running() -> bool:
    """Whether this process has worker processes ready (started, none of them dead)."""
    return _pool is not None and _pool.usable


def start_workers(
    processes: int | None = None,
    *,
    stores: HasStores | None = None,
    model: str | None = None,
    versions: Sequence[str | int] = (),
) -> int:
    """Start the worker processes now and wait until each is ready; return how many.

    With ``stores``, ``model`` and ``versions``, each worker also loads those versions' training
    profiles, monitor references and models (what its first window of them would load).
    """
    pool = worker_pool(processes)
    pool.ready()
    if stores is not None and model is not None and versions:
        from driftline.store.stores import Stores

        address = address_of(Stores.of(stores))
        if address is not None:
            names = tuple(str(v) for v in versions)
            jobs = [pool.submit(_preload, address, model, names) for _ in range(pool.processes)]
            for job in jobs:  # a cold worker is busy for seconds: each takes one of these
                job.result()
    return pool.processes


def _preload(address: StoresAddress, model: str, versions: tuple[str, ...]) -> None:
    """In a worker: load ``versions``' facts and models into its kept lookup."""
    lookup = _lookup(address, model, "")
    for version in versions:  # versions, not rows
        lookup.facts(version)
        lookup.loaded(version)


def stop_workers() -> None:
    """Stop the worker processes (the next large update starts them again)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def tasks_of(
    address: StoresAddress, model: str, seconds: int, segments: list[Artifact]
) -> list[Task]:
    """The segments in tasks of about :data:`TASK_ROWS` rows: a window's segments together.

    Segments of one version within one window (their properties say so) are grouped by window;
    others go in their order. Tasks come in the order of their first segment.
    """
    from driftline.monitor.window_rows import one_group

    size = seconds * 1_000_000
    open_chunks: dict[object, tuple[int, list[Artifact]]] = {}
    chunks: list[tuple[int, list[Artifact]]] = []
    for number, segment in enumerate(segments):  # segments, not rows
        key = one_group(segment.properties, size) or "mixed"
        chunk = open_chunks.get(key)
        if chunk is None or _rows(chunk[1]) >= TASK_ROWS:
            chunk = (number, [])
            open_chunks[key] = chunk
            chunks.append(chunk)
        chunk[1].append(segment)
    chunks.sort(key=lambda chunk: chunk[0])
    update = uuid.uuid4().hex  # workers find versions' facts afresh for each update
    return [Task(address, model, seconds, tuple(chunk), update) for _, chunk in chunks]


def _rows(segments: list[Artifact]) -> int:
    return sum(int(s.properties.get("rows") or 0) for s in segments)


def run_tasks(
    s: Stores,
    tasks: list[Task],
    listing: Listing,
    *,
    processes: int | None,
    commit_rows: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int, tuple[str, ...]]:
    """Profile ``tasks`` in the worker processes and record their parts, in the tasks' order.

    The parts of the tasks done are recorded once they hold ``commit_rows`` rows (and at the
    end), each time as one update in the chain (a long backlog is saved as it goes).

    Returns:
        The rows read, the parts recorded and the notes.

    Raises:
        ConflictError: another update followed the same one first; nothing more is recorded.
        ArtifactCorruptError, ArtifactNotFoundError, IntegrityError: a segment cannot be read;
            nothing of the tasks not yet recorded is stored.
        ServiceError: a worker process died.

    """
    from driftline.monitor.window_store import record_parts

    pool = worker_pool(processes)
    jobs = [pool.submit(build_parts, task) for task in tasks]
    total = sum(len(t.segments) for t in tasks)
    mark, previous = listing.mark, listing.previous
    rows_read = parts = done_segments = 0
    notes: list[str] = []
    out: list[tuple[bytes, dict[str, Any]]] = []
    done: list[Artifact] = []
    held = 0
    try:
        for number, (task, job) in enumerate(zip(tasks, jobs, strict=True)):  # tasks, not rows
            made, found, rows = job.result()  # a dead worker: ServiceError, nothing stored
            out.extend(made)
            notes.extend(found)
            done.extend(task.segments)
            rows_read, held = rows_read + rows, held + rows
            done_segments += len(task.segments)
            last = number == len(tasks) - 1
            if done and (held >= commit_rows or last):
                rest = [seg.created_at for t in tasks[number + 1 :] for seg in t.segments]
                until = min(rest) if rest else None
                model, seconds = task.model, task.seconds
                recorded = record_parts(s, model, seconds, out, done, mark, previous, until=until)
                written, mark, previous = recorded
                parts, out, done, held = parts + written, [], [], 0
            if progress is not None:
                progress(done_segments, total)
    finally:
        for job in jobs:
            job.cancel()
    return rows_read, parts, tuple(dict.fromkeys(notes))
