"""The throw-away PostgreSQL server used by the tests and the benchmark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from driftline.testing import ServiceUnavailable
from driftline.testing.postgres import PostgresServer, find_bindir
from tests.conftest import require

pytestmark = pytest.mark.postgres


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _select_one(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT 1")).scalar_one())
    finally:
        engine.dispose()


def test_start_new_databases_and_stop(tmp_path: Path) -> None:
    try:
        server = PostgresServer.start(tmp_path)
    except ServiceUnavailable as exc:
        require(f"PostgreSQL: {exc}")
    try:
        pid = int((server.data / "postmaster.pid").read_text().split()[0])
        assert _alive(pid)
        assert server.url.startswith(f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/")
        assert _select_one(server.url) == 1
        first, second = server.new_database(), server.new_database()
        assert first != second
        assert _select_one(first) == _select_one(second) == 1
        named = server.new_database("my_db")
        assert named.endswith("/my_db")
        with pytest.raises(ValueError, match="identifier"):
            server.new_database('bad"; DROP')
        assert any(p.name.startswith(".s.PGSQL") for p in server.socket_dir.iterdir())
    finally:
        server.stop()
    assert not _alive(pid)
    assert not server.root.exists()
    server.stop()  # a second stop is harmless


def test_binaries_are_found() -> None:
    try:
        folder = find_bindir()
    except ServiceUnavailable as exc:
        require(f"PostgreSQL: {exc}")
    assert (folder / "initdb").is_file()
    assert (folder / "pg_ctl").is_file()
