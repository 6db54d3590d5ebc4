"""Opening a metadata store: URLs, missing or foreign databases, schema versions (both backends)."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from driftline.core.errors import (
    SchemaVersionError,
    ServiceError,
    URLError,
    WorkspaceNotFoundError,
)
from driftline.store.metadata import SCHEMA_HEAD, open_metadata_store
from driftline.store.records import ContextRef, NewArtifact, NewExecution
from driftline.store.sql import schema
from driftline.store.sql.engine import WRITE_OPTION, create_engine, parse_url

ARTIFACT = NewArtifact("span", "file:///s", "0" * 64, 1)


def test_create_then_reopen_keeps_data(store_url: str) -> None:
    with open_metadata_store(store_url, create=True) as created:
        assert created.schema_version() == SCHEMA_HEAD
        made = created.put_artifact(ARTIFACT, contexts=[ContextRef("dataset", "d")])
    with open_metadata_store(store_url) as reopened:
        assert reopened.get_artifact(made.id) == made
    with open_metadata_store(store_url, create=True) as again:  # create on a workspace: no-op
        assert again.get_artifact(made.id) == made


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "metadata.db"
    with pytest.raises(WorkspaceNotFoundError, match=r"nope/metadata\.db"):
        open_metadata_store(f"sqlite:///{path}")
    with pytest.raises(WorkspaceNotFoundError, match="folder"):
        open_metadata_store(f"sqlite:///{path}", create=True)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(WorkspaceNotFoundError, match="does not exist"):
        open_metadata_store(f"sqlite:///{tmp_path / 'm.db'}")
    assert list(tmp_path.iterdir()) == []


def test_database_without_driftline_schema_is_refused_and_left_alone(
    backend: str, store_url: str, tmp_path: Path, dump: Callable[[], Any]
) -> None:
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE other_app (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO other_app VALUES (1)"))
    engine.dispose()
    files_before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WorkspaceNotFoundError) as err:
        open_metadata_store(store_url)
    assert parse_url(store_url).display in str(err.value)
    assert "no driftline metadata" in str(err.value)
    assert dump() == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before
    if backend == "sqlite":
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some text, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(WorkspaceNotFoundError, match="not a driftline metadata database"):
        open_metadata_store(f"sqlite:///{path}", create=True)
    assert path.read_bytes() == before


def _set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = :r"), {"r": revision}
        )
    engine.dispose()


def test_newer_schema_is_refused_and_nothing_changes(
    store_url: str, dump: Callable[[], Any]
) -> None:
    with open_metadata_store(store_url, create=True) as created:
        created.record_execution(NewExecution("train"), outputs={"m": ARTIFACT})
    _set_revision(store_url, "0999")
    before = dump()
    for create in (False, True):
        with pytest.raises(SchemaVersionError) as err:
            open_metadata_store(store_url, create=create)
        message = str(err.value)
        assert "newer than this driftline" in message
        assert "'0999'" in message
        assert repr(SCHEMA_HEAD) in message
        assert dump() == before


def test_older_known_schema_is_upgraded(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_metadata_store(store_url, create=True) as created:
        made = created.put_artifact(ARTIFACT)
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "0002_test.py").write_text(
        "from alembic import op\n"
        "revision = '0002'\ndown_revision = '0001'\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n"
        "    op.create_index('ix_test_sha', 'driftline_artifact', ['sha256'])\n"
        "def downgrade():\n"
        "    op.drop_index('ix_test_sha', 'driftline_artifact')\n"
    )
    monkeypatch.setattr(schema, "MIGRATIONS", migrations)
    monkeypatch.setattr(schema, "SCHEMA_REVISIONS", ("0001", "0002"))
    monkeypatch.setattr(schema, "SCHEMA_HEAD", "0002")
    with open_metadata_store(store_url) as upgraded:
        assert upgraded.schema_version() == "0002"
        assert upgraded.get_artifact(made.id) == made
    engine = sa.create_engine(store_url)
    try:
        indexes = {i["name"] for i in sa.inspect(engine).get_indexes("driftline_artifact")}
    finally:
        engine.dispose()
    assert "ix_test_sha" in indexes


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "postgres//x",
        "sqlite:/nope",
        "mysql://user@host/db",
        "sqlite:///",
        "postgresql+psycopg://user@host",
        "postgresql+psycopg://user@host:notaport/db",
        "http://example.com/db",
    ],
)
def test_malformed_or_unsupported_urls(url: str, tmp_path: Path) -> None:
    with pytest.raises(URLError) as err:
        open_metadata_store(url, create=True)
    message = str(err.value)
    assert repr(url) in message
    assert "sqlite:///PATH" in message
    assert "postgresql+psycopg://" in message


def test_url_errors_redact_passwords() -> None:
    with pytest.raises(URLError) as err:
        open_metadata_store("mysql://ana:s3cret@db/x")
    assert "s3cret" not in str(err.value)
    assert "***" in str(err.value)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_postgres_is_a_service_error() -> None:
    port = _closed_port()
    url = f"postgresql+psycopg://ana:s3cret@127.0.0.1:{port}/dl"
    with pytest.raises(ServiceError) as err:
        open_metadata_store(url)
    message = str(err.value)
    assert f"127.0.0.1:{port}" in message
    assert "s3cret" not in message


@pytest.mark.postgres
def test_missing_postgres_database_is_not_a_workspace(postgres_server: Any) -> None:
    url = postgres_server.database_url("no_such_db")
    with pytest.raises(WorkspaceNotFoundError, match="no_such_db"):
        open_metadata_store(url, create=True)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite(url: str) -> None:
    with open_metadata_store(url, create=True) as store:
        rec = store.record_execution(NewExecution("t"), outputs={"o": ARTIFACT})
        assert store.lineage(rec.outputs["o"][0].id).executions.keys() == {rec.execution.id}
        assert store.url == url


@pytest.mark.postgres
def test_store_url_is_redacted(postgres_url: str) -> None:
    with_password = postgres_url.replace("postgres@", "postgres:s3cret@", 1)
    with open_metadata_store(with_password, create=True) as store:  # trust auth ignores it
        assert "s3cret" not in store.url
        assert "postgres:***@" in store.url
        assert "s3cret" not in repr(store)


def test_sqlite_is_tuned_for_concurrent_writers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    open_metadata_store(url, create=True).close()
    engine = create_engine(parse_url(url))
    begins: list[str] = []
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: begins.append(statement) if "BEGIN" in statement else None,
    )
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
            conn.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 30000,
    }


def test_importing_the_facade_does_not_import_alembic() -> None:
    code = (
        "import sys, driftline.store.metadata as m; print('alembic' in sys.modules, m.SCHEMA_HEAD)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", SCHEMA_HEAD]
