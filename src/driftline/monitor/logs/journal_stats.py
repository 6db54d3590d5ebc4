"""The counters of a journal: :class:`JournalStats`.

Examples:
    >>> stats = JournalStats(records=4, durable=4, syncs=2, bytes=96, failures=0, files=1,
    ...                      last_error=None)
    >>> stats.syncs < stats.records
    True

"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JournalStats"]


@dataclass(frozen=True)
class JournalStats:
    """The counters of a journal, at one moment.

    Attributes:
        records: records appended.
        durable: the highest record id flushed to disk (every lower one is on disk or failed).
        syncs: flushes to disk (``fdatasync`` calls); fewer than ``records`` under concurrency.
        bytes: bytes written.
        failures: failed writes or flushes.
        files: record files now on disk.
        last_error: the last failure, as ``"ErrorType: message"``, or ``None``.

    """

    records: int
    durable: int
    syncs: int
    bytes: int
    failures: int
    files: int
    last_error: str | None
