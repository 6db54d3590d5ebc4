"""Shared fixtures: real services (PostgreSQL, moto's S3 server), metadata backends, workspaces.

A test that needs a service is marked (``postgres``, ``s3``). When the service cannot be started the
test is skipped with the reason, except under ``CI=true``, where a missing service fails the run.

Every test that asks for a workspace (``ws``, or ``new_workspace`` to make its own; ``driftline
init`` takes ``new_workspace.init_args()``) or an empty metadata database (``store_url``) runs once
per metadata backend: ``[sqlite]`` and ``[postgres]`` (marked ``postgres``). One PostgreSQL server
serves the whole session; each test gets a new database on it, dropped after the test.
Variants of ``ws`` are fixtures that add to it and are named for what they add (``synth_span``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from driftline.cli.main import main
from driftline.core.clock import ManualClock
from driftline.testing import ServiceUnavailable

if TYPE_CHECKING:
    from driftline.data.spans import Span
    from driftline.testing.postgres import PostgresServer
    from driftline.workspace import Workspace

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
"""The metadata backends every workspace and store test runs on."""

Dump = dict[str, list[tuple[Any, ...]]]


_WORKER_TRIALS = pytest.StashKey[list[dict[str, Any]]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist's controller: keep the reliability trials a finished worker ran."""
    from tests.reliability.trials import WORKER_KEY

    trials = getattr(node, "workeroutput", {}).get(WORKER_KEY, [])
    node.config.stash.setdefault(_WORKER_TRIALS, []).extend(trials)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """pytest-xdist's controller: write the reliability trials of all workers as one report."""
    trials = session.config.stash.get(_WORKER_TRIALS, [])
    if trials:
        from tests.reliability.trials import report_path, write_trials

        write_trials(trials, report_path())


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which Playwright drives (its own browser download is not used)."""


def require(reason: str) -> None:
    """Skip (or, under CI=true, fail) because something a test needs is missing."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
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
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database on the session's PostgreSQL server.

    The database is dropped after the test, so that the server's folder stays small.
    """
    url = postgres_server.new_database()
    yield url
    drop_database(postgres_server, url)


def drop_database(server: PostgresServer, url: str) -> None:
    """Drop the database of ``url`` on ``server``, closing whatever connections are left on it."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The metadata backend under test (``sqlite`` or ``postgres``): one run of the test each."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database (no schema yet) on the backend under test."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'metadata.db'}"


def dump_database(url: str) -> Dump:
    """Every row of every driftline table and the schema version, sorted: 'nothing changed'."""
    import sqlalchemy as sa

    from driftline.store.sql.tables import metadata

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            out: Dump = {}
            for name in sorted(names & {*metadata.tables, "driftline_schema_version"}):
                rows = conn.execute(sa.text(f"SELECT * FROM {name}")).all()
                out[name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


def snapshot_files(folder: Path, *, skip: Path | None = None) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (but SQLite's -wal/-shm and ``skip``)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not p.name.endswith(("-wal", "-shm"))
        and (skip is None or p.resolve() != skip)
    }


def stored_state(folder: Path) -> tuple[dict[str, bytes], Dump]:
    """Every file of the workspace at ``folder`` and every row of its metadata: 'nothing changed'.

    The SQLite database file is compared by its rows, not its bytes.
    """
    from driftline.core.settings import Settings

    url = Settings.load(folder).metadata_url
    database = Path(url.removeprefix("sqlite:///")).resolve() if url.startswith("sqlite") else None
    return snapshot_files(folder, skip=database), dump_database(url)


@pytest.fixture
def dump(store_url: str) -> Callable[[], Dump]:
    """Call to get every stored row of the database of ``store_url``."""
    return lambda: dump_database(store_url)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at 2026-03-01 12:00 UTC."""
    return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


class WorkspaceMaker:
    """Makes workspaces on one metadata backend: ``new_workspace(folder)`` is ``Workspace.init``.

    On ``sqlite`` a workspace keeps its metadata in its own SQLite file; on ``postgres`` each one
    gets a new database on the session's server (recorded in its ``driftline.toml``, so that
    ``Workspace.open`` and child processes find it), dropped again by ``close``.
    """

    def __init__(self, backend: str, server: PostgresServer | None) -> None:
        self.backend = backend
        self._server = server
        self._urls: list[str] = []

    def metadata_url(self) -> str | None:
        """The metadata URL for one new workspace: a new PostgreSQL database, or None for SQLite."""
        if self._server is None:
            return None
        url = self._server.new_database()
        self._urls.append(url)
        return url

    def init_args(self) -> list[str]:
        """The options of ``driftline init`` that put one new workspace on this backend."""
        url = self.metadata_url()
        return [] if url is None else ["--metadata-url", url]

    def __call__(self, folder: Path, **kwargs: Any) -> Workspace:
        """Create a workspace in ``folder`` on this backend and open it (``Workspace.init``)."""
        from driftline.workspace import Workspace

        return Workspace.init(folder, metadata_url=self.metadata_url(), **kwargs)

    def close(self) -> None:
        """Drop every database this maker created."""
        if self._server is not None:
            for url in self._urls:
                drop_database(self._server, url)
        self._urls.clear()


def _maker(backend: str, request: pytest.FixtureRequest) -> WorkspaceMaker:
    server = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    return WorkspaceMaker(backend, server)


@pytest.fixture
def new_workspace(backend: str, request: pytest.FixtureRequest) -> Iterator[WorkspaceMaker]:
    """Makes workspaces on the backend under test; their databases are dropped after the test."""
    maker = _maker(backend, request)
    try:
        yield maker
    finally:
        maker.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_new_workspace(request: pytest.FixtureRequest) -> Iterator[WorkspaceMaker]:
    """``new_workspace`` for module-scoped fixtures: the module's tests run once per backend."""
    maker = _maker(str(request.param), request)
    try:
        yield maker
    finally:
        maker.close()


@pytest.fixture
def ws(new_workspace: WorkspaceMaker, tmp_path: Path) -> Iterator[Workspace]:
    """A new, empty workspace in ``tmp_path / "ws"`` on the metadata backend under test.

    Artifacts are local files; the metadata is the workspace's own SQLite file, or a new database
    on the session's PostgreSQL server (dropped after the test).
    """
    with new_workspace(tmp_path / "ws") as workspace:
        yield workspace


@pytest.fixture
def synth_span(ws: Workspace) -> Span:
    """Span 1 of dataset ``synth`` in ``ws``: the synthetic classification table of seed 0."""
    from tests.components.conftest import make_table

    return ws.ingest("synth", make_table(0), label="label")


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


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI in-process; returns exit code, stdout and stderr."""
    monkeypatch.setenv("COLUMNS", "200")
    for var in ("DRIFTLINE_WORKSPACE", "DRIFTLINE_METADATA_URL", "DRIFTLINE_ARTIFACTS_URL"):
        monkeypatch.delenv(var, raising=False)

    def _run(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args))
        captured = capsys.readouterr()
        code = info.value.code
        return Result(code if isinstance(code, int) else 1, captured.out, captured.err)

    return _run


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, driven by Playwright) for one test file.

    Stopped when the file's tests end: Playwright's sync API cannot start a second time while one
    runs, and while it runs it holds an event loop in the process's main thread, which would make
    every later ``asyncio.run`` in the process fail. Fails under CI=true when it is missing.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright is not installed")
    if not CHROMIUM.exists():
        require(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def wait_until_serving(proc: Any, port: int, err: Path, *, timeout: float = 60.0) -> None:
    """Poll ``GET /v2/health/ready`` on 127.0.0.1 until a ``driftline serve`` process answers 200.

    Fails with the process's stderr (``err``) if it exits first, or when ``timeout`` passes.
    """
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, err.read_text()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/v2/health/ready")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        except OSError:
            pass
        assert time.monotonic() < deadline, "driftline serve did not become ready"
        time.sleep(0.05)
