"""The tables of the metadata store, as SQLAlchemy Core :class:`~sqlalchemy.Table` objects.

The migrations in :mod:`driftline.store.sql.migrations` create exactly these tables (a test
compares the two). Timestamps are stored in UTC and always read back as aware UTC datetimes;
JSON columns are ``JSONB`` on PostgreSQL and JSON text on SQLite.

Examples:
    >>> sorted(metadata.tables)[:2]
    ['driftline_artifact', 'driftline_association']

"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from driftline.core.clock import utc
from driftline.store.records import ArtifactState, EventKind, ExecutionState

__all__ = [
    "Id",
    "Json",
    "UTCDateTime",
    "artifact",
    "association",
    "attribution",
    "context",
    "event",
    "execution",
    "metadata",
]


def _one_of(column: str, values: list[str], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back as an aware UTC datetime, on every dialect."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (SQLite stores it without the zone)."""
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Attach (or convert to) UTC."""
        return None if value is None else utc(value)


Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""A JSON document: ``JSONB`` on PostgreSQL, JSON text elsewhere."""

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A surrogate key: ``BIGSERIAL`` on PostgreSQL, the rowid alias on SQLite."""

metadata = sa.MetaData()

artifact = sa.Table(
    "driftline_artifact",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("uri", sa.Text(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("properties", Json, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    _one_of("state", [s.value for s in ArtifactState], "ck_driftline_artifact_state"),
    sa.Index("ix_driftline_artifact_kind_created", "kind", "created_at"),
    sa.Index("ix_driftline_artifact_created", "created_at"),
    sa.Index("ix_driftline_artifact_name", "name"),
    sa.Index("ix_driftline_artifact_uri", "uri"),
)

execution = sa.Table(
    "driftline_execution",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("parameters", Json, nullable=False),
    sa.Column("code_version", sa.String(255), nullable=False),
    sa.Column("cache_key", sa.String(255), nullable=True),
    sa.Column("properties", Json, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    _one_of("state", [s.value for s in ExecutionState], "ck_driftline_execution_state"),
    sa.Index("ix_driftline_execution_kind_created", "kind", "created_at"),
    sa.Index("ix_driftline_execution_created", "created_at"),
    sa.Index("ix_driftline_execution_cache_key", "cache_key"),
    sa.Index("ix_driftline_execution_state", "state"),
)

event = sa.Table(
    "driftline_event",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("artifact_id", Id, sa.ForeignKey("driftline_artifact.id"), nullable=False),
    sa.Column("execution_id", Id, sa.ForeignKey("driftline_execution.id"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    _one_of("kind", [k.value for k in EventKind], "ck_driftline_event_kind"),
    sa.UniqueConstraint("execution_id", "kind", "name", "position", name="uq_driftline_event_port"),
    sa.Index("ix_driftline_event_artifact", "artifact_id", "kind", "execution_id"),
)

context = sa.Table(
    "driftline_context",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("properties", Json, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("kind", "name", name="uq_driftline_context_kind_name"),
)

attribution = sa.Table(
    "driftline_attribution",
    metadata,
    sa.Column("context_id", Id, sa.ForeignKey("driftline_context.id"), primary_key=True),
    sa.Column("artifact_id", Id, sa.ForeignKey("driftline_artifact.id"), primary_key=True),
    sa.Index("ix_driftline_attribution_artifact", "artifact_id"),
)

association = sa.Table(
    "driftline_association",
    metadata,
    sa.Column("context_id", Id, sa.ForeignKey("driftline_context.id"), primary_key=True),
    sa.Column("execution_id", Id, sa.ForeignKey("driftline_execution.id"), primary_key=True),
    sa.Index("ix_driftline_association_execution", "execution_id"),
)
