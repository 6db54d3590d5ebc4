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

from driftline.core.errors import InputError
from driftline.store.records import ArtifactState, ContextRef, ExecutionState

__all__ = ["ArtifactQuery", "ContextQuery", "ExecutionQuery"]


def _check_paging(limit: int | None, offset: int) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise InputError(f"limit must be a whole number >= 0, got {limit!r}")
    if not isinstance(offset, int) or offset < 0:
        raise InputError(f"offset must be a whole number >= 0, got {offset!r}")


@dataclass(frozen=True)
class ArtifactQuery:
    """Which artifacts to list."""

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

    def __post_init__(self) -> None:
        _check_paging(self.limit, self.offset)


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
        _check_paging(self.limit, self.offset)


@dataclass(frozen=True)
class ContextQuery:
    """Which contexts to list."""

    ids: frozenset[int] | None = None
    kind: str | None = None
    name: str | None = None
    limit: int | None = None
    offset: int = 0
    ascending: bool = False

    def __post_init__(self) -> None:
        _check_paging(self.limit, self.offset)
