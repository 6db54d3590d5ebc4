"""The dashboard app: :func:`create_app` builds it over an open workspace's services.

Examples:
    >>> import tempfile
    >>> from starlette.testclient import TestClient
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as tmp, Workspace.init(tmp + "/ws") as ws:
    ...     with TestClient(create_app(ws)) as client:
    ...         spec = client.get("/api/openapi.json").json()
    ...         missing = client.get("/no/such/page")
    >>> spec["openapi"], missing.status_code, "no page at &#39;/no/such/page&#39;" in missing.text
    ('3.1.0', 404, True)

"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from driftline.ui.auth import UiSettings
from driftline.ui.error_pages import ErrorPages, handlers
from driftline.ui.openapi import api_route, openapi_document
from driftline.ui.responses import json_response

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from driftline.ui.context import Services

__all__ = ["PAGES", "create_app"]

PAGES = ("overview", "models", "data", "runs", "lineage", "decisions", "actions")
"""The modules of :mod:`driftline.ui.pages`; each has ``ROUTES``, its pages and API routes."""

_CACHE = {"cache-control": "public, max-age=86400"}


def _plotly_js(request: Request) -> Response:
    """plotly.js from the installed ``plotly`` package (never a CDN)."""
    from starlette.responses import FileResponse

    from driftline.ui.errors import UiError

    try:
        path = resources.files("plotly") / "package_data" / "plotly.min.js"
    except ModuleNotFoundError:
        raise UiError(404, "plotly.js needs the ui extra: pip install 'driftline[ui]'") from None
    return FileResponse(str(path), media_type="text/javascript", headers=_CACHE)


def _openapi(request: Request) -> Response:
    """The OpenAPI document of every ``/api`` route."""
    return json_response(openapi_document(request.app.routes))


def page_routes() -> list[BaseRoute]:
    """The routes of every module of :data:`PAGES` (pages and their JSON twins)."""
    routes: list[BaseRoute] = []
    for name in PAGES:
        module = importlib.import_module(f"driftline.ui.pages.{name}")
        routes.extend(module.ROUTES)
    return routes


def create_app(
    services: Services,
    *,
    token: str | None = None,
    user: str = "dashboard",
    retrain: Callable[[str, str], dict[str, Any]] | None = None,
) -> Starlette:
    """The dashboard over ``services`` (a workspace, or its services).

    Args:
        services: what the pages read (and the actions change).
        token: the bearer token that allows actions; ``None``: read-only.
        user: who an action is recorded as when the request names nobody.
        retrain: queue a retrain (``reason``, ``by``) for the ``retrain`` action (the command
            line builds it from the policy); ``None``: that action answers 409.

    Raises:
        ImportError: without the ``ui`` extra (Starlette, Jinja2, plotly).

    """
    try:
        import jinja2  # noqa: F401
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles
    except ImportError as exc:
        raise ImportError(
            f"the dashboard needs the ui extra: pip install 'driftline[ui]' ({exc})"
        ) from exc
    routes: list[BaseRoute] = [
        Route("/static/plotly.min.js", _plotly_js, name="plotly"),
        Mount("/static", StaticFiles(packages=[("driftline.ui", "static")]), name="static"),
        api_route("/api/openapi.json", _openapi, summary="This document"),
        *page_routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers=handlers(),  # type: ignore[arg-type]
        middleware=[Middleware(ErrorPages)],
    )
    app.state.services = services
    app.state.ui = UiSettings(token=token, user=user, retrain=retrain)
    return app
