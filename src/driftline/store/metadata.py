"""The metadata store: artifacts, executions, events and contexts with their lineage.

After ML Metadata: typed artifacts and executions joined by input/output events, grouped by
contexts (a pipeline, a run, a dataset, a model). SQLite (WAL) by default, PostgreSQL when the
URL says ``postgresql+psycopg://``; the schema is created and upgraded with Alembic.

Examples:
    >>> import tempfile
    >>> from driftline.store.records import ContextRef, NewArtifact, NewExecution
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with open_metadata_store(f"sqlite:///{folder}/metadata.db", create=True) as store:
    ...         span = store.put_artifact(NewArtifact("span", "file:///s0", "0" * 64, 10))
    ...         run = store.record_execution(
    ...             NewExecution("profile"),
    ...             inputs={"span": span.id},
    ...             outputs={"profile": NewArtifact("profile", "file:///p0", "1" * 64, 3)},
    ...             contexts=[ContextRef("dataset", "elec2")],
    ...         )
    ...         counts = store.counts()
    >>> dict(counts.artifacts), run.execution.state.value
    ({'profile': 1, 'span': 1}, 'COMPLETE')

"""

from __future__ import annotations

from driftline.core.clock import Clock
from driftline.store.sql.schema import SCHEMA_HEAD
from driftline.store.sql.store import MetadataStore

__all__ = ["SCHEMA_HEAD", "MetadataStore", "open_metadata_store"]


def open_metadata_store(
    url: str, *, create: bool = False, clock: Clock | None = None
) -> MetadataStore:
    """Open the metadata store at a database URL.

    Args:
        url: ``sqlite:///PATH``, ``sqlite://`` (in memory) or
            ``postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DATABASE``.
        create: create the schema if the database has none (and the SQLite file if missing).
        clock: where timestamps come from (the system clock by default).

    An older schema is upgraded; a newer one is refused. Nothing is changed on bad input.

    Raises:
        URLError: a malformed or unsupported URL, naming it and the accepted forms.
        WorkspaceNotFoundError: no driftline schema there (or no SQLite file) and not ``create``.
        SchemaVersionError: the schema is newer than this driftline.
        ServiceError: the PostgreSQL server cannot be reached, naming host and port.

    Examples:
        >>> store = open_metadata_store("sqlite://", create=True)
        >>> store.schema_version() == SCHEMA_HEAD, store.url
        (True, 'sqlite://')
        >>> store.close()

    """
    from driftline.store.sql.opening import open_store

    return open_store(url, create=create, clock=clock)
