"""moto's S3 server on 127.0.0.1, in a child process, for tests and benchmarks.

The server is a real separate process speaking the S3 API over HTTP, so the code under test goes
through botocore, aiohttp and s3fs exactly as it would against AWS or MinIO.

Examples:
    >>> from driftline.store.artifacts import ArtifactStore
    >>> with MotoServer.start() as server:
    ...     url = server.new_bucket("doc-bucket")
    ...     with ArtifactStore(url, storage_options=server.storage_options).create() as store:
    ...         obj = store.put_bytes("a/b.txt", b"hi")
    ...         data = store.read_bytes(obj.uri, obj.sha256)
    ...         where = store.uri_for(obj.uri)
    >>> obj.uri, where, data, server.running
    ('artifact:a/b.txt', 's3://doc-bucket/a/b.txt', b'hi', False)

"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from typing import IO, Any

from driftline.core.closing import Closing
from driftline.testing import ServiceUnavailable

__all__ = ["MotoServer"]

ACCESS_KEY = "driftline-test"
"""The dummy access key id the server accepts (moto accepts any)."""

SECRET_KEY = "driftline-test-secret"
"""The dummy secret key."""

REGION = "us-east-1"
"""The region buckets are created in."""

_START_TIMEOUT = 30.0
_ATTEMPTS = 3


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            response.read()
    except urllib.error.HTTPError as exc:  # any HTTP answer means the server is up
        exc.close()
        return True
    except OSError:
        return False
    return True


class MotoServer(Closing):
    """moto's S3 server, started in a child process on a free port of 127.0.0.1.

    Use :meth:`start`, then :meth:`new_bucket` for each test, and :meth:`stop` (or a ``with``
    block) at the end; :attr:`storage_options` configure s3fs (and so an
    :class:`~driftline.store.artifacts.ArtifactStore`) for it.
    """

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
        self._process = process
        self._port = port
        self._log = log
        self._client: Any = None

    @classmethod
    def start(cls, timeout: float = _START_TIMEOUT) -> MotoServer:
        """Start the server and wait until it answers HTTP.

        Raises:
            ServiceUnavailable: moto (with its server extra) or boto3 is not installed, or the
                server did not come up within ``timeout`` seconds.

        """
        for module in ("moto", "moto.server", "boto3"):
            try:
                found = importlib.util.find_spec(module) is not None
            except ImportError:
                found = False
            if not found:
                raise ServiceUnavailable(
                    f"{module} is not installed: pip install 'moto[server]' boto3"
                )
        reason = "no attempt made"
        for _ in range(_ATTEMPTS):
            port = _free_port()
            log = tempfile.TemporaryFile(prefix="driftline-moto-")  # noqa: SIM115 (closed in stop)
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            server = cls(process, port, log)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                if _answers(server.endpoint_url + "/"):
                    return server
                time.sleep(0.05)
            reason = server._log_tail() or f"exit code {process.poll()}"
            server.stop()
        raise ServiceUnavailable(f"moto's S3 server did not start: {reason}")

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def storage_options(self) -> dict[str, Any]:
        """Options for ``s3fs.S3FileSystem`` (dummy credentials, this endpoint, us-east-1)."""
        return {
            "key": ACCESS_KEY,
            "secret": SECRET_KEY,
            "client_kwargs": {"endpoint_url": self.endpoint_url, "region_name": REGION},
        }

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process.poll() is None

    def client(self) -> Any:
        """A boto3 S3 client for this server (one per server, closed by :meth:`stop`)."""
        if self._client is None:
            boto3 = importlib.import_module("boto3")  # untyped; imported only when needed
            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                region_name=REGION,
            )
        return self._client

    def new_bucket(self, name: str | None = None) -> str:
        """Create an empty bucket (a new unique name by default); return ``s3://<bucket>``."""
        bucket = name or f"driftline-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=bucket)
        return f"s3://{bucket}"

    def _log_tail(self, limit: int = 2000) -> str:
        if self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-limit:].strip()

    def stop(self) -> None:
        """Stop the server process and release what it held (safe to call twice)."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if not self._log.closed:
            self._log.close()

    def close(self) -> None:
        """Stop the server (as :meth:`stop`)."""
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"MotoServer({self.endpoint_url!r}, {state})"
