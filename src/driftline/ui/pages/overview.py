"""The overview page ``/`` and its JSON twin ``/api/overview``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route
from driftline.ui.plots import line_figure
from driftline.ui.responses import json_response, page
from driftline.ui.views.overview import overview

__all__ = ["ROUTES"]


def overview_page(request: Request) -> Response:
    """Every model with its health, then decisions, rollouts, jobs, datasets, controllers."""
    view = overview(services(request))
    figures = {
        m.name: line_figure(
            {
                "realised": (m.trend["start"], m.trend["realised"]),
                "estimated": (m.trend["start"], m.trend["estimated"]),
            },
            title=f"v{m.champion} live accuracy",
            y_range=(0, 1),
            dashed=["estimated"],
        )
        for m in view.models
        if m.trend["start"]
    }
    for figure in figures.values():  # a small plot: the legend above it, the card's width
        figure["layout"].update(
            height=240,
            legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
            margin={"l": 40, "r": 10, "t": 60, "b": 50},
        )
    return page(
        request,
        "overview.html",
        title="Overview",
        view=view,
        figures=figures,
        plots=bool(figures),
    )


def overview_api(request: Request) -> Response:
    """The overview as JSON."""
    return json_response(overview(services(request)))


ROUTES: list[BaseRoute] = [
    Route("/", overview_page, name="overview"),
    api_route(
        "/api/overview",
        overview_api,
        summary="Every model's champion and health, decisions, rollouts, jobs, datasets",
    ),
]
"""The overview page and its JSON twin."""
