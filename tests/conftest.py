"""Shared fixtures: real services (PostgreSQL, moto's S3 server) and workspaces.

A test that needs a service is marked (``postgres``, ``s3``). When the service cannot be started the
test is skipped with the reason, except under ``CI=true``, where a missing service fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftline.testing import ServiceUnavailable

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require(reason: str) -> None:
    """Skip (or, under CI=true, fail) because something a test needs is missing."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A PostgreSQL server for the whole session, started from the installed binaries."""
    from driftline.testing.postgres import PostgresServer

    try:
        server = PostgresServer.start(tmp_path_factory.mktemp("postgres"))
    except ServiceUnavailable as exc:
        require(f"PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: object, request: pytest.FixtureRequest) -> str:
    """The SQLAlchemy URL of a new, empty database on the session's PostgreSQL server."""
    from driftline.testing.postgres import PostgresServer

    assert isinstance(postgres_server, PostgresServer)
    return postgres_server.new_database()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[object]:
    """moto's S3 server on 127.0.0.1 for the whole session."""
    from driftline.testing.s3 import MotoServer

    try:
        server = MotoServer.start()
    except ServiceUnavailable as exc:
        require(f"S3 (moto server): {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_url(s3_server: object) -> str:
    """An ``s3://`` URL of a new, empty bucket on the session's moto server."""
    from driftline.testing.s3 import MotoServer

    assert isinstance(s3_server, MotoServer)
    return s3_server.new_bucket()


@pytest.fixture
def shared_data() -> Path:
    """The folder of real data sets beside the repository (skipped, or failed in CI, if absent)."""
    if not SHARED_DATA.is_dir():
        require(f"the shared data folder {SHARED_DATA.name!r} is not beside the repository")
    return SHARED_DATA
