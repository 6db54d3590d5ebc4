"""The write procedures of the metadata store, each run whole inside one write transaction.

:class:`~driftline.store.sql.store.MetadataStore` checks the caller's input, opens a write
transaction and calls one of these; any error rolls everything back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from driftline.core.clock import utc
from driftline.core.errors import (
    ConflictError,
    ContextNotFoundError,
    ExecutionNotFoundError,
    StateTransitionError,
)
from driftline.store.records import (
    Artifact,
    Context,
    ContextRef,
    EventKind,
    Execution,
    ExecutionState,
    NewArtifact,
    NewExecution,
    RecordedExecution,
)
from driftline.store.sql import tables as t
from driftline.store.sql import writes
from driftline.store.sql.rows import to_artifact, to_context, to_execution

__all__ = ["finish", "record", "start", "transition", "update_context"]

Inputs = Sequence[tuple[str, int, int]]
Outputs = Sequence[tuple[str, int, NewArtifact]]


def _by_port(ports: Sequence[tuple[str, int, Any]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, list[Any]] = {}
    for port, _index, value in sorted(ports, key=lambda p: (p[0], p[1])):
        out.setdefault(port, []).append(value)
    return {port: tuple(values) for port, values in out.items()}


def _events(
    ins: Inputs, made: Sequence[tuple[str, int, Artifact]]
) -> list[tuple[EventKind, str, int, int]]:
    events = [(EventKind.INPUT, p, i, a) for p, i, a in ins]
    return events + [(EventKind.OUTPUT, p, i, a.id) for p, i, a in made]


def _outputs(conn: sa.Connection, outs: Outputs, now: datetime) -> list[tuple[str, int, Artifact]]:
    made = writes.insert_artifacts(conn, [a for *_, a in outs], now)
    return [(p, i, a) for (p, i, _), a in zip(outs, made, strict=True)]


def _existing(conn: sa.Connection, reused: Inputs) -> list[tuple[str, int, Artifact]]:
    """The stored artifacts named by ``(port, index, artifact id)`` (checked to exist)."""
    if not reused:
        return []
    ids = {a for *_, a in reused}
    writes.require_artifacts(conn, ids)
    rows = conn.execute(sa.select(t.artifact).where(t.artifact.c.id.in_(sorted(ids))))
    found = {a.id: a for a in map(to_artifact, rows)}
    return [(p, i, found[a]) for p, i, a in reused]


def record(
    conn: sa.Connection,
    spec: NewExecution,
    ins: Inputs,
    outs: Outputs,
    refs: Sequence[ContextRef],
    now: datetime,
    known: Mapping[tuple[str, str], Context],
    reused: Inputs = (),
) -> RecordedExecution:
    """Record a whole execution: itself, its outputs, events, contexts and links.

    ``reused`` names artifacts that already exist and are outputs of this execution too (a
    ``CACHED`` execution's outputs are those of the execution it reuses).
    """
    state = spec.state
    started = utc(spec.started_at) if spec.started_at else None
    ended = utc(spec.ended_at) if spec.ended_at else None
    if state is not ExecutionState.NEW and started is None:
        started = now
    if state.terminal and ended is None:
        ended = max(now, started) if started else now
    writes.require_artifacts(conn, {a for *_, a in ins})
    run = writes.insert_execution(
        conn, spec, state=state, now=now, started_at=started, ended_at=ended
    )
    made = _outputs(conn, outs, now) + _existing(conn, reused)
    writes.insert_events(conn, run.id, _events(ins, made), now)
    ctx = writes.ensure_contexts(conn, refs, now, known)
    ids = [c.id for c in ctx]
    writes.attribute(conn, ids, {a for *_, a in ins} | {a.id for *_, a in made})
    writes.associate(conn, ids, [run.id])
    return RecordedExecution(run, _by_port(ins), _by_port(made), tuple(ctx))


def start(
    conn: sa.Connection,
    spec: NewExecution,
    ins: Inputs,
    refs: Sequence[ContextRef],
    now: datetime,
    known: Mapping[tuple[str, str], Context],
) -> tuple[Execution, list[Context]]:
    """Record an execution in state ``RUNNING`` with its inputs and contexts."""
    started = utc(spec.started_at) if spec.started_at else now
    writes.require_artifacts(conn, {a for *_, a in ins})
    run = writes.insert_execution(
        conn, spec, state=ExecutionState.RUNNING, now=now, started_at=started, ended_at=None
    )
    writes.insert_events(conn, run.id, _events(ins, []), now)
    ctx = writes.ensure_contexts(conn, refs, now, known)
    ids = [c.id for c in ctx]
    writes.attribute(conn, ids, {a for *_, a in ins})
    writes.associate(conn, ids, [run.id])
    return run, ctx


def transition(
    conn: sa.Connection,
    execution_id: int,
    state: ExecutionState,
    error: str | None,
    now: datetime,
    properties: Mapping[str, Any] | None = None,
) -> Execution:
    """Move an execution to ``state``, as the state machine allows (the row is locked first).

    ``properties``, if given, are merged into the execution's properties.

    Raises:
        ExecutionNotFoundError: no execution has that id.
        StateTransitionError: naming the execution and both states.

    """
    e = t.execution
    row = conn.execute(sa.select(e).where(e.c.id == execution_id).with_for_update()).first()
    if row is None:
        raise ExecutionNotFoundError(f"execution {execution_id} does not exist")
    current = ExecutionState(row.state)
    if not current.can_become(state):
        raise StateTransitionError(
            f"execution {execution_id} ({row.kind}) cannot go from {current.value} to {state.value}"
        )
    values: dict[str, Any] = {"state": state.value}
    if row.started_at is None and state is not ExecutionState.NEW:
        values["started_at"] = now
    if state.terminal:
        values["ended_at"] = max(now, values.get("started_at") or row.started_at or now)
    if error is not None:
        values["error"] = error
    if properties:
        values["properties"] = {**(row.properties or {}), **properties}
    conn.execute(sa.update(e).where(e.c.id == execution_id).values(**values))
    return to_execution(conn.execute(sa.select(e).where(e.c.id == execution_id)).one())


def finish(
    conn: sa.Connection,
    execution_id: int,
    state: ExecutionState,
    outs: Outputs,
    error: str | None,
    now: datetime,
    properties: Mapping[str, Any] | None = None,
) -> RecordedExecution:
    """End an execution, record its outputs and attribute them to the execution's contexts.

    ``properties`` are merged into the execution's properties.

    Raises:
        ConflictError: an output port already holds artifacts.

    """
    ev, assoc, c = t.event, t.association, t.context
    run = transition(conn, execution_id, state, error, now, properties)
    of_run = ev.c.execution_id == execution_id
    outputs = sa.select(ev.c.name).where(of_run, ev.c.kind == EventKind.OUTPUT.value)
    taken = set(conn.execute(outputs).scalars()) & {p for p, *_ in outs}
    if taken:
        raise ConflictError(
            f"execution {execution_id} already has outputs on port " + ", ".join(sorted(taken))
        )
    made = _outputs(conn, outs, now)
    writes.insert_events(conn, execution_id, _events([], made), now)
    linked = sa.select(assoc.c.context_id).where(assoc.c.execution_id == execution_id)
    found = conn.execute(sa.select(c).where(c.c.id.in_(linked)).order_by(c.c.id))
    ctx = [to_context(r) for r in found]
    writes.attribute(conn, [x.id for x in ctx], {a.id for *_, a in made})
    inputs = sa.select(ev.c.name, ev.c.position, ev.c.artifact_id).where(
        of_run, ev.c.kind == EventKind.INPUT.value
    )
    ins = [(str(n), int(p), int(a)) for n, p, a in conn.execute(inputs)]
    return RecordedExecution(run, _by_port(ins), _by_port(made), tuple(ctx))


def update_context(
    conn: sa.Connection, context_id: int, properties: Mapping[str, Any], *, merge: bool
) -> Context:
    """Set a context's properties (merged into the stored ones when ``merge``); return it.

    Raises:
        ContextNotFoundError: no context has that id.

    """
    c = t.context
    row = conn.execute(sa.select(c).where(c.c.id == context_id).with_for_update()).first()
    if row is None:
        raise ContextNotFoundError(f"context {context_id} does not exist")
    values = {**dict(row.properties), **properties} if merge else dict(properties)
    conn.execute(sa.update(c).where(c.c.id == context_id).values(properties=values))
    return to_context(conn.execute(sa.select(c).where(c.c.id == context_id)).one())
