r"""The journal of a log: an append-only local file of framed records, flushed to disk in groups.

A durable log (:class:`~driftline.monitor.logs.durability.Durability`) appends each request's record
(an Arrow IPC stream, see :mod:`driftline.monitor.logs.journal_records`) to its :class:`Journal`
before the request is answered. One journal belongs to one log of one process; its files (a lock
file and record files, see :mod:`driftline.monitor.logs.journal_format`) are in one local folder.
Record ids count 1, 2, ... per journal. A new record file is started once the current one holds
``rotate_bytes``; a file is deleted once every record in it is in a segment.

**Group commit.** :meth:`Journal.append` only queues the record (no I/O); one thread writes
everything queued, calls ``fdatasync`` once, and wakes every waiter that flush covers. Threads
wait with :meth:`Journal.wait`. On an event loop, :meth:`Journal.wait_async` costs one shared
future per flush: the requests answered in one turn of the loop append without waking the
thread, and the first of them to wait schedules one wake-up for the end of the turn, so they all
share a flush; records appended while a flush runs share the next one.

A failed write or flush fails the waiters of the records it held (they were not acknowledged) and
the journal goes on in a new file. The records are still in the log's queue and reach segments.

Examples:
    >>> import tempfile
    >>> from driftline.monitor.logs.journal_format import journal_files, read_frames
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with Journal(folder, "feedback") as journal:
    ...         first = journal.append(b"hello")
    ...         second = journal.append(b"world")
    ...         journal.wait(second)
    ...         [path] = journal_files(folder, "feedback")[journal.journal_id]
    ...         records, torn = read_frames(path.read_bytes())
    ...         journal.drained([first, second])    # both in segments: the files go at close
    >>> [(rid, bytes(payload)) for rid, payload in records], torn
    ([(1, b'hello'), (2, b'world')], 0)

"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftline.core.closing import Closing
from driftline.core.errors import InputError, ServiceError
from driftline.core.params import Interval, check_param
from driftline.monitor.logs.journal_format import file_path, frames, lock_path, sync_folder
from driftline.monitor.logs.journal_stats import JournalStats

__all__ = ["Journal", "open_journal"]

_SYNC = getattr(os, "fdatasync", os.fsync)

log = logging.getLogger("driftline.monitor.logs.journal")


@dataclass
class _File:
    path: Path
    first: int = 0
    last: int = 0


class Journal(Closing):
    """The journal of one log in one process (see the module docstring).

    Args:
        folder: the journal folder (made if missing); a local file system.
        kind: the log's kind (``predictions``, ``feedback``): the files' prefix.
        rotate_bytes: start a new file once the current one holds this many bytes.

    Raises:
        InputError: a bad option, or a folder that cannot be made or written.

    """

    def __init__(
        self, folder: str | os.PathLike[str], kind: str, *, rotate_bytes: int = 64 * 2**20
    ) -> None:
        import fcntl

        check_param("Journal", "rotate_bytes", rotate_bytes, Interval(int, 1))
        self.folder = Path(folder)
        self.kind = kind
        self.journal_id = f"{os.getpid()}-{uuid.uuid4().hex[:16]}"
        self._rotate = rotate_bytes
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(
                lock_path(folder, kind, self.journal_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            )
        except OSError as exc:
            raise InputError(f"cannot use {self.folder} as a journal folder: {exc}") from exc
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._mutex = threading.Lock()
        self._work = threading.Condition(self._mutex)  # the flushing thread waits on it
        self._done = threading.Condition(self._mutex)  # threads waiting for a flush wait on it
        self._queue: list[tuple[int, Any]] = []
        # per event loop, the future of the next flush (shared by all its waiters)
        self._barriers: dict[asyncio.AbstractEventLoop, asyncio.Future[None]] = {}
        self._next = 0  # the last record id given out
        self._durable = 0
        self._failed: list[tuple[int, int, str]] = []  # record id ranges whose flush failed
        self._low = 1  # the lowest record id not yet drained into a segment
        self._drained: set[int] = set()  # drained ids above _low
        self._files: list[_File] = []  # on disk, oldest first; the last one is being written
        self._fd: int | None = None
        self._size = 0
        self._generation = 0
        self._syncs = self._bytes = self._failures = 0
        self._last_error: str | None = None
        self._closing = self._closed = False
        self._thread = threading.Thread(
            target=self._run, name=f"driftline-{kind}-journal", daemon=True
        )
        self._thread.start()
        atexit.register(self.close)

    # -- the callers' side ---------------------------------------------------------------------

    def append(self, payload: Any, *, wake: bool = True) -> int:
        """Queue ``payload`` (bytes-like) as the next record; its id. No I/O.

        With ``wake=False`` the flushing thread is not woken: the caller will wait with
        :meth:`wait_async`, which wakes it once per turn of the event loop.

        Raises:
            ServiceError: the journal is closed.

        """
        with self._mutex:
            if self._closing:
                raise ServiceError(f"the {self.kind} journal is closed")
            self._next += 1
            self._queue.append((self._next, payload))
            if wake and len(self._queue) == 1:
                self._work.notify()
            return self._next

    def _outcome(self, record: int) -> tuple[bool, str | None]:
        """Whether ``record``'s flush is over, and its failure if it failed (under the lock)."""
        for first, last, error in self._failed:
            if first <= record <= last:
                return True, error
        return record <= self._durable, None

    def _raise(self, record: int, error: str | None) -> None:
        if error is not None:
            raise ServiceError(f"the {self.kind} journal could not write record {record}: {error}")

    def wait(self, record: int, timeout: float | None = None) -> None:
        """Return once ``record`` is on disk.

        Raises:
            ServiceError: its write or flush failed, or ``timeout`` seconds passed first.

        """
        with self._mutex:
            self._work.notify()
            if not self._done.wait_for(lambda: self._outcome(record)[0], timeout):
                raise ServiceError(f"the {self.kind} journal did not reach the disk in {timeout} s")
            error = self._outcome(record)[1]
        self._raise(record, error)

    async def wait_async(self, record: int, timeout: float | None = None) -> None:
        """:meth:`wait` for an event loop: the loop keeps running meanwhile."""
        if record <= self._durable and not self._failed:  # already flushed (a plain read)
            return
        loop = asyncio.get_running_loop()
        while True:
            with self._mutex:
                done, error = self._outcome(record)
                if done:
                    break
                future = self._barriers.get(loop)
                if future is None:  # the first waiter of this turn: wake the thread at its end
                    future = self._barriers[loop] = loop.create_future()
                    loop.call_soon(self._wake_thread)
            try:
                async with asyncio.timeout(timeout):
                    await asyncio.shield(future)
            except TimeoutError:
                raise ServiceError(
                    f"the {self.kind} journal did not reach the disk in {timeout} s"
                ) from None
        self._raise(record, error)

    def _wake_thread(self) -> None:
        with self._mutex:
            self._work.notify()

    def drained(self, records: Sequence[int]) -> None:
        """Note that ``records`` are in a segment (or can never be): their files may go."""
        with self._mutex:
            self._drained.update(records)
            while self._low in self._drained:  # one step per request
                self._drained.discard(self._low)
                self._low += 1
            done = [f for f in self._files[:-1] if f.last < self._low]
            self._files = [f for f in self._files if f not in done]
        self._delete(done)

    def stats(self) -> JournalStats:
        """The counters now."""
        with self._mutex:
            return JournalStats(
                records=self._next,
                durable=self._durable,
                syncs=self._syncs,
                bytes=self._bytes,
                failures=self._failures,
                files=len(self._files),
                last_error=self._last_error,
            )

    def close(self, timeout: float | None = None) -> None:
        """Flush what is queued and stop; idempotent.

        If every record was drained into segments the journal's files are deleted; otherwise
        they stay, for the next process to replay.
        """
        with self._mutex:
            if self._closed:
                return
            self._closing = True
            self._work.notify()
        self._thread.join(timeout)
        with self._mutex:
            if self._thread.is_alive():
                return
            self._closed = True
            files, self._files = self._files, []
            everything = self._low > self._next
        atexit.unregister(self.close)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if everything:
            self._delete(files)
            with contextlib.suppress(OSError):
                lock_path(self.folder, self.kind, self.journal_id).unlink()
        elif files:
            log.warning(
                "the %s journal %s keeps %d records not yet in segments; the next server "
                "replays them",
                self.kind,
                self.journal_id,
                self._next - self._low + 1,
            )
        os.close(self._lock_fd)

    # -- the flushing thread -------------------------------------------------------------------

    def _open(self, first: int) -> int:
        path = file_path(self.folder, self.kind, self.journal_id, self._generation)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with self._mutex:
            self._files.append(_File(path, first, first))
        self._generation += 1
        self._size = 0
        return fd

    def _write(self, batch: list[tuple[int, Any]]) -> int:
        """Write ``batch`` to the current file (or a new one) and flush it; the bytes written."""
        new = self._fd is None
        if self._fd is None:
            self._fd = self._open(batch[0][0])
        data = memoryview(frames(batch, first=new))
        size = len(data)
        while data:
            data = data[os.write(self._fd, data) :]
        _SYNC(self._fd)
        if new:
            sync_folder(self.folder)
        self._size += size
        return size

    def _run(self) -> None:
        while True:
            with self._mutex:
                while not self._queue and not self._barriers and not self._closing:
                    self._work.wait()
                if not self._queue and not self._barriers:
                    return
                batch, self._queue = self._queue, []
                barriers, self._barriers = self._barriers, {}  # their records are all queued
            error: str | None = None
            written = 0
            if batch:
                try:
                    written = self._write(batch)
                except OSError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.error(
                        "the %s journal could not write records %d-%d: %s",
                        self.kind,
                        batch[0][0],
                        batch[-1][0],
                        exc,
                    )
                    if self._fd is not None:  # what the file holds is unknown: go on in a new one
                        with contextlib.suppress(OSError):
                            os.close(self._fd)
                        self._fd = None
            with self._mutex:
                if batch:
                    self._settled(batch[0][0], batch[-1][0], written, error)
                self._done.notify_all()
            for loop, future in barriers.items():  # every waiter checks its own record
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                    loop.call_soon_threadsafe(_settle, future)

    def _settled(self, first: int, last: int, written: int, error: str | None) -> None:
        """Note the outcome of the flush of records ``first`` to ``last`` (under the lock)."""
        if self._files:
            self._files[-1].last = max(self._files[-1].last, last)
        if error is None:
            self._durable = last
            self._syncs += 1
            self._bytes += written
        else:
            if self._failed and self._failed[-1][1] == first - 1:  # one range while it lasts
                first = self._failed.pop()[0]
            self._failed.append((first, last, error))
            self._failures += 1
            self._last_error = error
        if self._fd is not None and self._size >= self._rotate:
            os.close(self._fd)  # the next batch starts the next file
            self._fd = None

    def _delete(self, files: list[_File]) -> None:
        for file in files:
            with contextlib.suppress(FileNotFoundError):
                file.path.unlink()
        if files:
            with contextlib.suppress(OSError):
                sync_folder(self.folder)


def _settle(future: asyncio.Future[None]) -> None:
    """On the waiters' loop: the flush they waited for is over."""
    if not future.done():
        future.set_result(None)


def open_journal(durable: bool, folder: str | os.PathLike[str] | None, kind: str) -> Journal | None:
    """The journal of a log of ``kind`` if it is ``durable``, else ``None``.

    Raises:
        InputError: a durable log without a journal folder, or a folder that cannot be used.

    """
    if not durable:
        return None
    if folder is None:
        raise InputError(f"a durable {kind} log needs journal_dir: the local folder of its journal")
    return Journal(folder, kind)
