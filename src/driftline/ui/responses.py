"""How the dashboard answers: an HTML page from a template, or JSON for ``/api``.

Templates live in ``driftline/ui/templates`` and extend ``base.html``. Every template gets:
``request``; ``root`` (the prefix every link starts with: ``""``, or ``"/ui"`` when mounted in
``driftline serve --ui``); ``can_act`` (whether this request may act: the action buttons exist
only then); ``read_only`` (a sentence saying why not, or ``None``); ``nav``; ``plots`` (load
plotly.js: set it in the context of pages with plots).

"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from driftline.ui.jsonable import jsonable

if TYPE_CHECKING:
    from jinja2 import Environment
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response

__all__ = ["NAV", "is_api", "json_response", "page", "root"]

NAV = (
    ("Overview", "/"),
    ("Models", "/models"),
    ("Data", "/data"),
    ("Runs", "/runs"),
    ("Lineage", "/lineage"),
    ("Decisions", "/decisions"),
)
"""The navigation bar: (label, path) per page."""


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` (made :func:`jsonable`) as a JSON response."""
    from starlette.responses import Response

    body = json.dumps(jsonable(data), separators=(",", ":"), allow_nan=False)
    return Response(body, status_code=status, media_type="application/json")


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (its path, below the root, starts with ``/api``)."""
    path = request.url.path
    prefix = root(request)
    if prefix and path.startswith(prefix):
        path = path[len(prefix) :]
    return path == "/api" or path.startswith("/api/")


def root(request: Request) -> str:
    """The prefix of every link of the app (``""``, or where it is mounted, e.g. ``"/ui"``)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of the dashboard's templates (autoescape on, undefined refused)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = resources.files("driftline.ui") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from driftline.ui.plots import figure_json

    env.filters["figure_json"] = figure_json
    return env


def page(request: Request, template: str, /, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The HTML page ``template`` renders with ``context`` plus what every template gets."""
    from starlette.responses import HTMLResponse

    from driftline.ui.auth import can_act, read_only_reason

    base = {
        "request": request,
        "root": root(request),
        "can_act": can_act(request),
        "read_only": read_only_reason(request),
        "nav": NAV,
        "plots": False,
        "title": "driftline",
    }
    base.update(context)
    html = environment().get_template(template).render(**base)
    return HTMLResponse(html, status_code=status)
