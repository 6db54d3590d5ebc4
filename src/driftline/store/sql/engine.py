"""Database URLs and engines: which URLs are accepted, and how each backend is tuned.

Accepted forms:

- ``sqlite:///PATH`` (relative) or ``sqlite:////ABSOLUTE/PATH``: a SQLite file, used in WAL mode
  with ``synchronous=NORMAL``, foreign keys on and a 30 s busy timeout; write transactions start
  with ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing.
- ``sqlite://`` or ``sqlite:///:memory:``: an in-memory database (one connection, for tests).
- ``postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DATABASE`` (``postgresql://`` means the same).
  A pooled connection is checked before use, so one cut by a server restart is replaced.

Examples:
    >>> parse_url("sqlite:////srv/ws/metadata.db").path
    PosixPath('/srv/ws/metadata.db')
    >>> parse_url("postgresql://ana:pw@db/dl").display
    'postgresql://ana:***@db/dl'
    >>> parse_url("mysql://db/dl")
    Traceback (most recent call last):
    ...
    driftline.core.errors.URLError: unsupported metadata database URL 'mysql://db/dl': ...

"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from driftline.core.errors import ServiceError, URLError, WorkspaceNotFoundError
from driftline.core.hashing import stable_json
from driftline.core.urls import redact_url

__all__ = [
    "ACCEPTED_FORMS",
    "BUSY_TIMEOUT_S",
    "WRITE_OPTION",
    "DatabaseURL",
    "create_engine",
    "parse_url",
    "translate_errors",
]

ACCEPTED_FORMS = (
    "sqlite:///PATH, sqlite:// (in memory) or "
    "postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
)
"""The URL forms that :func:`parse_url` accepts, for error messages."""

BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for the write lock before giving up."""

WRITE_OPTION = "driftline_write"
"""Execution option that marks a connection as a writer (``BEGIN IMMEDIATE`` on SQLite)."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
_MEMORY = re.compile(r"^sqlite(\+pysqlite)?://$", re.IGNORECASE)
_POSTGRES_DRIVERS = {"postgresql", "postgresql+psycopg", "postgres"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite"}


@dataclass(frozen=True)
class DatabaseURL:
    """A checked metadata database URL.

    Attributes:
        url: the SQLAlchemy URL, with the driver made explicit.
        display: the URL with any password redacted, safe to print.
        path: the SQLite file, or ``None`` (in memory, or PostgreSQL).

    """

    url: URL
    display: str
    path: Path | None

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.url.get_backend_name()

    @property
    def memory(self) -> bool:
        """Whether this is an in-memory SQLite database."""
        return self.dialect == "sqlite" and self.path is None

    @property
    def where(self) -> str:
        """``host:port`` of a server, or the SQLite file, for messages."""
        if self.dialect == "sqlite":
            return str(self.path) if self.path is not None else "memory"
        return f"{self.url.host or 'localhost'}:{self.url.port or 5432}"


def _bad(url: str, why: str) -> NoReturn:
    raise URLError(f"{why} {redact_url(url)!r}: accepted forms are {ACCEPTED_FORMS}")


def parse_url(url: str) -> DatabaseURL:
    """Check a metadata database URL and say which backend and file or server it names.

    Raises:
        URLError: the URL is empty, malformed or names an unsupported database; the message names
            the URL (password redacted) and the accepted forms.

    """
    if not isinstance(url, str) or not url.strip():
        _bad(str(url), "empty metadata database URL")
    match = _SCHEME.match(url)
    if match is None:
        _bad(url, "malformed metadata database URL")
    scheme = match.group(1).lower()
    if scheme not in _POSTGRES_DRIVERS | _SQLITE_DRIVERS:
        _bad(url, "unsupported metadata database URL")
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError):
        _bad(url, "malformed metadata database URL")
    if scheme in _SQLITE_DRIVERS:
        parsed = parsed.set(drivername="sqlite")
        database = parsed.database or ""
        if _MEMORY.match(url) or database == ":memory:":
            return DatabaseURL(parsed.set(database=None), redact_url(url), None)
        if not database or parsed.host or parsed.username:
            _bad(url, "malformed SQLite URL (no file path)")
        path = Path(database).expanduser().absolute()
        return DatabaseURL(parsed.set(database=str(path)), redact_url(url), path)
    parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.database:
        _bad(url, "PostgreSQL URL without a database name")
    try:
        _ = parsed.port
    except ValueError:
        _bad(url, "malformed PostgreSQL URL (bad port)")
    return DatabaseURL(parsed, redact_url(url), None)


def create_engine(db: DatabaseURL) -> Engine:
    """A SQLAlchemy engine for ``db``, tuned for its backend (see the module docstring)."""
    if db.dialect == "postgresql":
        return sa.create_engine(
            db.url,
            json_serializer=stable_json,
            pool_pre_ping=True,  # a connection cut by a server restart is replaced, not used
            connect_args={"connect_timeout": 10, "application_name": "driftline"},
        )
    if db.memory:
        engine = sa.create_engine(
            "sqlite://",
            json_serializer=stable_json,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = sa.create_engine(
            db.url,
            json_serializer=stable_json,
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
    sa_event.listen(engine, "connect", _sqlite_on_connect)
    sa_event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module: SQLAlchemy emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A writer takes the write lock at BEGIN, so it waits (busy timeout) instead of failing later
    # with "database is locked" when a deferred read transaction tries to become a write one.
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def enable_wal(engine: Engine, timeout: float = BUSY_TIMEOUT_S) -> None:
    """Put a SQLite file in WAL mode (persistent; a no-op when it already is).

    Switching the journal mode needs the file to itself, and SQLite answers "database is locked"
    at once (without its busy handler) while other connections, e.g. other processes creating the
    same new workspace, have it open. The switch is retried with a growing pause until ``timeout``
    seconds have passed.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute("PRAGMA journal_mode")
                (mode,) = cursor.fetchone() or ("",)
                if str(mode).lower() != "wal":
                    cursor.execute("PRAGMA journal_mode=WAL")
                return
            finally:
                cursor.close()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + pause > deadline:
                raise
        finally:
            raw.close()
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _first_line(exc: sa_exc.DBAPIError) -> str:
    text = str(exc.orig).strip() or type(exc.orig).__name__
    return text.splitlines()[0]


@contextmanager
def translate_errors(db: DatabaseURL) -> Iterator[None]:
    """Turn driver errors about reaching the database into driftline errors.

    Raises:
        WorkspaceNotFoundError: the PostgreSQL database does not exist, or the SQLite file is not
            a database.
        ServiceError: the server cannot be reached (naming host and port), or the database fails.

    """
    try:
        yield
    except sa_exc.DBAPIError as exc:
        message = _first_line(exc)
        if "not a database" in message:
            raise WorkspaceNotFoundError(
                f"{db.display} is not a driftline metadata database: {message}"
            ) from exc
        if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
            raise
        if db.dialect == "postgresql" and "does not exist" in message:
            raise WorkspaceNotFoundError(
                f"no metadata database at {db.display}: {message}"
            ) from exc
        if db.dialect == "postgresql":
            raise ServiceError(
                f"cannot reach the PostgreSQL server at {db.where} ({db.display}): {message}"
            ) from exc
        if message in {"disk I/O error", "database or disk is full"}:  # (EFBIG is an I/O error)
            message += " (is the disk full? free space, then run again)"
        raise ServiceError(f"cannot use the SQLite database {db.where}: {message}") from exc
