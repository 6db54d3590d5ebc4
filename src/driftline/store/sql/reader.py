"""Reading the metadata store: records by id, typed queries, events, lineage and counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from driftline.core.clock import Clock, SystemClock, utc
from driftline.core.closing import Closing
from driftline.core.errors import (
    ArtifactNotFoundError,
    ContextNotFoundError,
    ExecutionNotFoundError,
    InputError,
)
from driftline.core.params import Interval, check_param
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import (
    Artifact,
    Context,
    Event,
    Execution,
    ExecutionState,
    LineageDirection,
    LineageGraph,
    StoreCounts,
    check_kind,
)
from driftline.store.sql import tables as t
from driftline.store.sql.arguments import check_id, check_text
from driftline.store.sql.compile import compile_artifacts, compile_contexts, compile_executions
from driftline.store.sql.engine import DatabaseURL, translate_errors
from driftline.store.sql.lineage import check_depth, check_direction, walk
from driftline.store.sql.rows import to_artifact, to_context, to_event, to_execution
from driftline.store.sql.schema import read_revision

__all__ = ["MetadataReader"]


class MetadataReader(Closing):
    """The read side of :class:`~driftline.store.sql.store.MetadataStore` (which adds writes).

    Every read sees one consistent snapshot on SQLite; a missing id raises the specific
    :class:`~driftline.core.errors.NotFoundError` naming it.

    Examples:
        >>> from driftline.store.metadata import open_metadata_store
        >>> store = open_metadata_store("sqlite://", create=True)
        >>> isinstance(store, MetadataReader), store.artifacts(), store.counts().contexts
        (True, [], {})
        >>> store.close()

    """

    def __init__(self, engine: Engine, db: DatabaseURL, *, clock: Clock | None = None) -> None:
        self._engine = engine
        self._db = db
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._closed = False

    # -- life -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL, with any password redacted."""
        return self._db.display

    @property
    def reopen_url(self) -> str | None:
        """The URL another process opens this store with (password included; never print it).

        ``None`` for an in-memory SQLite database, which no other process can open.
        """
        if self._db.memory:
            return None
        return self._db.url.render_as_string(hide_password=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        self._check_open()
        with translate_errors(self._db), self._engine.connect() as conn:
            yield conn

    def _check_open(self) -> None:
        if self._closed:
            raise InputError(f"the metadata store {self.url} is closed")

    def _now(self) -> datetime:
        return utc(self._clock.now())

    def database_time(self) -> datetime:
        """The database's current time (UTC): one clock for every process that shares it.

        PostgreSQL answers ``clock_timestamp()`` (the server's clock, whatever the clients'
        clocks say); SQLite, which has no server, answers ``strftime('%Y-%m-%d %H:%M:%f', 'now')``
        from the clock of the machine the process runs on. Leases compare times of this clock.

        Raises:
            ServiceError: the database cannot be reached.

        Examples:
            >>> from driftline.store.metadata import open_metadata_store
            >>> with open_metadata_store("sqlite://", create=True) as store:
            ...     store.database_time().tzinfo
            datetime.timezone.utc

        """
        with self._read() as conn:
            if self.dialect == "postgresql":
                value = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
            else:
                query = sa.text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
                value = datetime.fromisoformat(str(conn.execute(query).scalar_one()))
        return utc(value)

    def schema_version(self) -> str:
        """The schema revision of the database."""
        with self._read() as conn:
            return read_revision(conn) or ""

    # -- reads ----------------------------------------------------------------------------------

    def get_artifact(self, artifact_id: int) -> Artifact:
        """The artifact with this id.

        Raises:
            ArtifactNotFoundError: no artifact has that id.

        """
        check_id(artifact_id, "artifact id")
        with self._read() as conn:
            row = conn.execute(sa.select(t.artifact).where(t.artifact.c.id == artifact_id)).first()
        if row is None:
            raise ArtifactNotFoundError(f"artifact {artifact_id} does not exist")
        return to_artifact(row)

    def artifacts(self, query: ArtifactQuery | None = None) -> list[Artifact]:
        """The artifacts that ``query`` selects (all, newest first, by default)."""
        stmt = compile_artifacts(query if query is not None else ArtifactQuery())
        with self._read() as conn:
            return [to_artifact(row) for row in conn.execute(stmt)]

    def get_execution(self, execution_id: int) -> Execution:
        """The execution with this id.

        Raises:
            ExecutionNotFoundError: no execution has that id.

        """
        check_id(execution_id, "execution id")
        with self._read() as conn:
            e = t.execution
            row = conn.execute(sa.select(e).where(e.c.id == execution_id)).first()
        if row is None:
            raise ExecutionNotFoundError(f"execution {execution_id} does not exist")
        return to_execution(row)

    def executions(self, query: ExecutionQuery | None = None) -> list[Execution]:
        """The executions that ``query`` selects (all, newest first, by default)."""
        stmt = compile_executions(query if query is not None else ExecutionQuery())
        with self._read() as conn:
            return [to_execution(row) for row in conn.execute(stmt)]

    # -- contexts, events, lineage, counts --------------------------------------------------

    def get_context(self, context_id: int) -> Context:
        """The context with this id.

        Raises:
            ContextNotFoundError: no context has that id.

        """
        check_id(context_id, "context id")
        with self._read() as conn:
            row = conn.execute(sa.select(t.context).where(t.context.c.id == context_id)).first()
        if row is None:
            raise ContextNotFoundError(f"context {context_id} does not exist")
        return to_context(row)

    def get_context_by_name(self, kind: str, name: str) -> Context:
        """The context of this kind and name.

        Raises:
            ContextNotFoundError: naming the kind and name.

        """
        check_kind(kind, "context kind")
        check_text(name, "context name")
        c = t.context
        with self._read() as conn:
            row = conn.execute(sa.select(c).where(c.c.kind == kind, c.c.name == name)).first()
        if row is None:
            raise ContextNotFoundError(f"no {kind} context named {name!r}")
        return to_context(row)

    def contexts(self, query: ContextQuery | None = None) -> list[Context]:
        """The contexts that ``query`` selects (all, newest first, by default)."""
        stmt = compile_contexts(query if query is not None else ContextQuery())
        with self._read() as conn:
            return [to_context(row) for row in conn.execute(stmt)]

    def events(
        self, *, artifact_id: int | None = None, execution_id: int | None = None
    ) -> list[Event]:
        """The events of an artifact and/or an execution (all events if neither is given).

        Raises:
            ArtifactNotFoundError, ExecutionNotFoundError: an id that does not exist.

        """
        ev = t.event
        where = []
        if artifact_id is not None:
            where.append(ev.c.artifact_id == check_id(artifact_id, "artifact id"))
        if execution_id is not None:
            where.append(ev.c.execution_id == check_id(execution_id, "execution id"))
        with self._read() as conn:
            rows = conn.execute(sa.select(ev).where(*where).order_by(ev.c.id)).all()
        if not rows:
            if artifact_id is not None:
                self.get_artifact(artifact_id)
            if execution_id is not None:
                self.get_execution(execution_id)
        return [to_event(row) for row in rows]

    def lineage(
        self,
        artifact_id: int,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int | None = None,
    ) -> LineageGraph:
        """The lineage graph around an artifact, to ``depth`` hops (any depth when ``None``).

        Raises:
            ArtifactNotFoundError: no artifact has that id.

        """
        check_id(artifact_id, "artifact id")
        way, hops = check_direction(direction), check_depth(depth)
        with self._read() as conn:
            return walk(conn, artifact_id, way, hops)

    def counts(self, last: int = 5) -> StoreCounts:
        """How many artifacts (by kind), executions (by state) and contexts (by kind) there are.

        ``last`` is how many of the newest executions to include.
        """
        check_param("counts", "last", last, Interval(int, 0))

        def tally(column: sa.Column[Any]) -> sa.Select[Any]:
            return sa.select(column, sa.func.count()).group_by(column).order_by(column)

        with self._read() as conn:
            artifacts = {str(k): int(n) for k, n in conn.execute(tally(t.artifact.c.kind))}
            states = {str(k): int(n) for k, n in conn.execute(tally(t.execution.c.state))}
            contexts = {str(k): int(n) for k, n in conn.execute(tally(t.context.c.kind))}
            recent = conn.execute(compile_executions(ExecutionQuery(limit=last))).all()
        return StoreCounts(
            artifacts=artifacts,
            executions={ExecutionState(s): n for s, n in states.items()},
            contexts=contexts,
            last_executions=tuple(to_execution(r) for r in recent),
        )
