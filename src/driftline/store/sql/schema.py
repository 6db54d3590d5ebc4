"""The schema version of a metadata database: read it, check it, and migrate with Alembic.

Alembic is imported only when a database has to be created or upgraded, so opening an up-to-date
workspace stays cheap. The revision history is kept in :data:`SCHEMA_REVISIONS` (a test checks
that it matches the migration scripts).

Examples:
    >>> SCHEMA_HEAD == SCHEMA_REVISIONS[-1]
    True
    >>> check_revision("9999", "sqlite:///ws/metadata.db")
    Traceback (most recent call last):
    ...
    driftline.core.errors.SchemaVersionError: the workspace's schema is newer than ...

"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from driftline.core.errors import SchemaVersionError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATIONS",
    "SCHEMA_HEAD",
    "SCHEMA_REVISIONS",
    "VERSION_TABLE",
    "alembic_config",
    "alembic_head",
    "check_revision",
    "migrate",
    "read_revision",
]

SCHEMA_REVISIONS: tuple[str, ...] = ("0001",)
"""Every revision of the schema this driftline knows, oldest first."""

SCHEMA_HEAD = SCHEMA_REVISIONS[-1]
"""The newest revision: what :func:`migrate` upgrades to."""

VERSION_TABLE = "driftline_schema_version"
"""The table in which Alembic records the schema revision."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic script folder."""

_LOCK_KEY = 0x64726C6D  # "drlm": the advisory lock that serialises migrations on PostgreSQL


def read_revision(conn: sa.Connection) -> str | None:
    """The schema revision recorded in the database, or ``None`` if it has no driftline schema.

    Raises:
        SchemaVersionError: the version table holds several revisions (a branched history).

    """
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if not rows:
        return None
    if len(rows) > 1:
        raise SchemaVersionError(
            f"the workspace's schema has several heads ({', '.join(sorted(rows))}); "
            "this driftline expects one"
        )
    return str(rows[0])


def check_revision(revision: str, display_url: str) -> bool:
    """Whether ``revision`` needs an upgrade to :data:`SCHEMA_HEAD`.

    Raises:
        SchemaVersionError: ``revision`` is unknown to this driftline (a newer one).

    """
    if revision == SCHEMA_HEAD:
        return False
    if revision in SCHEMA_REVISIONS:
        return True
    raise SchemaVersionError(
        f"the workspace's schema is newer than this driftline: {display_url} is at schema "
        f"revision {revision!r}, this driftline knows revisions up to {SCHEMA_HEAD!r}; "
        "upgrade driftline to use it"
    )


def alembic_config(conn: sa.Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, bound to ``conn`` if given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def alembic_head() -> str:
    """The head revision according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise SchemaVersionError(f"the migration scripts have {len(heads)} heads: {heads}")
    return heads[0]


def migrate(conn: sa.Connection, display_url: str) -> bool:
    """Create or upgrade the schema to :data:`SCHEMA_HEAD`, inside ``conn``'s write transaction.

    The revision is read again under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
    PostgreSQL), so that several processes opening a new workspace at once migrate it only once.

    Returns:
        whether anything was migrated.

    Raises:
        SchemaVersionError: the database is at a revision newer than this driftline knows.

    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    revision = read_revision(conn)
    if revision is not None and not check_revision(revision, display_url):
        return False
    from alembic import command

    command.upgrade(alembic_config(conn), "head")
    return True
