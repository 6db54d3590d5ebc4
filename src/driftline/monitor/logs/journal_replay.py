"""Replaying journals left by a crash into segments, exactly once.

Each segment written from journaled records says which ones it holds: it is attributed to the
context ``log_journal``/``KIND/JID`` and its ``journal`` property maps each journal id to the
ranges of record ids in it (``{"JID": [[first, last], ...]}``, inclusive). The segment and its
attribution are recorded in one transaction, so a record is in the metadata store exactly when
its segment is.

When a log with a journal folder starts, :func:`recover` looks for the journals of its kind whose
process is gone (their lock is free), takes their lock, reads their records (dropping a torn
tail), skips every record a recorded segment already holds (the process may have died after
writing a segment and before deleting its journal file) and hands the rest to the log as an
:class:`Orphan`. Once they are all in segments, the orphan's files are deleted. If this process
dies first, the next one does the same again and skips what this one wrote.

Examples:
    >>> runs(np.array([7, 3, 4, 5, 9]))
    [[3, 5], [7, 7], [9, 9]]
    >>> covered(np.array([1, 4, 8, 9, 12]), [[3, 5], [9, 10]]).tolist()
    [False, True, False, True, False]

"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from driftline.core.errors import InputError
from driftline.monitor.logs.journal_format import (
    journal_files,
    journal_ids,
    lock_path,
    read_frames,
    sync_folder,
)
from driftline.store.queries import ArtifactQuery
from driftline.store.records import ContextRef

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = [
    "JOURNAL_CONTEXT_KIND",
    "JournalSource",
    "Orphan",
    "Replayed",
    "replay_into",
    "Ticket",
    "covered",
    "drain",
    "journal_context",
    "journal_marks",
    "recover",
    "runs",
]

log = logging.getLogger("driftline.monitor.logs.journal")

JOURNAL_CONTEXT_KIND = "log_journal"
"""The kind of the context (``KIND/JID``) that segments from a journal are attributed to."""


class JournalSource(Protocol):
    """Where journaled entries come from: a live journal, or one replayed after a crash."""

    kind: str
    journal_id: str

    def drained(self, records: Sequence[int]) -> None:
        """Note that ``records`` are in a recorded segment, or can never be."""


Ticket = tuple[JournalSource, int]
"""A journaled entry's record: its journal and its record id."""


def journal_context(kind: str, journal_id: str) -> ContextRef:
    """The context the segments holding records of journal ``journal_id`` are attributed to."""
    return ContextRef(JOURNAL_CONTEXT_KIND, f"{kind}/{journal_id}")


def runs(ids: Any) -> list[list[int]]:
    """Record ids as sorted inclusive ranges ``[[first, last], ...]``."""
    ids = np.unique(np.asarray(ids, dtype=np.int64))
    if not len(ids):
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(ids) - 1]])
    return np.stack([ids[starts], ids[ends]], axis=1).tolist()  # type: ignore[no-any-return]


def covered(ids: Any, ranges: Sequence[Sequence[int]]) -> Any:
    """A boolean mask: which of ``ids`` fall in one of ``ranges`` (inclusive, non-overlapping)."""
    ids = np.asarray(ids, dtype=np.int64)
    if not ranges:
        return np.zeros(len(ids), dtype=bool)
    bounds = np.array(sorted(tuple(r) for r in ranges), dtype=np.int64)
    at = np.searchsorted(bounds[:, 0], ids, side="right") - 1
    inside = at >= 0
    return inside & (ids <= bounds[np.maximum(at, 0), 1])


def recorded_ranges(metadata: MetadataStore, kind: str, journal_id: str) -> list[list[int]]:
    """The ranges of record ids of a journal that recorded segments already hold."""
    found: list[list[int]] = []
    query = ArtifactQuery(kind=kind, context=journal_context(kind, journal_id))
    for artifact in metadata.artifacts(query):
        held = (artifact.properties or {}).get("journal", {}).get(journal_id, [])
        found.extend([int(a), int(b)] for a, b in held)
    return found


class Orphan:
    """The records of a journal whose process is gone, locked by this process until drained.

    Attributes:
        journal_id: the journal's id.
        records: ``(record id, payload)`` of the records no segment holds yet.
        skipped: records a segment already held (written before the crash).
        torn_bytes: bytes dropped at the end of the files (a write the crash cut short).

    """

    def __init__(
        self,
        folder: Path,
        kind: str,
        journal_id: str,
        lock_fd: int,
        files: list[Path],
        records: list[tuple[int, Any]],
        skipped: int,
        torn_bytes: int,
    ) -> None:
        self.folder = folder
        self.kind = kind
        self.journal_id = journal_id
        self.records = records
        self.skipped = skipped
        self.torn_bytes = torn_bytes
        self._lock_fd: int | None = lock_fd
        self._files = files
        self._left = {rid for rid, _ in records}
        self._mutex = threading.Lock()

    def drained(self, records: Sequence[int]) -> None:
        """Note that ``records`` are in a segment; once all are, delete the journal."""
        with self._mutex:
            self._left.difference_update(records)
            done = not self._left
        if done:
            self.finish()

    def finish(self) -> None:
        """Delete the journal's files, then its lock file, and let the lock go; idempotent."""
        with self._mutex:
            fd, self._lock_fd = self._lock_fd, None
        if fd is None:
            return
        for path in self._files:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        with contextlib.suppress(FileNotFoundError):
            lock_path(self.folder, self.kind, self.journal_id).unlink()
        with contextlib.suppress(OSError):
            sync_folder(self.folder)
        os.close(fd)

    def release(self) -> None:
        """Let the lock go and keep the files (for a later process); idempotent."""
        with self._mutex:
            fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)


def _take(folder: Path, kind: str, journal_id: str) -> int | None:
    """The locked lock file of a journal whose process is gone, or ``None`` if it is alive."""
    import fcntl

    fd = os.open(lock_path(folder, kind, journal_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def recover(
    folder: str | os.PathLike[str], kind: str, metadata: MetadataStore, *, skip: str = ""
) -> list[Orphan]:
    """The journals of ``kind`` in ``folder`` left by processes that are gone (see the module).

    Args:
        folder: the journal folder.
        kind: the log's kind.
        metadata: the metadata store the segments are recorded in.
        skip: a journal id not to look at (this process's own).

    A journal whose files cannot be read is left where it is, with an error in the log.

    """
    folder = Path(folder)
    orphans: list[Orphan] = []
    for journal_id in journal_ids(folder, kind):  # a crash may leave a lock file only
        if journal_id == skip:
            continue
        fd = _take(folder, kind, journal_id)
        if fd is None:
            continue  # its process is alive
        files = journal_files(folder, kind).get(journal_id, [])  # again, now that it is ours
        try:
            read = [read_frames(path.read_bytes()) for path in files]
            records = [record for found, _ in read for record in found]
            ids = np.array([rid for rid, _ in records], dtype=np.int64)
            done = covered(ids, recorded_ranges(metadata, kind, journal_id))
        except (OSError, InputError) as exc:
            log.error("the %s journal %s cannot be read and is kept: %s", kind, journal_id, exc)
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        torn = sum(t for _, t in read)
        left = [record for record, held in zip(records, done.tolist(), strict=True) if not held]
        orphan = Orphan(folder, kind, journal_id, fd, files, left, int(done.sum()), torn)
        if torn:
            log.warning(
                "the %s journal %s ends with %d bytes of a record cut short by a crash (dropped)",
                kind,
                journal_id,
                torn,
            )
        if left:
            orphans.append(orphan)
        else:
            orphan.finish()
    return orphans


def journal_marks(
    properties: dict[str, Any], contexts: list[ContextRef], tickets: list[Ticket]
) -> tuple[dict[str, Any], list[ContextRef]]:
    """A segment's properties and contexts, naming the journal records it holds."""
    by_source: dict[int, tuple[JournalSource, list[int]]] = {}
    for source, record in tickets:  # requests, not rows
        by_source.setdefault(id(source), (source, []))[1].append(record)
    held = {source.journal_id: runs(records) for source, records in by_source.values()}
    more = [journal_context(source.kind, source.journal_id) for source, _ in by_source.values()]
    return {**properties, "journal": held}, [*contexts, *more]


def drain(tickets: list[Ticket]) -> None:
    """Tell each journal which of its records are done with."""
    by_source: dict[int, tuple[JournalSource, list[int]]] = {}
    for source, record in tickets:
        by_source.setdefault(id(source), (source, []))[1].append(record)
    for source, records in by_source.values():
        try:
            source.drained(records)
        except Exception:  # a journal file that cannot be deleted must not stop the writer
            log.exception(
                "the %s journal %s could not note drained records", source.kind, source.journal_id
            )


@dataclass(frozen=True)
class Replayed:
    """What was replayed from one journal left by a crash.

    Attributes:
        journal_id: the journal's id.
        records: records queued again (requests or feedback calls).
        rows: their rows.
        skipped: records a segment already held (written before the crash).
        torn_bytes: bytes of a record cut short at the end of a file (dropped).

    """

    journal_id: str
    records: int
    rows: int
    skipped: int
    torn_bytes: int
    orphan: Orphan = field(repr=False, compare=False)


class _Replayable(Protocol):
    def put_replayed(self, entry: Any, rows: int, source: JournalSource, record: int) -> None: ...

    def flush(self, timeout: float | None = None) -> bool: ...


def replay_into(
    writer: _Replayable,
    folder: str | os.PathLike[str],
    kind: str,
    metadata: MetadataStore,
    decode: Callable[[Any], tuple[Any, ...]],
    *,
    skip: str = "",
) -> list[Replayed]:
    """Queue the records of every journal of ``kind`` left by a crash in ``writer``; flush it.

    ``decode`` turns a record into the log's entry (whose second item is its row count). A
    journal with a record that cannot be decoded is left where it is, with an error in the log.
    """
    from driftline.core.errors import IntegrityError

    done: list[Replayed] = []
    for orphan in recover(folder, kind, metadata, skip=skip):
        try:
            entries = [(rid, decode(payload)) for rid, payload in orphan.records]
        except IntegrityError as exc:
            log.error("the %s journal %s is kept: %s", kind, orphan.journal_id, exc)
            orphan.release()
            continue
        orphan.records = []  # the payloads are decoded: let them go
        rows = 0
        for rid, entry in entries:  # one step per request
            writer.put_replayed(entry, entry[1], orphan, rid)
            rows += entry[1]
        done.append(
            Replayed(
                orphan.journal_id, len(entries), rows, orphan.skipped, orphan.torn_bytes, orphan
            )
        )
        log.warning(
            "replayed %d %s records (%d rows) from the journal %s left by a crash; %d were in "
            "segments already",
            len(entries),
            kind,
            rows,
            orphan.journal_id,
            orphan.skipped,
        )
    if done:
        writer.flush()
    return done
