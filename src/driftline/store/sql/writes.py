"""The statements that write to the metadata store, each run inside the caller's transaction.

The caller (:class:`~driftline.store.sql.store.MetadataStore`) checks its input first, opens one
write transaction and calls these in turn; an error anywhere rolls the whole write back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from driftline.core.errors import ArtifactNotFoundError, ConflictError
from driftline.store.records import (
    Artifact,
    Context,
    ContextRef,
    EventKind,
    Execution,
    ExecutionState,
    NewArtifact,
    NewExecution,
)
from driftline.store.sql import tables as t
from driftline.store.sql.rows import chunked, to_context

__all__ = [
    "associate",
    "attribute",
    "create_contexts",
    "ensure_contexts",
    "insert_artifacts",
    "insert_events",
    "insert_execution",
    "require_artifacts",
]

_NO_CONTEXTS: Mapping[tuple[str, str], Context] = MappingProxyType({})


def _insert_ignore(conn: sa.Connection, table: sa.Table) -> Any:
    """``INSERT .. ON CONFLICT DO NOTHING`` for the connection's dialect."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


def require_artifacts(conn: sa.Connection, ids: Collection[int]) -> None:
    """Check that every artifact id exists.

    Raises:
        ArtifactNotFoundError: naming the missing ids.

    """
    found: set[int] = set()
    for chunk in chunked(ids):
        found.update(
            conn.execute(sa.select(t.artifact.c.id).where(t.artifact.c.id.in_(chunk))).scalars()
        )
    missing = sorted(set(ids) - found)
    if missing:
        names = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise ArtifactNotFoundError(
            f"input artifact{'s' if len(missing) > 1 else ''} {names} "
            f"do{'' if len(missing) > 1 else 'es'} not exist"
        )


def insert_execution(
    conn: sa.Connection,
    spec: NewExecution,
    *,
    state: ExecutionState,
    now: datetime,
    started_at: datetime | None,
    ended_at: datetime | None,
) -> Execution:
    """Insert one execution row and return it as stored."""
    parameters, properties = dict(spec.parameters), dict(spec.properties)
    row = {
        "kind": spec.kind,
        "state": state.value,
        "parameters": parameters,
        "code_version": spec.code_version,
        "cache_key": spec.cache_key,
        "properties": properties,
        "created_at": now,
        "started_at": started_at,
        "ended_at": ended_at,
        "error": spec.error,
    }
    new_id = conn.execute(sa.insert(t.execution).returning(t.execution.c.id), row).scalar_one()
    return Execution(
        id=new_id,
        kind=spec.kind,
        state=state,
        parameters=parameters,
        code_version=spec.code_version,
        cache_key=spec.cache_key,
        properties=properties,
        created_at=now,
        started_at=started_at,
        ended_at=ended_at,
        error=spec.error,
    )


def insert_artifacts(
    conn: sa.Connection, specs: Sequence[NewArtifact], now: datetime
) -> list[Artifact]:
    """Insert artifact rows (one statement) and return them as stored, in order."""
    if not specs:
        return []
    properties = [dict(a.properties) for a in specs]
    rows = [
        {
            "kind": a.kind,
            "uri": a.uri,
            "sha256": a.sha256,
            "size": a.size,
            "name": a.name,
            "state": a.state.value,
            "properties": props,
            "created_at": now,
        }
        for a, props in zip(specs, properties, strict=True)
    ]
    stmt = sa.insert(t.artifact).returning(t.artifact.c.id, sort_by_parameter_order=True)
    ids = conn.execute(stmt, rows).scalars().all()
    return [
        Artifact(
            id=new_id,
            kind=a.kind,
            uri=a.uri,
            sha256=a.sha256,
            size=a.size,
            name=a.name,
            state=a.state,
            properties=props,
            created_at=now,
        )
        for new_id, a, props in zip(ids, specs, properties, strict=True)
    ]


def insert_events(
    conn: sa.Connection,
    execution_id: int,
    events: Sequence[tuple[EventKind, str, int, int]],
    now: datetime,
) -> None:
    """Insert the events ``(kind, port, index, artifact id)`` of one execution, in one statement."""
    if events:
        conn.execute(
            sa.insert(t.event),
            [
                {
                    "artifact_id": artifact_id,
                    "execution_id": execution_id,
                    "kind": kind.value,
                    "name": port,
                    "position": index,
                    "created_at": now,
                }
                for kind, port, index, artifact_id in events
            ],
        )


def ensure_contexts(
    conn: sa.Connection,
    refs: Sequence[ContextRef],
    now: datetime,
    known: Mapping[tuple[str, str], Context] = _NO_CONTEXTS,
) -> list[Context]:
    """Get or create the contexts named by ``refs`` (distinct), returned in the same order.

    Safe under concurrent writers: ``INSERT .. ON CONFLICT DO NOTHING`` (in a fixed order, so
    writers cannot deadlock), then ``SELECT``. An existing context keeps its properties.
    Contexts are never changed or deleted, so those in ``known`` (committed earlier) are reused.
    """
    missing = [r for r in refs if (r.kind, r.name) not in known]
    if not missing:
        return [known[(r.kind, r.name)] for r in refs]
    ordered = sorted(missing, key=lambda r: (r.kind, r.name))
    conn.execute(
        _insert_ignore(conn, t.context),
        [
            {"kind": r.kind, "name": r.name, "properties": dict(r.properties), "created_at": now}
            for r in ordered
        ],
    )
    keys = [(r.kind, r.name) for r in ordered]
    rows = conn.execute(
        sa.select(t.context).where(sa.tuple_(t.context.c.kind, t.context.c.name).in_(keys))
    )
    by_key = {**known, **{(c.kind, c.name): c for c in map(to_context, rows)}}
    return [by_key[(r.kind, r.name)] for r in refs]


def create_contexts(conn: sa.Connection, refs: Sequence[ContextRef], now: datetime) -> None:
    """Create contexts that must not exist yet, in a fixed order (writers cannot deadlock).

    ``INSERT .. ON CONFLICT DO NOTHING``: a concurrent writer of the same name waits for the
    first one's transaction, then inserts nothing, so exactly one of them creates the context.

    Raises:
        ConflictError: naming the context that exists already.

    """
    for r in sorted(refs, key=lambda r: (r.kind, r.name)):
        row = {"kind": r.kind, "name": r.name, "properties": dict(r.properties), "created_at": now}
        made = conn.execute(_insert_ignore(conn, t.context).returning(t.context.c.id), row)
        if made.first() is None:
            raise ConflictError(f"the {r.kind} context {r.name!r} exists already")


def _link(conn: sa.Connection, table: sa.Table, column: str, pairs: set[tuple[int, int]]) -> None:
    if pairs:
        conn.execute(
            _insert_ignore(conn, table),
            [{"context_id": c, column: other} for c, other in sorted(pairs)],
        )


def attribute(
    conn: sa.Connection, context_ids: Collection[int], artifact_ids: Collection[int]
) -> None:
    """Attribute every artifact to every context (existing links are kept)."""
    _link(conn, t.attribution, "artifact_id", {(c, a) for c in context_ids for a in artifact_ids})


def associate(
    conn: sa.Connection, context_ids: Collection[int], execution_ids: Collection[int]
) -> None:
    """Associate every execution with every context (existing links are kept)."""
    _link(conn, t.association, "execution_id", {(c, e) for c in context_ids for e in execution_ids})
