"""The counters of a prediction or feedback log: :class:`LogStats`.

Examples:
    >>> stats = LogStats(requests=3, rows=5, queued_rows=0, written_rows=5, segments=1,
    ...                  dropped_requests=0, dropped_rows=0, rejected_rows=0, lost_rows=0,
    ...                  write_failures=0, last_error=None, closed=True)
    >>> stats.written_rows == stats.rows
    True

"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LogStats"]


@dataclass(frozen=True)
class LogStats:
    """The counters of a prediction or feedback log, at one moment.

    Attributes:
        requests: requests (or feedback records) accepted into the queue.
        rows: rows accepted into the queue.
        queued_rows: accepted rows not written yet (queued, being written or waiting to retry).
        written_rows: rows written in segments.
        segments: segments written.
        dropped_requests: requests dropped because the queue was full (or the log closed).
        dropped_rows: their rows.
        rejected_rows: accepted rows that could not be encoded or recorded, and were dropped.
        lost_rows: rows still unwritten when :meth:`close` gave up (the store was unreachable).
        write_failures: failed attempts to write a segment (each retry counts).
        last_error: the last failure, as ``"ErrorType: message"``, or ``None``.
        closed: whether the log is closed.

    """

    requests: int
    rows: int
    queued_rows: int
    written_rows: int
    segments: int
    dropped_requests: int
    dropped_rows: int
    rejected_rows: int
    lost_rows: int
    write_failures: int
    last_error: str | None
    closed: bool
