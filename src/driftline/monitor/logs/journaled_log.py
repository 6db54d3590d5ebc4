"""What the prediction log and the feedback log share: a writer, a journal, and replay at start.

:class:`JournaledLog` opens a log of one kind: the journal when it is durable, the background
:class:`~driftline.monitor.logs.segment_writer.SegmentWriter`, and the replay of journals that
crashed processes left in ``journal_dir``. Its subclasses add what they record
(:class:`~driftline.monitor.logs.predlog.PredictionLog`,
:class:`~driftline.monitor.logs.feedback.FeedbackLog`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from driftline.core.clock import Clock, SystemClock
from driftline.core.closing import Closing
from driftline.monitor.logs.durability import Durability, check_durability
from driftline.monitor.logs.journal import Journal, open_journal
from driftline.monitor.logs.journal_replay import Replayed, replay_into
from driftline.monitor.logs.log_stats import LogStats
from driftline.monitor.logs.segment_upload import Builder, Entry
from driftline.monitor.logs.segment_writer import SegmentWriter

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["JournaledLog"]


class JournaledLog(Closing):
    """A log of one ``kind`` written in the background, journaled when durable.

    Args:
        kind: the segments' kind (``predictions`` or ``feedback``).
        metadata: the workspace's metadata store.
        artifacts: the workspace's artifact store.
        build: turns the queued entries of one group into a segment.
        group_key: the group of an entry (one segment per group and flush).
        decode: turns a journal record back into an entry (for replay).
        flush_rows, flush_seconds, queue_rows, retries, backoff_seconds: see the subclasses.
        clock: the time source for the ``time`` column and the flush timer.
        durability: ``"buffered"`` or ``"durable"``.
        journal_dir: the local folder of the journal (needed when durable); journals left there
            by crashed processes are replayed first, in either mode.

    Raises:
        InputError: a bad option, or a durable log without a usable ``journal_dir``.

    """

    def __init__(
        self,
        kind: str,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        *,
        build: Builder,
        group_key: Callable[[Entry], Hashable],
        decode: Callable[[Any], tuple[Any, ...]],
        flush_rows: int,
        flush_seconds: float,
        queue_rows: int,
        retries: int,
        backoff_seconds: float,
        clock: Clock | None,
        durability: Durability | str,
        journal_dir: str | os.PathLike[str] | None,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._durability = check_durability(durability)
        self._journal: Journal | None = open_journal(
            self._durability is Durability.DURABLE, journal_dir, kind
        )
        self._writer = SegmentWriter(
            kind=kind,
            metadata=metadata,
            artifacts=artifacts,
            build=build,
            group_key=group_key,
            flush_rows=flush_rows,
            flush_seconds=flush_seconds,
            queue_rows=queue_rows,
            retries=retries,
            backoff_seconds=backoff_seconds,
            clock=self._clock,
            journal=self._journal,
        )
        self.replayed: list[Replayed] = []
        """What was replayed from journals left by crashed processes, at the start."""
        if journal_dir is not None:
            skip = self._journal.journal_id if self._journal is not None else ""
            self.replayed = replay_into(
                self._writer, journal_dir, kind, metadata, decode, skip=skip
            )

    @property
    def durability(self) -> Durability:
        """When a logged record counts as acknowledged."""
        return self._durability

    def flush(self, timeout: float | None = None) -> bool:
        """Write what is queued now and wait; ``True`` if all of it was written in time."""
        return self._writer.flush(timeout)

    def stats(self) -> LogStats:
        """The log's counters (see :class:`~driftline.monitor.logs.log_stats.LogStats`)."""
        return self._writer.stats()

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued and stop; idempotent (see :meth:`SegmentWriter.close`).

        A durable log's journal is deleted if everything in it was written, else kept for the
        next process to replay.
        """
        self._writer.close(timeout)
        if self._journal is not None:
            self._journal.close(timeout)
        for replayed in self.replayed:
            replayed.orphan.release()
