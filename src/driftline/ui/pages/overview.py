"""The overview page ``/`` and its JSON twin ``/api/overview`` (a first cut: the models)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route
from driftline.ui.responses import json_response, page

__all__ = ["ROUTES"]


def _models(request: Request) -> list[dict[str, object]]:
    return [
        {"name": m.name, "versions": m.versions, "aliases": dict(m.aliases)}
        for m in services(request).registry.overview()
    ]


def overview_page(request: Request) -> Response:
    """Every model with its versions and aliases."""
    return page(request, "overview.html", title="Overview", models=_models(request))


def overview_api(request: Request) -> Response:
    """The overview as JSON."""
    return json_response({"models": _models(request)})


ROUTES: list[BaseRoute] = [
    Route("/", overview_page, name="overview"),
    api_route("/api/overview", overview_api, summary="Every model, its champion and health"),
]
"""The overview page and its JSON twin."""
