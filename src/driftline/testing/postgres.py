"""A throw-away PostgreSQL server, started from the installed binaries in a temporary folder.

The server listens on a free port of 127.0.0.1 and on a unix socket in its folder, trusts every
local connection, and keeps nothing: :meth:`PostgresServer.stop` stops it and deletes its folder.
PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` system user.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from driftline.testing import ServiceUnavailable
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         server = PostgresServer.start(Path(folder))
    ...     except ServiceUnavailable:  # PostgreSQL is not installed here
    ...         url = "postgresql+psycopg://postgres@127.0.0.1:5432/example"
    ...     else:
    ...         url = server.new_database("example")
    ...         server.stop()
    >>> url.rsplit("/", 1)[1]
    'example'

"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
import weakref
from collections.abc import Mapping
from pathlib import Path

from driftline.testing import ServiceUnavailable

__all__ = ["PostgresServer", "find_bindir"]

_DEFAULT_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SOCKET_MAX = 100  # unix socket paths are limited to ~107 bytes
_counter = itertools.count(1)


def find_bindir() -> Path:
    """The folder of the PostgreSQL server binaries (``initdb``, ``pg_ctl``).

    Looks at ``pg_config --bindir``, then ``/usr/lib/postgresql/*/bin`` (newest first), then PATH.

    Raises:
        ServiceUnavailable: no PostgreSQL server binaries are installed.

    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_version_key, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise ServiceUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found via pg_config, "
        "/usr/lib/postgresql/*/bin or PATH; install the postgresql package"
    )


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handle:
    """The server process, shared with the finalizer (which must not hold the server itself)."""

    process: subprocess.Popen[bytes] | None = None


def _stop(handle: _Handle, pg_ctl: Path, data: Path, user: str | None, root: Path) -> None:
    """Stop the server (fast mode: roll back open transactions), reap it, delete its folder."""
    process = handle.process
    if process is not None and process.poll() is None:
        subprocess.run(
            [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"],
            capture_output=True,
            check=False,
            user=user,
            cwd=root,
            timeout=120,
        )
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    shutil.rmtree(root, ignore_errors=True)


def _ready(pid_file: Path) -> bool:
    """Whether the postmaster says it accepts connections (line 8 of ``postmaster.pid``)."""
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


class PostgresServer:
    """A PostgreSQL server in a temporary folder; start it with :meth:`start`.

    Attributes:
        port: the TCP port on 127.0.0.1.
        socket_dir: the folder of its unix socket.
        url: SQLAlchemy URL of its default database ``postgres``.

    """

    def __init__(self, *, bindir: Path, root: Path, port: int, user: str | None) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self.port = port
        self.user = user
        self._handle = _Handle()
        self._finalizer = weakref.finalize(
            self, _stop, self._handle, bindir / "pg_ctl", self.data, user, root
        )

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of database ``name`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    @classmethod
    def start(cls, base_dir: Path, *, settings: Mapping[str, str] | None = None) -> PostgresServer:
        """Create a cluster under ``base_dir`` and start a server on it.

        Args:
            base_dir: where to put the server's folder (under root, a new folder in the system
                temporary folder is used instead, so that the ``postgres`` user can reach it).
            settings: server settings on top of the defaults (``fsync=off``: fast, not durable).

        Raises:
            ServiceUnavailable: the binaries or the ``postgres`` user are missing, or the server
                does not start (the message holds the end of its log).

        """
        bindir = find_bindir()
        user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ServiceUnavailable(
                    "PostgreSQL refuses to run as root and there is no 'postgres' user to run it"
                ) from None
            user = "postgres"
        base = Path(base_dir)
        # The postgres user cannot reach pytest's 0700 folders of root, and socket paths are short.
        elsewhere = user is not None or len(str(base)) > _SOCKET_MAX - 40
        root = Path(tempfile.mkdtemp(prefix="driftline-pg-", dir=None if elsewhere else base))
        if user is not None:
            os.chmod(root, 0o755)
            shutil.chown(root, user=user)
        server = cls(bindir=bindir, root=root, port=0, user=user)
        try:
            server._initdb()
            server._launch({**_DEFAULT_SETTINGS, **(settings or {})})
        except BaseException:
            server.stop()
            raise
        return server

    def _env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}

    def _log_tail(self) -> str:
        log = self.root / "server.log"
        return log.read_text(errors="replace")[-2000:].strip() if log.exists() else ""

    def _initdb(self) -> None:
        args = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres"]
        args += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]
        try:
            done = subprocess.run(
                args,
                capture_output=True,
                text=True,
                user=self.user,
                cwd=self.root,
                env=self._env(),
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ServiceUnavailable(f"PostgreSQL initdb failed: {exc}") from exc
        if done.returncode != 0:
            raise ServiceUnavailable(
                f"PostgreSQL initdb failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}"
            )

    def _launch(self, settings: Mapping[str, str], timeout: float = 60.0) -> None:
        """Run ``postgres`` as our child (so that it is reaped) and wait until it is ready."""
        options = ["-c", "listen_addresses=127.0.0.1", "-k", str(self.socket_dir)]
        for key, value in settings.items():
            options += ["-c", f"{key}={value}"]
        for _attempt in range(3):
            self.port = _free_port()
            args = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
            with open(self.root / "server.log", "ab") as log:
                process = subprocess.Popen(
                    args + options,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    user=self.user,
                    cwd=self.root,
                    env=self._env(),
                    start_new_session=True,
                )
            self._handle.process = process
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if _ready(self.data / "postmaster.pid"):
                    return
                try:
                    process.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    continue
                break  # it exited
            if process.poll() is None:
                raise ServiceUnavailable(
                    f"PostgreSQL did not become ready in {timeout:.0f} s:\n{self._log_tail()}"
                )
            if "could not bind" not in self._log_tail():
                break
        raise ServiceUnavailable(f"PostgreSQL did not start:\n{self._log_tail()}")

    def new_database(self, name: str | None = None) -> str:
        """Create a new, empty database and return its SQLAlchemy URL.

        Args:
            name: the database name (lower-case identifier); a unique one by default.

        """
        if name is None:
            name = f"dl_{next(_counter)}_{uuid.uuid4().hex[:8]}"
        if not _NAME.match(name):
            raise ValueError(f"database name must be a lower-case identifier, got {name!r}")
        try:
            import psycopg
            from psycopg import sql
        except ImportError:
            raise ServiceUnavailable(
                "psycopg is not installed: pip install 'driftline[postgres]'"
            ) from None
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) and delete its folder; safe to call twice."""
        self._finalizer()

    def __repr__(self) -> str:
        return f"PostgresServer(port={self.port}, root={str(self.root)!r})"
