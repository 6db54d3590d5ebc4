"""One prediction segment read for live windows: :func:`prepare_segment`.

Both ways an update profiles segments use it: the threads of one process
(:func:`~driftline.monitor.windows.update_windows`) and worker processes
(:mod:`~driftline.monitor.window_workers`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from driftline.monitor.logs.segments import TIME, VERSION
from driftline.monitor.window_accumulator import Batch
from driftline.monitor.window_rows import (
    monitored_table,
    one_group,
    read_columns,
    window_micros,
    window_starts,
)

if TYPE_CHECKING:
    from driftline.store.records import Artifact
    from driftline.store.stores import Stores

__all__ = ["prepare_segment"]


def prepare_segment(s: Stores, segment: Artifact, window: timedelta) -> tuple[Any, ...]:
    """A segment's rows read, its :class:`Batch` of monitored rows, hashed and excluded inputs.

    A segment of one version within one window (most are) says so in its properties: its
    ``time`` and ``version`` columns are then not read at all, and its rows get no per-row keys.
    """
    group = one_group(segment.properties, window_micros(window))
    # threads=False: segments are read in parallel already
    table = read_columns(s.artifacts, segment, threads=False, keys=group is None)
    hashed = frozenset(str(h) for h in segment.properties.get("hashed", ()))
    excluded = frozenset(str(e) for e in segment.properties.get("excluded", ()))
    monitored = monitored_table(table, hashed=tuple(hashed))
    if group is not None:
        batch = Batch(monitored, segment.id, group)
    else:
        starts = window_starts(table[TIME], window)
        batch = Batch(monitored, segment.id, versions=table[VERSION], starts=starts)
    return table.num_rows, batch, hashed, excluded
