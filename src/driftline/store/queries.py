"""Typed query objects for the metadata store: callers never write SQL.

Each field left at ``None`` does not filter. Results come newest first unless ``ascending``.

Examples:
    >>> q = ArtifactQuery(kind="span", context=ContextRef("dataset", "elec2"), limit=5)
    >>> q.kind, q.limit
    ('span', 5)
    >>> ExecutionQuery(states=frozenset({ExecutionState.FAILED})).states
    frozenset({<ExecutionState.FAILED: 'FAILED'>})

"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from driftline.core.params import Interval, check_params
from driftline.store.records import ArtifactState, ContextRef, ExecutionState

__all__ = ["ArtifactQuery", "ContextQuery", "ExecutionQuery"]


_PAGING = {"limit": Interval(int, 0) | None, "offset": Interval(int, 0)}


def _check_paging(query: object, limit: int | None, offset: int) -> None:
    check_params(type(query).__name__, {"limit": limit, "offset": offset}, _PAGING)


@dataclass(frozen=True)
class ArtifactQuery:
    """Which artifacts to list.

    ``text_from`` and ``text_before``: (key, text) pairs; only artifacts whose property ``key``,
    read as text, is ``>= text`` (``< text``), compared as text by the database: for values
    written in one sortable form, such as UTC ISO 8601 times.
    """

    ids: frozenset[int] | None = None
    kind: str | None = None
    name: str | None = None
    uri: str | None = None
    states: frozenset[ArtifactState] | None = None
    context: ContextRef | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int | None = None
    offset: int = 0
    ascending: bool = False
    text_from: tuple[tuple[str, str], ...] = ()
    text_before: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_paging(self, self.limit, self.offset)


@dataclass(frozen=True)
class ExecutionQuery:
    """Which executions to list."""

    ids: frozenset[int] | None = None
    kind: str | None = None
    states: frozenset[ExecutionState] | None = None
    cache_key: str | None = None
    context: ContextRef | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int | None = None
    offset: int = 0
    ascending: bool = False

    def __post_init__(self) -> None:
        _check_paging(self, self.limit, self.offset)


@dataclass(frozen=True)
class ContextQuery:
    """Which contexts to list (``name_contains``: a part of the name, taken literally).

    ``properties``: (key, text) pairs; only contexts whose property ``key``, read as text, is
    that text (filtered in SQL: only the matching rows are read back).
    """

    ids: frozenset[int] | None = None
    kind: str | None = None
    name: str | None = None
    name_contains: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    limit: int | None = None
    offset: int = 0
    ascending: bool = False

    def __post_init__(self) -> None:
        _check_paging(self, self.limit, self.offset)
