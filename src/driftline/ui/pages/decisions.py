"""The decisions pages and their JSON twins.

``/decisions``: triggers, rollouts and saved backtests as one timeline, newest first;
``/decisions/backtests/{id}``: a saved backtest report.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route, paging_query
from driftline.ui.params import choice_param, paging, str_param
from driftline.ui.responses import json_response, page
from driftline.ui.views.decisions import DECISION_KINDS, Decisions, decisions_view

__all__ = ["ROUTES"]


def _decisions(request: Request) -> Decisions:
    kind = str_param(request, "kind")
    if kind is not None:
        kind = choice_param(request, "kind", "", DECISION_KINDS)
    model = str_param(request, "model")
    return decisions_view(services(request), paging(request), model=model, kind=kind)


def decisions_page(request: Request) -> Response:
    """The decisions, newest first, with their evidence."""
    view = _decisions(request)
    filters = {"model": view.model, "kind": view.kind}
    query = "".join(f"&{k}={quote(v)}" for k, v in filters.items() if v)
    return page(
        request,
        "decisions.html",
        title="Decisions",
        view=view,
        kinds=DECISION_KINDS,
        models=services(request).registry.models(),
        query=query,
    )


def decisions_api(request: Request) -> Response:
    """The decisions as JSON."""
    return json_response(_decisions(request))


def _report(request: Request) -> Any:
    from driftline.backtest.saved import load_report

    return load_report(services(request), int(request.path_params["id"]))


def backtest_page(request: Request) -> Response:
    """A saved backtest report: each method's accuracy, the policy's retrains, the curve."""
    from driftline.backtest.report import plot_svg

    saved = _report(request)
    report = saved.report
    methods = list(report.get("methods") or [])
    decisions = list(report.get("decisions") or [])
    curve = report.get("curve") or {}
    plot = plot_svg(
        [(str(m["name"]), list(m.get("curve") or [])) for m in methods],
        list(curve.get("rows") or []),
        [int(d["row"]) for d in decisions if d.get("blessed")],
    )
    metric = str((report.get("policy") or {}).get("gate", {}).get("metric", "accuracy"))
    return page(
        request,
        "backtest.html",
        title=f"Backtest {saved.id}: {saved.data}",
        saved=saved,
        report=report,
        methods=methods,
        decisions=decisions,
        metric=metric,
        plot=plot,
    )


def backtest_api(request: Request) -> Response:
    """A saved backtest report as JSON (the figures ``driftline backtest --json`` prints)."""
    return json_response(_report(request))


ROUTES: list[BaseRoute] = [
    Route("/decisions", decisions_page, name="decisions"),
    Route("/decisions/backtests/{id:int}", backtest_page, name="backtest"),
    api_route(
        "/api/decisions",
        decisions_api,
        summary="Trigger and rollout decisions and saved backtests, newest first",
        query={
            "kind": "string: " + ", ".join(DECISION_KINDS),
            "model": "string: only this model's decisions",
            **paging_query("decisions"),
        },
    ),
    api_route(
        "/api/decisions/backtests/{id:int}",
        backtest_api,
        summary="A saved backtest report: methods, retrains, accuracy over time",
    ),
]
"""The decisions pages and their JSON twins."""
