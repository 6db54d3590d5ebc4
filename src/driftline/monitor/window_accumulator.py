"""The profiles an update builds, by ``(version, window start)``, until it records them.

:class:`Accumulator` takes batches of logged rows (each with its segment's id, versions and window
starts), concatenates them, splits them by ``(version, window start)``
(:func:`~driftline.monitor.window_rows.split_groups`), profiles each group once with
:func:`~driftline.data.profiling.profile_table`, and merges the profile into its window's part.
:meth:`Accumulator.commit` stores the parts (:func:`~driftline.monitor.window_store.record_parts`)
and starts afresh. Each part keeps the summary of its profile against the version's references
(:mod:`~driftline.monitor.window_summary`), measured once here. Memory holds one batch of rows
and one profile per window, whatever the backlog.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from driftline.monitor.window_confidence import confidence_sum
from driftline.monitor.window_merge import merge_parts
from driftline.monitor.window_rows import distinct_groups, micros_to_time, split_groups
from driftline.monitor.window_store import record_parts
from driftline.monitor.window_summary import summarise
from driftline.monitor.window_versions import VersionLookup

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.store.records import Artifact
    from driftline.store.stores import Stores

__all__ = ["Accumulator", "Batch"]


class Batch(NamedTuple):
    """One segment's monitored rows, and the ``(version, window start)`` of each.

    Either ``group`` names the one group all rows are in (read from the segment's properties:
    no per-row keys), or ``versions`` (a string array) and ``starts`` (window starts in
    microseconds) give each row's.
    """

    table: Any
    segment: int
    group: tuple[str, int] | None = None
    versions: Any = None
    starts: Any = None

    def keys(self) -> tuple[Any, Any]:
        """Each row's version and window start (made from ``group`` when that is known)."""
        import pyarrow as pa

        if self.group is None:
            return self.versions, self.starts
        n = self.table.num_rows
        version, start = self.group
        return pa.repeat(pa.scalar(version, pa.string()), n), np.full(n, start, dtype=np.int64)


@dataclass
class _Part:
    profiles: list[Profile] = field(default_factory=list)
    rows: int = 0
    segments: set[int] = field(default_factory=set)
    hashed: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    confidence: float = 0.0
    confidence_rows: int = 0
    notes: list[str] = field(default_factory=list)


class Accumulator:
    """Builds one part per ``(version, window start)`` (see the module docstring).

    Args:
        stores: where parts are recorded.
        model: the model's name.
        seconds: the windows' length.
        lookup: finds each version's reference and model (for the estimated accuracy).

    """

    def __init__(self, stores: Stores, model: str, seconds: int, lookup: VersionLookup) -> None:
        self.stores = stores
        self.model = model
        self.seconds = seconds
        self._size = seconds * 1_000_000
        self.lookup = lookup
        self._parts: dict[tuple[str, int], _Part] = {}
        self._hashed: dict[int, frozenset[str]] = {}
        self._excluded: dict[int, frozenset[str]] = {}
        self._notes: list[str] = []

    @property
    def rows(self) -> int:
        """Rows held in parts not yet recorded."""
        return sum(p.rows for p in self._parts.values())

    @property
    def notes(self) -> tuple[str, ...]:
        """What could not be done, once each."""
        return tuple(dict.fromkeys(self._notes))

    def note_segment(self, segment: int, hashed: frozenset[str], excluded: frozenset[str]) -> None:
        """Remember which inputs the log hashed or left out in ``segment``."""
        self._hashed[segment] = hashed
        self._excluded[segment] = excluded

    def add(self, batches: list[Batch]) -> None:
        """Profile the rows of ``batches`` into their windows' parts."""
        import pyarrow as pa

        if not batches:
            return
        for batch in batches:  # segments, not rows
            found = [batch.group] if batch.group is not None else []
            if batch.group is None:
                found = distinct_groups(batch.versions, batch.starts, self._size)
            for key in found:
                part = self._parts.setdefault(key, _Part())
                part.segments.add(batch.segment)
                part.hashed.update(self._hashed.get(batch.segment, ()))
                part.excluded.update(self._excluded.get(batch.segment, ()))
        if all(b.group is not None for b in batches):  # most updates: no per-row keys at all
            grouped: dict[tuple[str, int], list[Any]] = {}
            for batch in batches:  # segments, not rows
                grouped.setdefault(batch.group, []).append(batch.table)  # type: ignore[arg-type]
            for (version, start), tables in grouped.items():  # groups, not rows
                table = _concatenated(tables)
                for rows in [table] if table is not None else tables:
                    self._profile_group(version, start, rows)
            return
        table = _concatenated([b.table for b in batches])
        if table is None:  # one input sent as text and as numbers
            for batch in batches:
                self._profile(batch.table, *batch.keys())
            return
        keys = [batch.keys() for batch in batches]
        chunks = [c for v, _ in keys for c in getattr(v, "chunks", [v])]
        versions = pa.chunked_array(chunks, type=pa.string())
        self._profile(table, versions, np.concatenate([s for _, s in keys]))

    def _profile(self, table: Any, versions: Any, starts: Any) -> None:
        for version, start, rows in split_groups(table, versions, starts, self._size):
            self._profile_group(version, start, rows)

    def _profile_group(self, version: str, start: int, rows: Any) -> None:
        from driftline.data.profiling import profile_table

        part = self._parts.setdefault((version, start), _Part())
        part.profiles.append(profile_table(rows))
        part.rows += rows.num_rows
        hashed = frozenset(part.hashed)
        found, why = confidence_sum(self.lookup, version, rows, hashed, seed=start % 2**32)
        if found is not None:
            part.confidence += found
            part.confidence_rows += rows.num_rows
        elif why is not None:
            self._notes.append(why)

    def commit(
        self, segments: list[Artifact], mark: datetime | None, previous: int | None
    ) -> tuple[int, datetime, int]:
        """Record the parts built so far, with ``segments`` as the update's inputs; start afresh.

        Returns:
            How many parts were recorded, the update's mark and its execution id.

        Raises:
            ConflictError: another update followed ``previous`` first; nothing is recorded.

        """
        out = []
        size = self.seconds * 1_000_000
        for (version, start), part in sorted(self._parts.items()):  # parts, not rows
            merged, notes = merge_parts(part.profiles)
            if merged is None:
                continue
            self._notes.extend(notes)
            facts = self.lookup.facts(version)
            hashed, excluded = sorted(part.hashed), sorted(part.excluded)
            summary = summarise(merged, facts, hashed=hashed, excluded=excluded)
            summary = replace(summary, notes=(*summary.notes, *notes))
            properties = {
                "model": self.model,
                "version": version,
                "start": micros_to_time(start).isoformat(),
                "end": micros_to_time(start + size).isoformat(),
                "rows": part.rows,
                "window_seconds": self.seconds,
                "segments": sorted(part.segments),
                "hashed": hashed,
                "excluded": excluded,
                "confidence_sum": part.confidence if part.confidence_rows else None,
                "confidence_rows": part.confidence_rows,
                "summary": summary.to_dict(),
            }
            out.append((merged.to_bytes(), properties))
        self._parts = {}
        return record_parts(self.stores, self.model, self.seconds, out, segments, mark, previous)


def _concatenated(tables: list[Any]) -> Any | None:
    """The tables as one (no copy), or ``None`` when their types cannot be reconciled."""
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # one input sent as text and as numbers
        return None
