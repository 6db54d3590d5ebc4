"""Walk the lineage graph from an artifact: breadth first, one query per hop.

Upstream, one hop goes from an artifact to the executions that output it and on to their inputs;
downstream, from an artifact to the executions that read it and on to their outputs. Each hop is
one ``SELECT`` (a self-join of the event table, IN-lists chunked), artifacts already reached are
not walked again, so the walk is exact on diamonds and always ends. ``BOTH`` is the union of the
upstream and the downstream graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa

from driftline.core.errors import ArtifactNotFoundError, InputError
from driftline.core.params import Interval, check_param
from driftline.store.records import (
    Artifact,
    Event,
    EventKind,
    Execution,
    LineageDirection,
    LineageGraph,
)
from driftline.store.sql import tables as t
from driftline.store.sql.rows import chunked, to_artifact, to_execution

__all__ = ["check_depth", "check_direction", "walk"]

_EDGES = {
    LineageDirection.UP: (EventKind.OUTPUT, EventKind.INPUT),
    LineageDirection.DOWN: (EventKind.INPUT, EventKind.OUTPUT),
}
_DEPTH = Interval(int, 0) | None
_EVENT_COLUMNS = ("id", "artifact_id", "execution_id", "kind", "name", "position", "created_at")


def check_direction(value: object) -> LineageDirection:
    """``value`` as a :class:`LineageDirection` (its value, e.g. ``"up"``, is accepted too)."""
    if isinstance(value, LineageDirection):
        return value
    try:
        return LineageDirection(str(value)) if isinstance(value, str) else LineageDirection("?")
    except ValueError:
        raise InputError(
            f"direction must be one of {', '.join(d.value for d in LineageDirection)}, "
            f"got {value!r}"
        ) from None


def check_depth(value: object) -> int | None:
    """``value`` if it is ``None`` (no limit) or an int >= 0."""
    return check_param("lineage", "depth", value, _DEPTH)  # type: ignore[return-value]


@cache
def _hop(direction: LineageDirection) -> sa.Select[Any]:
    """Events from frontier artifacts to executions, joined to those executions' next events."""
    near_kind, far_kind = _EDGES[direction]
    near, far = t.event.alias("near"), t.event.alias("far")
    columns = [near.c[c] for c in _EVENT_COLUMNS] + [
        far.c[c].label(f"far_{c}") for c in _EVENT_COLUMNS
    ]
    joined = near.outerjoin(
        far, sa.and_(far.c.execution_id == near.c.execution_id, far.c.kind == far_kind.value)
    )
    return (
        sa.select(*columns)
        .select_from(joined)
        .where(
            near.c.kind == near_kind.value,
            near.c.artifact_id.in_(sa.bindparam("ids", expanding=True)),
        )
    )


def _event(row: Any, prefix: str = "") -> Event:
    get = row._mapping
    return Event(
        artifact_id=get[f"{prefix}artifact_id"],
        execution_id=get[f"{prefix}execution_id"],
        kind=EventKind(get[f"{prefix}kind"]),
        name=get[f"{prefix}name"],
        index=get[f"{prefix}position"],
        created_at=get[f"{prefix}created_at"],
    )


@dataclass
class _Walk:
    depth: dict[int, int]
    executions: set[int] = field(default_factory=set)
    events: dict[int, Event] = field(default_factory=dict)


def _walk_one(
    conn: sa.Connection, root: int, direction: LineageDirection, depth: int | None
) -> _Walk:
    found = _Walk(depth={root: 0})
    frontier = [root]
    hop = 0
    stmt = _hop(direction)
    while frontier and (depth is None or hop < depth):
        hop += 1
        reached: list[int] = []
        for chunk in chunked(frontier):
            for row in conn.execute(stmt, {"ids": chunk}):
                found.executions.add(row.execution_id)
                found.events.setdefault(row.id, _event(row))
                if row.far_id is None:
                    continue
                found.events.setdefault(row.far_id, _event(row, "far_"))
                if row.far_artifact_id not in found.depth:
                    found.depth[row.far_artifact_id] = hop
                    reached.append(row.far_artifact_id)
        frontier = reached
    return found


def _fetch(conn: sa.Connection, table: sa.Table, ids: set[int]) -> list[Any]:
    rows: list[Any] = []
    for chunk in chunked(ids):
        rows.extend(conn.execute(sa.select(table).where(table.c.id.in_(chunk))))
    return rows


def walk(
    conn: sa.Connection, root: int, direction: LineageDirection, depth: int | None
) -> LineageGraph:
    """The lineage graph reached from artifact ``root`` (see the module docstring).

    Raises:
        ArtifactNotFoundError: ``root`` does not exist.

    """
    directions = (
        [LineageDirection.UP, LineageDirection.DOWN]
        if direction is LineageDirection.BOTH
        else [direction]
    )
    depths: dict[int, int] = {}
    executions: set[int] = set()
    events: dict[int, Event] = {}
    for d in directions:
        part = _walk_one(conn, root, d, depth)
        for artifact_id, hops in part.depth.items():
            depths[artifact_id] = min(hops, depths.get(artifact_id, hops))
        executions |= part.executions
        events.update(part.events)
    artifacts: dict[int, Artifact] = {
        a.id: a for a in map(to_artifact, _fetch(conn, t.artifact, set(depths)))
    }
    if root not in artifacts:
        raise ArtifactNotFoundError(f"artifact {root} does not exist")
    runs: dict[int, Execution] = {
        e.id: e for e in map(to_execution, _fetch(conn, t.execution, executions))
    }
    ordered = sorted(
        events.values(), key=lambda e: (e.execution_id, e.kind, e.name, e.index, e.artifact_id)
    )
    return LineageGraph(
        root=root,
        direction=direction,
        artifacts=dict(sorted(artifacts.items())),
        executions=dict(sorted(runs.items())),
        events=tuple(ordered),
        depth=dict(sorted(depths.items())),
    )
