"""The initial schema: artifacts, executions, events, contexts, attributions, associations.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


ARTIFACT_STATES = ["PENDING", "LIVE", "MARKED_FOR_DELETION", "DELETED", "ABANDONED"]
EXECUTION_STATES = ["NEW", "RUNNING", "COMPLETE", "CACHED", "FAILED", "CANCELED"]
EVENT_KINDS = ["INPUT", "OUTPUT"]


def _one_of(column: str, values: list[str], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "driftline_artifact",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("properties", JSON, nullable=False),
        _when("created_at"),
        _one_of("state", ARTIFACT_STATES, "ck_driftline_artifact_state"),
    )
    op.create_index(
        "ix_driftline_artifact_kind_created", "driftline_artifact", ["kind", "created_at"]
    )
    op.create_index("ix_driftline_artifact_created", "driftline_artifact", ["created_at"])
    op.create_index("ix_driftline_artifact_name", "driftline_artifact", ["name"])
    op.create_index("ix_driftline_artifact_uri", "driftline_artifact", ["uri"])

    op.create_table(
        "driftline_execution",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("parameters", JSON, nullable=False),
        sa.Column("code_version", sa.String(255), nullable=False),
        sa.Column("cache_key", sa.String(255), nullable=True),
        sa.Column("properties", JSON, nullable=False),
        _when("created_at"),
        _when("started_at", nullable=True),
        _when("ended_at", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _one_of("state", EXECUTION_STATES, "ck_driftline_execution_state"),
    )
    op.create_index(
        "ix_driftline_execution_kind_created", "driftline_execution", ["kind", "created_at"]
    )
    op.create_index("ix_driftline_execution_created", "driftline_execution", ["created_at"])
    op.create_index("ix_driftline_execution_cache_key", "driftline_execution", ["cache_key"])
    op.create_index("ix_driftline_execution_state", "driftline_execution", ["state"])

    op.create_table(
        "driftline_event",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("artifact_id", ID, sa.ForeignKey("driftline_artifact.id"), nullable=False),
        sa.Column("execution_id", ID, sa.ForeignKey("driftline_execution.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _when("created_at"),
        _one_of("kind", EVENT_KINDS, "ck_driftline_event_kind"),
        sa.UniqueConstraint(
            "execution_id", "kind", "name", "position", name="uq_driftline_event_port"
        ),
    )
    op.create_index(
        "ix_driftline_event_artifact", "driftline_event", ["artifact_id", "kind", "execution_id"]
    )

    op.create_table(
        "driftline_context",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("properties", JSON, nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("kind", "name", name="uq_driftline_context_kind_name"),
    )

    op.create_table(
        "driftline_attribution",
        sa.Column("context_id", ID, sa.ForeignKey("driftline_context.id"), primary_key=True),
        sa.Column("artifact_id", ID, sa.ForeignKey("driftline_artifact.id"), primary_key=True),
    )
    op.create_index("ix_driftline_attribution_artifact", "driftline_attribution", ["artifact_id"])

    op.create_table(
        "driftline_association",
        sa.Column("context_id", ID, sa.ForeignKey("driftline_context.id"), primary_key=True),
        sa.Column("execution_id", ID, sa.ForeignKey("driftline_execution.id"), primary_key=True),
    )
    op.create_index("ix_driftline_association_execution", "driftline_association", ["execution_id"])


def downgrade() -> None:
    for table in (
        "driftline_association",
        "driftline_attribution",
        "driftline_context",
        "driftline_event",
        "driftline_execution",
        "driftline_artifact",
    ):
        op.drop_table(table)
