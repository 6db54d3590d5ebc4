"""The run pages: ``/runs`` (newest first) and ``/runs/{run_id}`` (its step graph), and twins."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route, paging_query
from driftline.ui.params import choice_param, paging, str_param
from driftline.ui.responses import json_response, page, root
from driftline.ui.views.runs import RUN_STATES, run_view, runs_view

__all__ = ["ROUTES"]


def _runs(request: Request) -> tuple[list[object], dict[str, str | None]]:
    state = str_param(request, "state")
    if state is not None:
        state = choice_param(request, "state", "", RUN_STATES)
    pipeline = str_param(request, "pipeline")
    rows = runs_view(services(request), paging(request), state=state, pipeline=pipeline)
    return list(rows), {"state": state, "pipeline": pipeline}


def runs_page(request: Request) -> Response:
    """Pipeline runs, newest first."""
    rows, filters = _runs(request)
    query = "".join(f"&{k}={quote(v)}" for k, v in filters.items() if v)
    return page(
        request,
        "runs.html",
        title="Runs",
        runs=rows,
        filters=filters,
        paging=paging(request),
        states=RUN_STATES,
        query=query,
    )


def runs_api(request: Request) -> Response:
    """Pipeline runs as JSON."""
    rows, filters = _runs(request)
    return json_response({"runs": rows, **filters})


def run_page(request: Request) -> Response:
    """One run: its step graph, steps, parameters and artifacts."""
    view = run_view(services(request), request.path_params["run_id"], root(request))
    return page(request, "run.html", title=f"Run {view.record.short_id}", run=view)


def run_api(request: Request) -> Response:
    """One run as JSON."""
    return json_response(run_view(services(request), request.path_params["run_id"]))


ROUTES: list[BaseRoute] = [
    Route("/runs", runs_page, name="runs"),
    Route("/runs/{run_id}", run_page, name="run"),
    api_route(
        "/api/runs",
        runs_api,
        summary="Pipeline runs, newest first",
        query={
            "state": "string: " + ", ".join(RUN_STATES),
            "pipeline": "string: only this pipeline's runs",
            **paging_query("runs"),
        },
    ),
    api_route("/api/runs/{run_id}", run_api, summary="A run: steps, parameters, artifacts, graph"),
]
"""The run pages and their JSON twins."""
