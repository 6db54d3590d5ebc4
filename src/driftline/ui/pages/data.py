"""The data pages: datasets, a dataset's spans, a span's profile, a schema; and their twins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route, paging_query
from driftline.ui.params import paging
from driftline.ui.plots import bar_figure, line_figure
from driftline.ui.responses import json_response, page
from driftline.ui.views.data import dataset_view, datasets_view
from driftline.ui.views.data_schema import schema_view
from driftline.ui.views.data_span import span_view

__all__ = ["ROUTES"]


def datasets_page(request: Request) -> Response:
    """Every dataset with its newest span."""
    rows, total = datasets_view(services(request), paging(request))
    return page(
        request, "data.html", title="Data", datasets=rows, total=total, paging=paging(request)
    )


def datasets_api(request: Request) -> Response:
    """Every dataset as JSON."""
    rows, total = datasets_view(services(request), paging(request))
    return json_response({"datasets": rows, "total": total})


def _dataset(request: Request) -> tuple[str, Any, int]:
    name = request.path_params["dataset"]
    rows, total = dataset_view(services(request), name, paging(request, default_limit=20))
    return name, rows, total


def dataset_page(request: Request) -> Response:
    """A dataset's spans, newest first, with drift against the span before."""
    name, rows, total = _dataset(request)
    ordered = list(reversed(rows))
    x = [f"span {r.number}" for r in ordered]
    figures = {
        "rows": bar_figure(x, [r.rows for r in ordered], title="Rows per span"),
        "drift": line_figure(
            {"drifted share": (x, [r.drift_share for r in ordered])},
            title="Share of columns drifted from the span before",
            y_range=(0, 1),
        ),
    }
    return page(
        request,
        "dataset.html",
        title=f"Dataset {name}",
        dataset=name,
        spans=rows,
        total=total,
        paging=paging(request, default_limit=20),
        figures=figures,
        plots=True,
    )


def dataset_api(request: Request) -> Response:
    """A dataset's spans as JSON."""
    name, rows, total = _dataset(request)
    return json_response({"dataset": name, "spans": rows, "total": total})


def _span(request: Request) -> Any:
    return span_view(
        services(request), request.path_params["dataset"], request.path_params["number"]
    )


def span_page(request: Request) -> Response:
    """A span's profile: a histogram per column, its drift and anomalies."""
    view = _span(request)
    figures = {
        c.name: bar_figure(
            c.bars["x"], c.bars["count"], title=c.name, width=c.bars.get("width"), height=200
        )
        for c in view.columns
        if c.bars["x"]
    }
    return page(
        request,
        "span.html",
        title=f"{view.span.dataset}:{view.span.number}",
        view=view,
        figures=figures,
        plots=bool(figures),
    )


def span_api(request: Request) -> Response:
    """A span's profile as JSON."""
    return json_response(_span(request))


def schema_page(request: Request) -> Response:
    """A dataset's schema and its versions."""
    view = schema_view(services(request), request.path_params["dataset"])
    return page(request, "schema.html", title=f"Schema of {view.dataset}", view=view)


def schema_api(request: Request) -> Response:
    """A dataset's schema and versions as JSON."""
    return json_response(schema_view(services(request), request.path_params["dataset"]))


ROUTES: list[BaseRoute] = [
    Route("/data", datasets_page, name="data"),
    Route("/data/{dataset}", dataset_page, name="dataset"),
    Route("/data/{dataset}/spans/{number:int}", span_page, name="span"),
    Route("/data/{dataset}/schema", schema_page, name="schema"),
    api_route("/api/data", datasets_api, summary="Every dataset", query=paging_query("datasets")),
    api_route(
        "/api/data/{dataset}",
        dataset_api,
        summary="A dataset's spans, newest first, with drift against the span before",
        query=paging_query("spans"),
    ),
    api_route(
        "/api/data/{dataset}/spans/{number:int}",
        span_api,
        summary="A span's profile: histograms, drift against the span before, anomalies",
    ),
    api_route("/api/data/{dataset}/schema", schema_api, summary="A dataset's schema and versions"),
]
"""The data pages and their JSON twins."""
