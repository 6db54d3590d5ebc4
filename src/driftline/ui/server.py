"""Running the dashboard: in the foreground (``driftline ui``) or on a thread (tests, the demo).

Examples:
    >>> import tempfile, urllib.request
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as tmp, Workspace.init(tmp + "/ws") as ws:
    ...     with UiServer(create_app(ws)) as server:
    ...         status = urllib.request.urlopen(server.url + "/api/openapi.json").status
    >>> status
    200

"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from driftline.core.errors import ServiceError
from driftline.ui.app import create_app

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["UiServer", "create_app"]


class UiServer:
    """The dashboard served by uvicorn on a thread, on 127.0.0.1 and a free port by default.

    Args:
        app: the app (:func:`~driftline.ui.app.create_app`).
        host: the address to listen on.
        port: the port (0: a free one; see :attr:`url`).
        timeout: seconds to wait for the server to start.

    """

    def __init__(
        self, app: Starlette, *, host: str = "127.0.0.1", port: int = 0, timeout: float = 30.0
    ) -> None:
        import uvicorn

        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="driftline-ui", daemon=True)
        self._host = host
        self._timeout = timeout
        self.port = port

    @property
    def url(self) -> str:
        """The dashboard's address, e.g. ``http://127.0.0.1:8081``."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> UiServer:
        """Start serving; return once the server listens (or raise after the timeout)."""
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(f"the dashboard did not start on {self._host}:{self.port}")
            time.sleep(0.01)
        sockets = [s for server in self._server.servers for s in server.sockets]
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=self._timeout)

    def __enter__(self) -> UiServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
