"""A fault-injecting HTTP proxy: forwards to a server on 127.0.0.1 and fails a seeded share.

:class:`FaultyProxy` listens on a free port of 127.0.0.1 (one thread per connection) and forwards
each request to ``upstream``. A seeded share of the requests fails, each in one of these ways:

- ``500``: answered ``500 InternalError`` (an S3 error document) without reaching the upstream;
- ``503``: answered ``503 SlowDown`` without reaching the upstream;
- ``drop``: the connection is closed without an answer, before the request is forwarded;
- ``lost``: the request *is* forwarded (the upstream acts on it), then the connection is closed
  without an answer: the client cannot know that its request succeeded.

``share`` can be changed while the proxy runs; ``counts`` says how many requests were forwarded and
how many failed each way.

Examples:
    >>> proxy = FaultyProxy("http://127.0.0.1:9", share=1.0, seed=3, kinds=("503",))
    >>> proxy.start()
    >>> import urllib.error, urllib.request
    >>> try:
    ...     urllib.request.urlopen(proxy.url + "/bucket")
    ... except urllib.error.HTTPError as exc:
    ...     print(exc.code)
    503
    >>> proxy.stop()
    >>> dict(proxy.counts)
    {'requests': 1, '503': 1}

"""

from __future__ import annotations

import http.client
import random
import threading
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["KINDS", "FaultyProxy"]

KINDS = ("500", "503", "drop", "lost")
"""Every way a request can fail."""

_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _any(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = proxy.draw()
        if fault in _ERRORS:
            self._error(*_ERRORS[fault])
            return
        if fault == "drop":
            self.close_connection = True
            return
        status, headers, answer = proxy.forward(self.command, self.path, self.headers, body)
        if fault == "lost":
            self.close_connection = True
            return
        head = self.command == "HEAD"  # its Content-Length is that of the object: kept
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in _HOP and (head or name.lower() != "content-length"):
                self.send_header(name, value)
        if not head:
            self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if not head:
            self.wfile.write(answer)

    def _error(self, status: int, code: str, message: str) -> None:
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        ).encode()
        self.send_response_only(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(document)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(document)
        self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultyProxy


class FaultyProxy:
    """A reverse proxy to ``upstream`` that fails a seeded ``share`` of requests (see above)."""

    def __init__(
        self, upstream: str, *, share: float, seed: int, kinds: Sequence[str] = KINDS
    ) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise ValueError(f"kinds must be some of {KINDS}, got {list(kinds)}")
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.share = share
        self.kinds = tuple(kinds)
        self.counts: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the proxy."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def draw(self) -> str | None:
        """Count one request and say how it fails (``None``: it is forwarded and answered)."""
        with self._lock:
            self.counts["requests"] += 1
            if self._random.random() >= self.share:
                return None
            kind = self._random.choice(self.kinds)
            self.counts[kind] += 1
            return kind

    def forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request to the upstream and read its whole answer."""
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            items = getattr(headers, "items")()  # noqa: B009 - an email.message.Message
            sent = {k: v for k, v in items if k.lower() not in _HOP}
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            conn.close()

    @property
    def failed(self) -> int:
        """How many requests failed so far."""
        return sum(self.counts[k] for k in KINDS)

    def start(self) -> None:
        """Start serving in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
