"""Conversions from table rows to the store's frozen records, and IN-list chunking.

Examples:
    >>> [list(c) for c in chunked([5, 1, 3], size=2)]
    [[1, 3], [5]]

"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from driftline.store.records import (
    Artifact,
    ArtifactState,
    Context,
    Event,
    EventKind,
    Execution,
    ExecutionState,
)

__all__ = ["IN_CHUNK", "chunked", "to_artifact", "to_context", "to_event", "to_execution"]

IN_CHUNK = 500
"""Most ids put in one SQL ``IN (...)`` list (SQLite and drivers limit bound parameters)."""


def chunked(ids: Iterable[int], size: int = IN_CHUNK) -> Iterator[list[int]]:
    """The sorted, distinct ``ids`` in lists of at most ``size``."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def to_artifact(row: Any) -> Artifact:
    """An :class:`Artifact` from a row of ``driftline_artifact``."""
    return Artifact(
        id=row.id,
        kind=row.kind,
        uri=row.uri,
        sha256=row.sha256,
        size=row.size,
        name=row.name,
        state=ArtifactState(row.state),
        properties=row.properties,
        created_at=row.created_at,
    )


def to_execution(row: Any) -> Execution:
    """An :class:`Execution` from a row of ``driftline_execution``."""
    return Execution(
        id=row.id,
        kind=row.kind,
        state=ExecutionState(row.state),
        parameters=row.parameters,
        code_version=row.code_version,
        cache_key=row.cache_key,
        properties=row.properties,
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        error=row.error,
    )


def to_event(row: Any) -> Event:
    """An :class:`Event` from a row of ``driftline_event``."""
    return Event(
        artifact_id=row.artifact_id,
        execution_id=row.execution_id,
        kind=EventKind(row.kind),
        name=row.name,
        index=row.position,
        created_at=row.created_at,
    )


def to_context(row: Any) -> Context:
    """A :class:`Context` from a row of ``driftline_context``."""
    return Context(
        id=row.id,
        kind=row.kind,
        name=row.name,
        properties=row.properties,
        created_at=row.created_at,
    )
