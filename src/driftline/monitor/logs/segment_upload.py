r"""From queued entries to stored segments: encoding a batch, then writing and recording it.

The :class:`~driftline.monitor.logs.segment_writer.SegmentWriter`'s thread takes a batch of
:data:`Entry`\ s, groups them and has the log build one :class:`Segment` per group
(:func:`encode_batch`); each becomes a :class:`PendingSegment` (Parquet bytes and the properties
to record) that :class:`SegmentUploader` writes to the artifact store and records in the metadata
store, retrying with doubling pauses. A pending segment keeps what was done across attempts (its
stored object; whether its record may have been made), so a retry neither writes its bytes twice
nor records them twice.

Examples:
    >>> import pyarrow as pa
    >>> build = lambda model, entries: Segment(pa.table({"x": [e[2] for e in entries]}), {})
    >>> refused = []
    >>> [seg] = encode_batch([("churn", 1, 0.5), ("churn", 1, 1.5)], [None, None], build,
    ...                      lambda entry: None, lambda rows, exc: refused.append(rows))
    >>> seg.model, seg.rows, seg.data[:4], refused
    ('churn', 2, b'PAR1', [])

"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.monitor.logs.journal_replay import Ticket, drain, journal_marks
from driftline.monitor.logs.segments import encode_segment, log_context
from driftline.store.queries import ArtifactQuery
from driftline.store.records import NewArtifact

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore, StoredObject
    from driftline.store.metadata import MetadataStore
    from driftline.store.records import ContextRef

__all__ = [
    "MAX_PAUSE",
    "Builder",
    "Entry",
    "PendingSegment",
    "Segment",
    "SegmentUploader",
    "encode_batch",
]

MAX_PAUSE = 30.0
"""The longest pause, in seconds, between two attempts at writing a segment."""

Entry = tuple[Any, ...]
"""One queued request: ``(model, rows, ...)``; the rest is for the segment builder."""


@dataclass(frozen=True)
class Segment:
    """A batch ready to be written: its table and the properties recorded with it."""

    table: Any
    properties: dict[str, Any]


Builder = Callable[[str, list[Entry]], Segment]
"""Makes the segment of one model from entries of the same group."""


@dataclass
class PendingSegment:
    """An encoded segment on its way to the stores, kept across failed attempts.

    Attributes:
        model: the model whose rows it holds.
        rows: how many rows.
        data: the Parquet bytes.
        properties: what is recorded with it.
        stored: the stored object, once its bytes are written.
        recorded_maybe: a metadata write was tried: it may have been recorded even if it failed.
        tickets: the journal records it holds.
        contexts: the contexts it is attributed to (default: the model's log).

    """

    model: str
    rows: int
    data: bytes
    properties: dict[str, Any]
    stored: StoredObject | None = None
    recorded_maybe: bool = False
    tickets: list[Ticket] = field(default_factory=list)
    contexts: list[ContextRef] = field(default_factory=list)


def encode_batch(
    batch: list[Entry],
    tickets: list[Ticket | None],
    build: Builder,
    group_key: Callable[[Entry], Hashable],
    reject: Callable[[int, BaseException], None],
) -> list[PendingSegment]:
    """One encoded segment per group of ``batch`` (by model and ``group_key``).

    A group that cannot be built or encoded is dropped: ``reject`` is told its rows and why, and
    its journal records are drained (they would fail again).

    Args:
        batch: the entries taken from the queue.
        tickets: each entry's journal record (``None``: not journaled).
        build: makes a group's :class:`Segment`.
        group_key: entries of one model with the same key share a segment.
        reject: called with the rows of a group that is dropped, and the error.

    """
    groups: dict[tuple[str, Hashable], list[int]] = {}
    for i, entry in enumerate(batch):  # requests, not rows
        groups.setdefault((entry[0], group_key(entry)), []).append(i)
    pending: list[PendingSegment] = []
    for (model, _), members in groups.items():
        entries = [batch[i] for i in members]
        held = [t for t in (tickets[i] for i in members) if t is not None]
        rows = sum(entry[1] for entry in entries)
        try:
            segment = build(model, entries)
            properties, contexts = segment.properties, [log_context(model)]
            if held:
                properties, contexts = journal_marks(properties, contexts, held)
            data = encode_segment(segment.table)
            pending.append(
                PendingSegment(model, rows, data, properties, tickets=held, contexts=contexts)
            )
        except Exception as exc:  # bad data must not stop the writer
            reject(rows, exc)
            drain(held)  # it would fail again: the journal need not keep it
    return pending


class SegmentUploader:
    """Writes pending segments of one kind to the artifact store and records them, with retries.

    Args:
        kind: the artifact kind (``predictions``, ``feedback``).
        metadata: where segments are recorded.
        artifacts: where their bytes go.
        retries: further attempts after a failed one.
        backoff_seconds: the pause before the first retry (doubling for each next one, at most
            :data:`MAX_PAUSE`).
        on_failure: told of each failed attempt (the error and the attempt's number, from 1).

    """

    def __init__(
        self,
        *,
        kind: str,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        retries: int,
        backoff_seconds: float,
        on_failure: Callable[[BaseException, int], None],
    ) -> None:
        self.kind = kind
        self.retries = retries
        self._metadata = metadata
        self._artifacts = artifacts
        self._backoff = backoff_seconds
        self._on_failure = on_failure

    def store(self, pending: PendingSegment) -> bool:
        """Write its bytes, then record them, retrying; ``False`` if every attempt failed.

        A segment whose metadata write failed is first looked up by URI on the next attempt, so
        a write that was recorded although it reported an error is not recorded twice.

        Raises:
            InputError: the stores refuse it as it is (trying again cannot help).

        """
        for attempt in range(1, self.retries + 2):
            try:
                self._write(pending)
            except InputError:
                raise
            except Exception as exc:  # an unreachable store must not stop the writer
                self._on_failure(exc, attempt)
                if attempt <= self.retries:
                    time.sleep(min(self._backoff * 2 ** (attempt - 1), MAX_PAUSE))
                continue
            return True
        return False

    def _write(self, pending: PendingSegment) -> None:
        if pending.stored is None:
            key = self._artifacts.new_key(self.kind, f"{pending.model}.parquet")
            pending.stored = self._artifacts.put_bytes(key, pending.data)
        stored = pending.stored
        if pending.recorded_maybe and self._metadata.artifacts(ArtifactQuery(uri=stored.uri)):
            return
        pending.recorded_maybe = True
        self._metadata.put_artifact(
            NewArtifact(
                kind=self.kind,
                uri=stored.uri,
                sha256=stored.sha256,
                size=stored.size,
                properties=pending.properties,
            ),
            contexts=pending.contexts or [log_context(pending.model)],
        )
