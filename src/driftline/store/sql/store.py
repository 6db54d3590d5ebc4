"""The metadata store: artifacts, executions, events and contexts, with lineage, in SQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftline.core.clock import Clock
from driftline.core.errors import (
    ArtifactNotFoundError,
    InputError,
)
from driftline.store.records import (
    Artifact,
    ArtifactState,
    Context,
    ContextRef,
    Execution,
    ExecutionState,
    NewArtifact,
    NewExecution,
    RecordedExecution,
)
from driftline.store.sql import recording, writes
from driftline.store.sql import tables as t
from driftline.store.sql.checks import (
    check_contexts,
    check_id,
    check_inputs,
    check_new_artifact,
    check_new_execution,
    check_outputs,
    check_text,
)
from driftline.store.sql.engine import WRITE_OPTION, DatabaseURL, translate_errors
from driftline.store.sql.reader import MetadataReader
from driftline.store.sql.rows import to_artifact

__all__ = ["MetadataStore"]

_NONE: Mapping[str, Any] = MappingProxyType({})
_KNOWN_MAX = 10_000  # contexts remembered per store


class MetadataStore(MetadataReader):
    """Artifacts, executions, events and contexts, with lineage, in SQLite or PostgreSQL.

    Open one with :func:`driftline.store.metadata.open_metadata_store`. Every write is one
    transaction: it is stored whole or not at all, and bad input changes nothing.

    Examples:
        >>> from driftline.store.metadata import open_metadata_store
        >>> from driftline.store.records import ContextRef, NewArtifact, NewExecution
        >>> store = open_metadata_store("sqlite://", create=True)
        >>> span = store.put_artifact(NewArtifact("span", "file:///s0", "0" * 64, 10))
        >>> run = store.record_execution(
        ...     NewExecution("train"),
        ...     inputs={"spans": [span.id]},
        ...     outputs={"model": NewArtifact("model", "file:///m", "1" * 64, 99)},
        ...     contexts=[ContextRef("pipeline", "daily")],
        ... )
        >>> model = run.outputs["model"][0]
        >>> sorted(store.lineage(model.id).depth.items())
        [(1, 1), (2, 0)]
        >>> store.close()

    """

    def __init__(self, engine: Engine, db: DatabaseURL, *, clock: Clock | None = None) -> None:
        super().__init__(engine, db, clock=clock)
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._known: dict[tuple[str, str], Context] = {}

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        self._check_open()
        with translate_errors(self._db), self._writer.begin() as conn:
            yield conn

    def _remember(self, contexts: Sequence[Context]) -> None:
        """Keep committed contexts (never changed or deleted) to skip their get-or-create."""
        if len(self._known) > _KNOWN_MAX:
            self._known.clear()
        self._known.update(((c.kind, c.name), c) for c in contexts)

    # -- artifacts ------------------------------------------------------------------------------

    def put_artifact(self, artifact: NewArtifact, contexts: Sequence[ContextRef] = ()) -> Artifact:
        """Record an artifact that no execution produced (e.g. imported data).

        Raises:
            InputError: a bad field, naming it.

        """
        check_new_artifact(artifact)
        refs = check_contexts(contexts)
        now = self._now()
        with self._write() as conn:
            (made,) = writes.insert_artifacts(conn, [artifact], now)
            ctx = writes.ensure_contexts(conn, refs, now, self._known)
            writes.attribute(conn, [c.id for c in ctx], [made.id])
        self._remember(ctx)
        return made

    def set_artifact_state(self, artifact_id: int, state: ArtifactState) -> Artifact:
        """Change an artifact's state (e.g. to ``MARKED_FOR_DELETION``); return it.

        Raises:
            ArtifactNotFoundError: no artifact has that id.

        """
        check_id(artifact_id, "artifact id")
        if not isinstance(state, ArtifactState):
            raise InputError(f"state must be an ArtifactState, got {state!r}")
        with self._write() as conn:
            this = t.artifact.c.id == artifact_id
            if (
                conn.execute(sa.update(t.artifact).where(this).values(state=state.value)).rowcount
                != 1
            ):
                raise ArtifactNotFoundError(f"artifact {artifact_id} does not exist")
            return to_artifact(conn.execute(sa.select(t.artifact).where(this)).one())

    # -- executions -------------------------------------------------------------------------

    def record_execution(
        self,
        execution: NewExecution,
        inputs: Mapping[str, int | Sequence[int]] = _NONE,
        outputs: Mapping[str, NewArtifact | Sequence[NewArtifact]] = _NONE,
        contexts: Sequence[ContextRef] = (),
    ) -> RecordedExecution:
        """Record a whole execution in one transaction: itself, its outputs and its lineage.

        Inserts the execution, its output artifacts and the input and output events, gets or
        creates the contexts, attributes inputs and outputs to them and associates the execution.

        Raises:
            InputError: a bad field or port, naming it; nothing is written.
            ArtifactNotFoundError: an input artifact does not exist; nothing is written.

        """
        spec = check_new_execution(execution)
        ins, outs, refs = check_inputs(inputs), check_outputs(outputs), check_contexts(contexts)
        now = self._now()
        with self._write() as conn:
            recorded = recording.record(conn, spec, ins, outs, refs, now, self._known)
        self._remember(recorded.contexts)
        return recorded

    def start_execution(
        self,
        execution: NewExecution,
        inputs: Mapping[str, int | Sequence[int]] = _NONE,
        contexts: Sequence[ContextRef] = (),
    ) -> Execution:
        """Record an execution that starts now (state ``RUNNING``), with its inputs and contexts.

        ``execution.state`` and ``ended_at`` are not used; finish it with :meth:`finish_execution`.

        Raises:
            InputError: a bad field or port; nothing is written.
            ArtifactNotFoundError: an input artifact does not exist; nothing is written.

        """
        spec = check_new_execution(execution)
        ins, refs = check_inputs(inputs), check_contexts(contexts)
        now = self._now()
        with self._write() as conn:
            run, ctx = recording.start(conn, spec, ins, refs, now, self._known)
        self._remember(ctx)
        return run

    def _check_state(self, execution_id: int, state: object, error: object) -> ExecutionState:
        check_id(execution_id, "execution id")
        if not isinstance(state, ExecutionState):
            raise InputError(f"state must be an ExecutionState, got {state!r}")
        if error is not None:
            check_text(error, "error", max_len=1 << 20)
        return state

    def set_execution_state(
        self, execution_id: int, state: ExecutionState, error: str | None = None
    ) -> Execution:
        """Move an execution to ``state`` (e.g. ``NEW`` → ``RUNNING``); return it.

        Raises:
            ExecutionNotFoundError: no execution has that id.
            StateTransitionError: the state machine does not allow the move; nothing changes.

        """
        self._check_state(execution_id, state, error)
        now = self._now()
        with self._write() as conn:
            return recording.transition(conn, execution_id, state, error, now)

    def finish_execution(
        self,
        execution_id: int,
        state: ExecutionState,
        outputs: Mapping[str, NewArtifact | Sequence[NewArtifact]] = _NONE,
        error: str | None = None,
    ) -> RecordedExecution:
        """End an execution in a final state, recording its outputs, in one transaction.

        Outputs are attributed to the contexts the execution is associated with.

        Raises:
            InputError: ``state`` is not final, or a bad field or port; nothing changes.
            ExecutionNotFoundError: no execution has that id.
            StateTransitionError: the execution cannot move to ``state``; nothing changes.
            ConflictError: an output port already holds artifacts; nothing changes.

        """
        self._check_state(execution_id, state, error)
        if not state.terminal:
            raise InputError(
                f"finish_execution needs a final state (COMPLETE, CACHED, FAILED, CANCELED), "
                f"got {state.value}; use set_execution_state"
            )
        outs = check_outputs(outputs)
        now = self._now()
        with self._write() as conn:
            return recording.finish(conn, execution_id, state, outs, error, now)
