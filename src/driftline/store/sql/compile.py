"""Compile the typed query objects of :mod:`driftline.store.queries` into SQL ``SELECT`` s.

Examples:
    >>> from driftline.store.queries import ArtifactQuery
    >>> stmt = compile_artifacts(ArtifactQuery(kind="span", limit=2))
    >>> print(stmt.whereclause)
    driftline_artifact.kind = :kind_1

"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from driftline.core.clock import utc
from driftline.core.errors import InputError
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import ContextRef, check_kind
from driftline.store.sql import tables as t

__all__ = ["compile_artifacts", "compile_contexts", "compile_executions"]


def _time(value: datetime | None, what: str) -> datetime | None:
    if value is not None and not isinstance(value, datetime):
        raise InputError(f"{what} must be a datetime, got {value!r}")
    return None if value is None else utc(value)


def _in_context(
    ref: ContextRef, id_column: sa.Column[Any], link: sa.Table, column: str
) -> sa.ColumnElement[bool]:
    if not isinstance(ref, ContextRef):
        raise InputError(f"context must be a ContextRef, got {ref!r}")
    check_kind(ref.kind, "context.kind")
    linked = (
        sa.select(link.c[column])
        .join(t.context, t.context.c.id == link.c.context_id)
        .where(t.context.c.kind == ref.kind, t.context.c.name == ref.name)
    )
    return id_column.in_(linked)


def _page(
    stmt: sa.Select[Any], table: sa.Table, query: ArtifactQuery | ExecutionQuery | ContextQuery
) -> sa.Select[Any]:
    order = (table.c.created_at, table.c.id)
    stmt = stmt.order_by(*(c if query.ascending else c.desc() for c in order))
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return stmt.offset(query.offset) if query.offset else stmt


def _ids(column: sa.Column[Any], ids: frozenset[int] | None) -> list[sa.ColumnElement[bool]]:
    if ids is None:
        return []
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise InputError(f"ids must be whole numbers, got {sorted(ids, key=repr)!r}")
    return [column.in_(sorted(ids))]


def _times(
    column: sa.Column[Any], after: datetime | None, before: datetime | None
) -> list[sa.ColumnElement[bool]]:
    out = []
    if (lo := _time(after, "created_after")) is not None:
        out.append(column > lo)
    if (hi := _time(before, "created_before")) is not None:
        out.append(column < hi)
    return out


def compile_artifacts(query: ArtifactQuery) -> sa.Select[Any]:
    """The ``SELECT`` of the artifacts that ``query`` asks for."""
    a = t.artifact
    where = _ids(a.c.id, query.ids) + _times(
        a.c.created_at, query.created_after, query.created_before
    )
    if query.kind is not None:
        where.append(a.c.kind == query.kind)
    if query.name is not None:
        where.append(a.c.name == query.name)
    if query.uri is not None:
        where.append(a.c.uri == query.uri)
    if query.states is not None:
        where.append(a.c.state.in_(sorted(s.value for s in query.states)))
    if query.context is not None:
        where.append(_in_context(query.context, a.c.id, t.attribution, "artifact_id"))
    where += [a.c.properties[key].as_string() >= text for key, text in query.text_from]
    where += [a.c.properties[key].as_string() < text for key, text in query.text_before]
    return _page(sa.select(a).where(*where), a, query)


def compile_executions(query: ExecutionQuery) -> sa.Select[Any]:
    """The ``SELECT`` of the executions that ``query`` asks for."""
    e = t.execution
    where = _ids(e.c.id, query.ids) + _times(
        e.c.created_at, query.created_after, query.created_before
    )
    if query.kind is not None:
        where.append(e.c.kind == query.kind)
    if query.states is not None:
        where.append(e.c.state.in_(sorted(s.value for s in query.states)))
    if query.cache_key is not None:
        where.append(e.c.cache_key == query.cache_key)
    if query.context is not None:
        where.append(_in_context(query.context, e.c.id, t.association, "execution_id"))
    return _page(sa.select(e).where(*where), e, query)


def compile_contexts(query: ContextQuery) -> sa.Select[Any]:
    """The ``SELECT`` of the contexts that ``query`` asks for."""
    c = t.context
    where = _ids(c.c.id, query.ids)
    if query.kind is not None:
        where.append(c.c.kind == query.kind)
    if query.name is not None:
        where.append(c.c.name == query.name)
    if query.name_contains is not None:
        where.append(c.c.name.contains(query.name_contains, autoescape=True))
    where += [c.c.properties[key].as_string() == value for key, value in query.properties]
    return _page(sa.select(c).where(*where), c, query)
