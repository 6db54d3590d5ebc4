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

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
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


_QUEUED = 3
"""Jobs the background thread may have waiting (each holds a group's rows until it runs)."""


@dataclass
class _Part:
    profiles: list[Profile] = field(default_factory=list)
    rows: int = 0
    segments: set[int] = field(default_factory=set)
    hashed: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    scored: list[tuple[int, Future[tuple[float | None, str | None]]]] = field(default_factory=list)
    changes: int = 0
    finished: tuple[int, Future[_Finished]] | None = None


_Finished = tuple[bytes, dict[str, Any], tuple[str, ...]] | None
"""A part's merged profile (bytes), its summary and the notes of its merge; ``None``: empty."""


class Accumulator:
    """Builds one part per ``(version, window start)`` (see the module docstring).

    Args:
        stores: where parts are recorded.
        model: the model's name.
        seconds: the windows' length.
        lookup: finds each version's reference and model (for the estimated accuracy).
        threads: threads each profile uses (``None``: one per core).
        background: score rows and summarise parts on a background thread (else in turn).

    """

    def __init__(
        self,
        stores: Stores,
        model: str,
        seconds: int,
        lookup: VersionLookup,
        *,
        threads: int | None = None,
        background: bool = True,
    ) -> None:
        self.stores = stores
        self.threads = threads
        self.background = background
        self.model = model
        self.seconds = seconds
        self._size = seconds * 1_000_000
        self.lookup = lookup
        self._parts: dict[tuple[str, int], _Part] = {}
        self._hashed: dict[int, frozenset[str]] = {}
        self._excluded: dict[int, frozenset[str]] = {}
        self._notes: list[str] = []
        self._worker: ThreadPoolExecutor | None = None
        self._queued: deque[Future[Any]] = deque()
        self._added = 0

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
        """Profile the rows of ``batches`` into their windows' parts.

        The parts this batch did not touch are merged and summarised on a background thread
        meanwhile (a part that gets rows again later is done again when recorded).
        """
        if not batches:
            return
        try:
            self._add(batches)
        finally:
            self._added += 1
            self._settle()

    def _add(self, batches: list[Batch]) -> None:
        import pyarrow as pa

        for batch in batches:  # segments, not rows
            found = [batch.group] if batch.group is not None else []
            if batch.group is None:
                found = distinct_groups(batch.versions, batch.starts, self._size)
            for key in found:
                part = self._parts.setdefault(key, _Part())
                part.changes = self._added + 1
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
        part.changes = self._added + 1
        part.profiles.append(profile_table(rows, threads=self.threads))
        part.rows += rows.num_rows
        hashed = frozenset(part.hashed)
        seed = start % 2**32
        job = self._submit(confidence_sum, self.lookup, version, rows, hashed, seed=seed)
        part.scored.append((rows.num_rows, job))

    def _submit(self, job: Any, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``job`` on the background thread (after what is queued; at most a few wait).

        Only that thread uses :attr:`lookup` (it loads versions' references and models).
        """
        if not self.background:
            done: Future[Any] = Future()
            done.set_result(job(*args, **kwargs))
            return done
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="windows")
        while len(self._queued) >= _QUEUED:
            self._queued.popleft().result()
        future = self._worker.submit(job, *args, **kwargs)
        self._queued.append(future)
        return future

    def _settle(self) -> None:
        """Merge and summarise, in the background, the parts the last batch did not touch."""
        for key, part in self._parts.items():  # parts, not rows
            done = part.finished is not None and part.finished[0] == part.changes
            if part.changes < self._added and part.profiles and not done:
                self._finish_later(key, part)

    def _finish_later(self, key: tuple[str, int], part: _Part) -> Future[_Finished]:
        hashed, excluded = sorted(part.hashed), sorted(part.excluded)
        job = self._submit(self._finish, key[0], list(part.profiles), hashed, excluded)
        part.finished = (part.changes, job)
        return job

    def _finish(
        self, version: str, profiles: list[Profile], hashed: list[str], excluded: list[str]
    ) -> _Finished:
        """A part's merged profile as bytes, its summary and its merge notes (background)."""
        merged, notes = merge_parts(profiles)
        if merged is None:
            return None
        facts = self.lookup.facts(version)
        summary = summarise(merged, facts, hashed=hashed, excluded=excluded)
        summary = replace(summary, notes=(*summary.notes, *notes))
        return merged.to_bytes(), summary.to_dict(), notes

    def close(self) -> None:
        """Stop the background thread (jobs not started are dropped)."""
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None
        self._queued.clear()

    def commit(
        self, segments: list[Artifact], mark: datetime | None, previous: int | None
    ) -> tuple[int, datetime, int]:
        """Record the parts built so far, with ``segments`` as the update's inputs; start afresh.

        Returns:
            How many parts were recorded, the update's mark and its execution id.

        Raises:
            ConflictError: another update followed ``previous`` first; nothing is recorded.

        """
        out = self.finish()
        return record_parts(self.stores, self.model, self.seconds, out, segments, mark, previous)

    def finish(self) -> list[tuple[bytes, dict[str, Any]]]:
        """The parts built so far (each a profile's bytes and its properties); start afresh."""
        out = []
        size = self.seconds * 1_000_000
        for (version, start), part in sorted(self._parts.items()):  # parts, not rows
            confidence, confidence_rows = 0.0, 0
            for rows, job in part.scored:  # groups, in the order profiled: the same sum
                found, why = job.result()
                if found is not None:
                    confidence, confidence_rows = confidence + found, confidence_rows + rows
                elif why is not None:
                    self._notes.append(why)
            if part.finished is not None and part.finished[0] == part.changes:
                finished = part.finished[1]
            else:
                finished = self._finish_later((version, start), part)
            result = finished.result()
            if result is None:
                continue
            data, summary, notes = result
            self._notes.extend(notes)
            properties = {
                "model": self.model,
                "version": version,
                "start": micros_to_time(start).isoformat(),
                "end": micros_to_time(start + size).isoformat(),
                "rows": part.rows,
                "window_seconds": self.seconds,
                "segments": sorted(part.segments),
                "hashed": sorted(part.hashed),
                "excluded": sorted(part.excluded),
                "confidence_sum": confidence if confidence_rows else None,
                "confidence_rows": confidence_rows,
                "summary": summary,
            }
            out.append((data, properties))
        self._parts = {}
        return out


def _concatenated(tables: list[Any]) -> Any | None:
    """The tables as one (no copy), or ``None`` when their types cannot be reconciled."""
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # one input sent as text and as numbers
        return None
