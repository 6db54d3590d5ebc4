"""Live windows: the prediction log profiled in time windows, once, incrementally.

:func:`update_windows` profiles every prediction segment of a model that no window covers yet
(and nothing else), reading only the columns a window profiles, a bounded batch of rows at a time.
Rows are split by ``(version, window start)`` (windows are aligned on the Unix epoch: hourly
windows start on the hour) and each group is profiled with
:func:`~driftline.data.profiling.profile_table`. One update stores one **part** per version and
window it saw: an artifact of kind :data:`WINDOW_PROFILE_KIND` holding the profile, with the
properties ``model``, ``version``, ``start``, ``end``, ``rows``, ``window_seconds``,
``segments`` (the ids of the segments it holds rows of), ``hashed`` and ``excluded`` (inputs the
log hashed or left out), and ``confidence_sum`` / ``confidence_rows`` (below). The update is one
execution (kind :data:`UPDATE_KIND`) whose inputs are the segments it read and whose outputs are
its parts (lineage), attributed to the context ``live_windows``/MODEL; it is written in one
transaction, so a failed update stores nothing.

A **window** is the merge of its parts, never a re-read (:func:`live_windows`); a coarser window
(a day of hourly parts) is the merge of the parts it spans. Rows logged late for a window already
profiled make one more part of it.

**Incremental, and cheap to list.** A segment is covered when a part lists it. Each update
records the creation time of the newest segment it read; the next one lists only segments (and
parts) created from an hour before that mark (:data:`LISTING_SLACK`: slow writers and clock skew),
so listing costs what the last hour holds, and reading costs what is new. Updates that run at
once never count a row twice: each names the update it follows, and only one of two that follow
the same one is stored (:mod:`~driftline.monitor.window_store`).

**Estimated accuracy.** For a version whose monitor reference has a calibration and whose inputs
the log kept as sent, each part also stores the sum of its rows' calibrated confidences
(:mod:`~driftline.monitor.window_confidence`): the rows are scored again with the version's model,
in one batch (a seeded sample of 20,000 rows of a larger part). Without it the sum is ``None`` and
:attr:`WindowUpdate.notes` says why.

**Summaries.** Each part also keeps what its profile says against the version's training profile
and monitor reference (input and output drift, prediction mix, outlier rate), measured once
(:mod:`~driftline.monitor.window_summary`), so the metrics of a one-part window need no bytes.

Batch predictions are windowed the same way once logged:
:func:`driftline.monitor.batch_log.log_batch` writes a ``batch_predict`` table (with the inputs it
predicted) as prediction segments, at the time it was predicted.

Examples:
    >>> import tempfile
    >>> from datetime import datetime, timezone
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.monitor.logs.predlog import PredictionLog
    >>> from driftline.workspace import Workspace
    >>> at = datetime(2026, 5, 1, 9, 15, tzinfo=timezone.utc)
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     with PredictionLog(ws.metadata, ws.artifacts) as log:
    ...         _ = log.log("churn", 1, "r1", pa.table({"x": [0.5, 1.5]}), np.array([0, 1]), at)
    ...     first = update_windows(ws, "churn")
    ...     again = update_windows(ws, "churn")
    ...     [w] = live_windows(ws, "churn")
    >>> first.segments_read, first.rows_read, first.parts_written, again.segments_read
    (1, 2, 1, 0)
    >>> w.start.isoformat(), w.rows, w.profile.names
    ('2026-05-01T09:00:00+00:00', 2, ('x', 'prediction'))

"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.core.errors import ConflictError, InputError
from driftline.monitor.logs.segments import check_window
from driftline.monitor.window_accumulator import Accumulator, Batch
from driftline.monitor.window_groups import LiveWindow, load_window, version_text, window_groups
from driftline.monitor.window_reading import prepare_segment as _prepared
from driftline.monitor.window_store import (
    LISTING_SLACK,
    UPDATE_KIND,
    WINDOW_PROFILE_KIND,
    WINDOWS_CONTEXT_KIND,
    new_segments,
    windows_context,
)
from driftline.monitor.window_versions import VersionLookup
from driftline.monitor.window_workers import (
    COLD_PROCESS_ROWS,
    PROCESS_ROWS,
    Task,
    address_of,
    run_tasks,
    tasks_of,
    workers_running,
)
from driftline.registry.versions import check_model_name
from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.store.records import Artifact

__all__ = [
    "DEFAULT_WINDOW",
    "LISTING_SLACK",
    "UPDATE_KIND",
    "WINDOWS_CONTEXT_KIND",
    "WINDOW_PROFILE_KIND",
    "LiveWindow",
    "WindowUpdate",
    "check_window_length",
    "live_windows",
    "update_windows",
    "windows_context",
]

DEFAULT_WINDOW = timedelta(hours=1)
"""The length of a live window unless told otherwise."""

BATCH_ROWS = 1_000_000
"""Rows read before they are split and profiled (bounds memory)."""

FIRST_BATCH_ROWS = 250_000
"""Rows of the first batch: profiling starts while the rest is still being read."""

READ_AHEAD_ROWS = 1_000_000
"""Rows read ahead of the ones being profiled (one batch: bounds the memory it takes)."""

READ_THREADS = 2
"""Threads reading segments ahead."""

UNKNOWN_ROWS = 100_000
"""The rows a segment is taken to hold, for the read-ahead's bound, when it does not say."""

COMMIT_ROWS = 5_000_000
"""Rows after which an update records what it has (a long backlog is saved as it goes)."""


def check_window_length(window: object) -> int:
    """Check a window length (a whole number of seconds, at least one); return it in seconds.

    Raises:
        InputError: naming what was received.

    Examples:
        >>> check_window_length(timedelta(minutes=10))
        600
        >>> check_window_length(timedelta(seconds=1.5))
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: window must be a whole number of seconds, at least one; \
got 0:00:01.500000

    """
    if not isinstance(window, timedelta):
        raise InputError(f"window must be a timedelta, got {window!r}")
    if window.microseconds or window < timedelta(seconds=1):
        raise InputError(f"window must be a whole number of seconds, at least one; got {window}")
    return int(window.total_seconds())


@dataclass(frozen=True)
class WindowUpdate:
    """What one :func:`update_windows` did.

    Attributes:
        segments_read: prediction segments read (those no window covered yet).
        rows_read: rows read from them.
        parts_written: window parts stored.
        notes: what could not be done for some rows (no estimated accuracy, say), once each.

    """

    segments_read: int
    rows_read: int
    parts_written: int
    notes: tuple[str, ...] = ()


def update_windows(
    stores: HasStores,
    model: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    progress: Callable[[int, int], None] | None = None,
    processes: int | None = None,
) -> WindowUpdate:
    """Profile every prediction segment of ``model`` no window covers yet (see the module).

    Args:
        stores: the workspace's stores (a workspace, a :class:`~driftline.store.stores.Stores`).
        model: the model's name.
        window: the windows' length (a whole number of seconds).
        progress: called with ``(segments done, segments to do)`` as segments are done.
        processes: worker processes to profile in (:mod:`~driftline.monitor.window_workers`);
            ``None``: the running workers for a backlog of at least
            :data:`~driftline.monitor.window_workers.PROCESS_ROWS` rows (one per core, started
            here for :data:`~driftline.monitor.window_workers.COLD_PROCESS_ROWS`), else this
            process's threads; ``0`` or ``1``: this process only.

    Returns:
        What was read and written (counts), and notes.

    Raises:
        InputError: a bad model name or window.
        ArtifactCorruptError, ArtifactNotFoundError, IntegrityError: a segment cannot be read;
            nothing of the batch it is in is stored.

    """
    check_model_name(model)
    seconds = check_window_length(window)
    s = Stores.of(stores)
    listing = new_segments(s.metadata, model, seconds)
    segments, mark, previous = listing.segments, listing.mark, listing.previous
    tasks = _worker_tasks(s, model, seconds, segments, processes)
    if tasks:
        try:
            rows, parts, notes = run_tasks(
                s, tasks, listing, processes=processes, commit_rows=COMMIT_ROWS, progress=progress
            )
        except ConflictError:
            return WindowUpdate(len(segments), 0, 0, (_raced(model),))
        return WindowUpdate(len(segments), rows, parts, notes)
    acc = Accumulator(s, model, seconds, VersionLookup(s, model))
    rows_read = parts = 0
    pending: list[Batch] = []
    done: list[Artifact] = []
    batch = FIRST_BATCH_ROWS  # then BATCH_ROWS: profiling starts while the rest is read
    reading = _read_ahead(s, segments, window)
    try:
        for n, (segment, prepared) in enumerate(reading, start=1):
            rows, rows_batch, hashed, excluded = prepared
            rows_read += rows
            pending.append(rows_batch)
            acc.note_segment(segment.id, hashed, excluded)
            done.append(segment)
            if sum(p.table.num_rows for p in pending) >= batch:
                acc.add(pending)
                pending, batch = [], BATCH_ROWS
            if acc.rows >= COMMIT_ROWS:
                acc.add(pending)
                pending = []
                written, mark, previous = acc.commit(done, mark, previous)
                parts, done = parts + written, []
            if progress is not None:
                progress(n, len(segments))
        acc.add(pending)
        if done:
            parts += acc.commit(done, mark, previous)[0]
    except ConflictError:
        return WindowUpdate(len(segments), rows_read, parts, (*acc.notes, _raced(model)))
    finally:
        reading.close()  # an update that stops early leaves no reading thread behind
    return WindowUpdate(len(segments), rows_read, parts, acc.notes)


def _raced(model: str) -> str:
    return (
        f"another update of {model!r} profiled the same segments at the same time: this one "
        "stored nothing of them (no row is counted twice)"
    )


def _worker_tasks(
    s: Stores, model: str, seconds: int, segments: list[Artifact], processes: int | None
) -> list[Task]:
    """The segments as worker tasks, or none: the update runs in this process."""
    import os

    count = processes if processes is not None else (os.cpu_count() or 1)
    if count < 2 or not segments:
        return []
    rows = sum(int(seg.properties.get("rows") or UNKNOWN_ROWS) for seg in segments)
    warm = workers_running() and rows >= PROCESS_ROWS
    if processes is None and not warm and rows < COLD_PROCESS_ROWS:
        return []
    address = address_of(s)
    if address is None:  # an in-memory database: no other process can open it
        return []
    return tasks_of(address, model, seconds, segments)


def _read_ahead(
    s: Stores, segments: list[Artifact], window: timedelta
) -> Generator[tuple[Artifact, tuple[Any, ...]], None, None]:
    """Each segment with its prepared rows (:func:`_prepared`), read ahead on two threads.

    Up to :data:`READ_AHEAD_ROWS` rows (by the segments' ``rows`` property) are read and decoded
    while the rows before them are profiled (pyarrow and numpy release the GIL), so reading
    and profiling share the cores. Stopping early cancels what has not started.
    """
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        ahead: deque[tuple[int, Future[tuple[Any, ...]]]] = deque()
        queued = rows_ahead = 0
        try:
            for segment in segments:  # segments, not rows
                while queued < len(segments) and (not ahead or rows_ahead < READ_AHEAD_ROWS):
                    rows = int(segments[queued].properties.get("rows") or UNKNOWN_ROWS)
                    job = pool.submit(_prepared, s, segments[queued], window)
                    ahead.append((rows, job))
                    queued, rows_ahead = queued + 1, rows_ahead + rows
                rows, job = ahead.popleft()
                rows_ahead -= rows
                yield segment, job.result()
        finally:
            for _, job in ahead:
                job.cancel()


def live_windows(
    stores: HasStores,
    model: str,
    *,
    version: str | int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> list[LiveWindow]:
    """The stored live windows of ``model`` (by version, then time), merged from their parts.

    Reads what :func:`update_windows` stored; it does not update. ``window`` must be a multiple
    of a stored window length (a day of hourly windows); windows overlapping ``[since, until)``
    are returned whole.

    Raises:
        InputError: a bad model name, version, window or time range, or a window that is no
            multiple of any stored length (naming those stored).
        ArtifactCorruptError, ArtifactNotFoundError: a part's bytes are damaged or gone.

    """
    check_model_name(model)
    seconds = check_window_length(window)
    wanted = version_text(version)
    lo, hi = check_window(since, until)
    s = Stores.of(stores)
    groups = window_groups(s.metadata, model, version=wanted, since=lo, until=hi, seconds=seconds)
    return [load_window(s, model, g) for g in groups]
