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
from driftline.store.sql.arguments import (
    check_contexts,
    check_id,
    check_inputs,
    check_json,
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

    # -- contexts -------------------------------------------------------------------------------

    def put_context(self, ref: ContextRef) -> Context:
        """Get the context ``ref`` names, creating it (with ``ref.properties``) if missing.

        Raises:
            InputError: a bad kind, name or properties.

        Examples:
            >>> from driftline.store.metadata import open_metadata_store
            >>> store = open_metadata_store("sqlite://", create=True)
            >>> made = store.put_context(ContextRef("run", "r1", {"status": "RUNNING"}))
            >>> store.put_context(ContextRef("run", "r1")) == made
            True
            >>> store.close()

        """
        (checked,) = check_contexts([ref])
        now = self._now()
        with self._write() as conn:
            (made,) = writes.ensure_contexts(conn, [checked], now)
        return made

    def set_context_properties(
        self, context_id: int, properties: Mapping[str, Any], *, merge: bool = True
    ) -> Context:
        """Set a context's properties (by default merged into those stored); return it.

        Contexts are otherwise immutable; their properties hold state that changes, such as a
        pipeline run's status.

        Raises:
            ContextNotFoundError: no context has that id.
            InputError: ``properties`` is not a JSON mapping with string keys.

        Examples:
            >>> from driftline.store.metadata import open_metadata_store
            >>> store = open_metadata_store("sqlite://", create=True)
            >>> run = store.put_context(ContextRef("run", "r1", {"status": "RUNNING", "n": 1}))
            >>> dict(store.set_context_properties(run.id, {"status": "COMPLETE"}).properties)
            {'n': 1, 'status': 'COMPLETE'}
            >>> store.close()

        """
        check_id(context_id, "context id")
        values = check_json(properties, "context properties")
        with self._write() as conn:
            updated = recording.update_context(conn, context_id, values, merge=merge)
        self._known.pop((updated.kind, updated.name), None)
        return updated

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
        *,
        output_ids: Mapping[str, int | Sequence[int]] = _NONE,
        new_contexts: Sequence[ContextRef] = (),
    ) -> RecordedExecution:
        """Record a whole execution in one transaction: itself, its outputs and its lineage.

        Inserts the execution, its output artifacts and the input and output events, gets or
        creates the contexts, attributes inputs and outputs to them and associates the execution.
        ``output_ids`` names artifacts that already exist and are outputs of this execution too,
        on their own ports: a ``CACHED`` execution reuses the outputs of an earlier one.

        Raises:
            InputError: a bad field or port (or a port in both ``outputs`` and ``output_ids``),
                naming it; nothing is written.
            ArtifactNotFoundError: an input or reused output artifact does not exist; nothing
                is written.
            ConflictError: a context of ``new_contexts`` exists already; nothing is written.

        ``new_contexts`` are contexts this execution must create, linked like ``contexts``: if
        one exists already, nothing is written. Of two writers racing for the same name exactly
        one wins (e.g. to number the spans of a dataset 1, 2, 3... safely).

        Examples:
            >>> from driftline.store.metadata import open_metadata_store
            >>> store = open_metadata_store("sqlite://", create=True)
            >>> first = store.record_execution(
            ...     NewExecution("train", cache_key="k"),
            ...     outputs={"model": NewArtifact("model", "file:///m", "1" * 64, 9)},
            ... )
            >>> model = first.outputs["model"][0]
            >>> again = store.record_execution(
            ...     NewExecution("train", cache_key="k", state=ExecutionState.CACHED),
            ...     output_ids={"model": model.id},
            ... )
            >>> again.outputs["model"][0] == model, len(store.artifacts())
            (True, 1)
            >>> store.close()

        """
        spec = check_new_execution(execution)
        ins, outs, refs = check_inputs(inputs), check_outputs(outputs), check_contexts(contexts)
        reused = check_inputs(output_ids, "output_ids")
        both = {p for p, *_ in outs} & {p for p, *_ in reused}
        if both:
            raise InputError(
                "an output port cannot hold both new and reused artifacts: "
                + ", ".join(sorted(both))
            )
        fresh = check_contexts(new_contexts)
        refs = check_contexts([*fresh, *refs])
        now = self._now()
        with self._write() as conn:
            writes.create_contexts(conn, fresh, now)
            recorded = recording.record(conn, spec, ins, outs, refs, now, self._known, reused)
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
        properties: Mapping[str, Any] | None = None,
    ) -> RecordedExecution:
        """End an execution in a final state, recording its outputs, in one transaction.

        Outputs are attributed to the contexts the execution is associated with. ``properties``
        are merged into the execution's own (e.g. the metrics a step logged).

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
        more = None if properties is None else check_json(properties, "execution properties")
        now = self._now()
        with self._write() as conn:
            return recording.finish(conn, execution_id, state, outs, error, now, more)
