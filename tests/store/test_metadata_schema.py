"""The migrations and the table definitions agree, and the code knows the head revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from driftline.store.metadata import SCHEMA_HEAD, open_metadata_store
from driftline.store.sql import schema
from driftline.store.sql.tables import metadata


def test_schema_head_constant_equals_alembic_head() -> None:
    assert schema.alembic_head() == SCHEMA_HEAD == schema.SCHEMA_HEAD
    scripts = ScriptDirectory.from_config(schema.alembic_config())
    history = [rev.revision for rev in scripts.walk_revisions()]
    assert tuple(reversed(history)) == schema.SCHEMA_REVISIONS


def test_migrations_create_exactly_the_tables_in_code(store_url: str) -> None:
    open_metadata_store(store_url, create=True).close()
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": schema.VERSION_TABLE}
            )
            diff = compare_metadata(context, metadata)
            checks = {
                c["name"]
                for name in metadata.tables
                for c in sa.inspect(conn).get_check_constraints(name)
            }
    finally:
        engine.dispose()
    assert diff == []
    assert checks == {
        "ck_driftline_artifact_state",
        "ck_driftline_execution_state",
        "ck_driftline_event_kind",
    }


def test_downgrade_to_base_and_upgrade_again(store_url: str) -> None:
    open_metadata_store(store_url, create=True).close()
    engine = sa.create_engine(store_url)
    try:
        with engine.begin() as conn:
            command.downgrade(schema.alembic_config(conn), "base")
            assert schema.read_revision(conn) is None
            assert not set(metadata.tables) & set(sa.inspect(conn).get_table_names())
        with engine.begin() as conn:
            assert schema.migrate(conn, "test") is True
            assert schema.read_revision(conn) == SCHEMA_HEAD
            assert schema.migrate(conn, "test") is False
    finally:
        engine.dispose()
