"""Fixtures of the dashboard's tests: the app in process, served for real, and a browser.

- ``ui_client(ws, token=None)``: a factory of Starlette ``TestClient`` s over a workspace;
- ``ui_server(ws, token=None)``: a factory of real servers on 127.0.0.1 (closed after the test);
- ``browser``: headless Chromium (Debian's, driven by Playwright) for the session;
- ``open_page(url)``: a new page on which every request outside 127.0.0.1 is aborted, with the
  console errors and failed requests it met in ``page.problems``;
- ``demo_loop``: the demo's loop (``examples/demo.py``), run once per session in a workspace under
  the session's temporary folder.
"""

from __future__ import annotations

import importlib.util
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
"""Where the browser tests save a screenshot of each page (not tracked by git)."""
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def demo_module() -> ModuleType:
    """``examples/demo.py`` as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("demo", EXAMPLES / "demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def demo_loop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's loop, run once per session: its ``Loop`` (the folder, the days, the champion).

    A minute or two: the tests that take it are marked ``slow`` (and, as every test of one file
    runs on one worker, a file of them runs it once).
    """
    demo = demo_module()
    loop = demo.run_loop(tmp_path_factory.mktemp("demo") / "demo-workspace", say=lambda line: None)
    assert loop.closed, f"the demo's loop did not close: {loop.story}"
    return loop


@pytest.fixture
def ui_client() -> Iterator[Callable[..., Any]]:
    """Make a ``TestClient`` over the dashboard of a workspace (exceptions become pages)."""
    from starlette.testclient import TestClient

    from driftline.ui.app import create_app

    clients: list[Any] = []

    def make(ws: Any, token: str | None = None) -> Any:
        client = TestClient(create_app(ws, token=token), raise_server_exceptions=False)
        clients.append(client.__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def ui_server() -> Iterator[Callable[..., Any]]:
    """Make a real dashboard server (uvicorn on 127.0.0.1, a free port) over a workspace."""
    from driftline.ui.app import create_app
    from driftline.ui.server import UiServer

    servers: list[UiServer] = []

    def make(ws: Any, token: str | None = None) -> UiServer:
        servers.append(UiServer(create_app(ws, token=token)).start())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a URL in a new page; outside 127.0.0.1 every request is aborted and counted.

    ``page.problems`` lists console errors, page errors, failed requests and answers >= 400
    (each as text); a test asserts it is empty.
    """
    contexts: list[Any] = []

    def make(url: str, *, token: str | None = None) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        if token is not None:  # for the whole site (a cookie set for a page's URL has its path)
            site = "{0.scheme}://{0.netloc}/".format(urllib.parse.urlsplit(url))
            context.add_cookies([{"name": "driftline_token", "value": token, "url": site}])
        page = context.new_page()
        problems: list[str] = []

        def route(r: Any) -> None:
            if r.request.url.startswith("http://127.0.0.1:"):
                r.continue_()
            else:
                problems.append(f"request outside 127.0.0.1: {r.request.url}")
                r.abort()

        page.route("**/*", route)
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )
        page.problems = problems
        page.goto(url)
        return page

    yield make
    for context in contexts:
        context.close()
