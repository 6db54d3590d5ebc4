"""The records of the metadata store, after ML Metadata: artifacts, executions, events, contexts.

These are plain frozen dataclasses and enums (standard library only), so that every layer above the
store, and a dashboard, can read them without importing a database library.

Examples:
    >>> ExecutionState.RUNNING.can_become(ExecutionState.COMPLETE)
    True
    >>> ExecutionState.COMPLETE.can_become(ExecutionState.RUNNING)
    False
    >>> NewArtifact(kind="span", uri="artifact:span/a.parquet", sha256="0" * 64, size=10).state
    <ArtifactState.LIVE: 'LIVE'>

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from driftline.core.errors import InputError

__all__ = [
    "Artifact",
    "ArtifactState",
    "Context",
    "ContextRef",
    "Event",
    "EventKind",
    "Execution",
    "ExecutionState",
    "LineageDirection",
    "LineageGraph",
    "NewArtifact",
    "NewExecution",
    "RecordedExecution",
    "StoreCounts",
    "check_kind",
]

_KIND = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")


def check_kind(value: str, what: str = "kind") -> str:
    """Check that a kind is a short lower-case identifier; return it.

    Raises:
        InputError: naming ``what`` and the value received.

    Examples:
        >>> check_kind("drift_report")
        'drift_report'

    """
    if not isinstance(value, str) or not _KIND.match(value):
        raise InputError(
            f"{what} must be a lower-case identifier (letters, digits, '_', '.', '-'; "
            f"at most 64 characters), got {value!r}"
        )
    return value


class ArtifactState(StrEnum):
    """Where an artifact is in its life."""

    PENDING = "PENDING"
    LIVE = "LIVE"
    MARKED_FOR_DELETION = "MARKED_FOR_DELETION"
    DELETED = "DELETED"
    ABANDONED = "ABANDONED"


class ExecutionState(StrEnum):
    """The state machine of an execution: NEW → RUNNING → COMPLETE / CACHED / FAILED / CANCELED."""

    NEW = "NEW"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    CACHED = "CACHED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def terminal(self) -> bool:
        """True for the states an execution never leaves."""
        return self in _TERMINAL

    def can_become(self, other: ExecutionState) -> bool:
        """Whether the state machine allows moving from this state to ``other``."""
        return other in _TRANSITIONS[self]


_TERMINAL = frozenset(
    {ExecutionState.COMPLETE, ExecutionState.CACHED, ExecutionState.FAILED, ExecutionState.CANCELED}
)
_TRANSITIONS: dict[ExecutionState, frozenset[ExecutionState]] = {
    ExecutionState.NEW: frozenset(
        {
            ExecutionState.RUNNING,
            ExecutionState.CACHED,
            ExecutionState.FAILED,
            ExecutionState.CANCELED,
        }
    ),
    ExecutionState.RUNNING: frozenset(
        {ExecutionState.COMPLETE, ExecutionState.FAILED, ExecutionState.CANCELED}
    ),
    **{state: frozenset() for state in _TERMINAL},
}


class EventKind(StrEnum):
    """The direction of an edge between an artifact and an execution."""

    INPUT = "INPUT"
    OUTPUT = "OUTPUT"


class LineageDirection(StrEnum):
    """Which way to walk the lineage graph from an artifact."""

    UP = "up"
    DOWN = "down"
    BOTH = "both"


@dataclass(frozen=True)
class Artifact:
    """An immutable, typed, content-hashed output of a step, as stored.

    ``uri`` is where its bytes are, relative to the artifact store root (``artifact:<key>``,
    as :attr:`~driftline.store.artifacts.StoredObject.uri` gives it), so that a workspace can be
    moved; older workspaces hold absolute URIs, which the artifact store also resolves.
    """

    id: int
    kind: str
    uri: str
    sha256: str
    size: int
    name: str | None
    state: ArtifactState
    properties: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Execution:
    """One run of one step, as stored."""

    id: int
    kind: str
    state: ExecutionState
    parameters: Mapping[str, Any]
    code_version: str
    cache_key: str | None
    properties: Mapping[str, Any]
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class Event:
    """An edge: ``artifact_id`` was an input to, or an output of, ``execution_id``.

    ``name`` is the input or output port (e.g. ``"spans"``), ``index`` the position in a list port.
    """

    artifact_id: int
    execution_id: int
    kind: EventKind
    name: str
    index: int
    created_at: datetime


@dataclass(frozen=True)
class Context:
    """A group of artifacts and executions: a pipeline run, a dataset, a model."""

    id: int
    kind: str
    name: str
    properties: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class NewArtifact:
    """An artifact to be recorded (its bytes already written to the artifact store)."""

    kind: str
    uri: str
    sha256: str
    size: int
    name: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    state: ArtifactState = ArtifactState.LIVE


@dataclass(frozen=True)
class NewExecution:
    """An execution to be recorded."""

    kind: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    code_version: str = ""
    cache_key: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    state: ExecutionState = ExecutionState.COMPLETE
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class ContextRef:
    """Names a context by kind and name; it is created on first use."""

    kind: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedExecution:
    """What one atomic ``record_execution`` wrote."""

    execution: Execution
    inputs: Mapping[str, tuple[int, ...]]
    outputs: Mapping[str, tuple[Artifact, ...]]
    contexts: tuple[Context, ...]


@dataclass(frozen=True)
class LineageGraph:
    """The part of the lineage graph reached from one artifact.

    ``depth`` maps each reached artifact id to its hop distance from the root (an artifact → its
    producing execution → that execution's inputs is one hop upstream).
    """

    root: int
    direction: LineageDirection
    artifacts: Mapping[int, Artifact]
    executions: Mapping[int, Execution]
    events: tuple[Event, ...]
    depth: Mapping[int, int]

    def producers(self, artifact_id: int) -> list[int]:
        """Ids of the executions in the graph that output ``artifact_id``."""
        return sorted(
            e.execution_id
            for e in self.events
            if e.artifact_id == artifact_id and e.kind is EventKind.OUTPUT
        )

    def consumers(self, artifact_id: int) -> list[int]:
        """Ids of the executions in the graph that took ``artifact_id`` as input."""
        return sorted(
            e.execution_id
            for e in self.events
            if e.artifact_id == artifact_id and e.kind is EventKind.INPUT
        )

    def inputs_of(self, execution_id: int) -> list[int]:
        """Ids of the artifacts in the graph that ``execution_id`` read."""
        return sorted(
            e.artifact_id
            for e in self.events
            if e.execution_id == execution_id and e.kind is EventKind.INPUT
        )

    def outputs_of(self, execution_id: int) -> list[int]:
        """Ids of the artifacts in the graph that ``execution_id`` wrote."""
        return sorted(
            e.artifact_id
            for e in self.events
            if e.execution_id == execution_id and e.kind is EventKind.OUTPUT
        )


@dataclass(frozen=True)
class StoreCounts:
    """How much a metadata store holds, for ``driftline status`` and dashboards."""

    artifacts: Mapping[str, int]
    executions: Mapping[ExecutionState, int]
    contexts: Mapping[str, int]
    last_executions: tuple[Execution, ...] = ()
