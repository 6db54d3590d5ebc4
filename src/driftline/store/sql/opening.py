"""Open a metadata store: check the URL, reach the database, check or create its schema.

Nothing is changed on bad input: a SQLite file that does not exist is not created unless asked
(``create=True``), a database without the driftline schema is left alone, and a database with a
schema newer than this driftline is refused before anything is written.
"""

from __future__ import annotations

from driftline.core.clock import Clock
from driftline.core.errors import WorkspaceNotFoundError
from driftline.store.sql.engine import (
    WRITE_OPTION,
    DatabaseURL,
    create_engine,
    enable_wal,
    parse_url,
    translate_errors,
)
from driftline.store.sql.schema import VERSION_TABLE, check_revision, migrate, read_revision
from driftline.store.sql.store import MetadataStore

__all__ = ["open_store"]


def _check_file(db: DatabaseURL, create: bool) -> None:
    path = db.path
    if path is None:
        return
    if path.is_dir():
        raise WorkspaceNotFoundError(f"{db.display} names a folder, not a metadata database file")
    if path.exists():
        return
    if not create:
        raise WorkspaceNotFoundError(
            f"no driftline metadata database at {db.display}: the file {path} does not exist"
        )
    if not path.parent.is_dir():
        raise WorkspaceNotFoundError(
            f"cannot create the metadata database {db.display}: the folder {path.parent} "
            "does not exist"
        )


def open_store(url: str, *, create: bool = False, clock: Clock | None = None) -> MetadataStore:
    """Open the metadata store at ``url`` (the public entry is ``open_metadata_store``).

    Raises:
        URLError: the URL is malformed or not supported.
        WorkspaceNotFoundError: no driftline schema there and ``create`` is false.
        SchemaVersionError: the schema is newer than this driftline.
        ServiceError: the database server cannot be reached.

    """
    db = parse_url(url)
    _check_file(db, create)
    engine = create_engine(db)
    try:
        with translate_errors(db):
            with engine.connect() as conn:
                revision = read_revision(conn)
            if revision is None and not create:
                raise WorkspaceNotFoundError(
                    f"{db.display} holds no driftline metadata (no {VERSION_TABLE} table); "
                    "create a workspace there first"
                )
            upgrade = revision is None or check_revision(revision, db.display)
            if db.path is not None:
                enable_wal(engine)
            if upgrade:
                writer = engine.execution_options(**{WRITE_OPTION: True})
                with writer.begin() as conn:
                    migrate(conn, db.display)
    except BaseException:
        engine.dispose()
        raise
    return MetadataStore(engine, db, clock=clock)
