"""The model pages: ``/models``, ``/models/{name}``, a version's card, and their JSON twins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from driftline.ui.context import services
from driftline.ui.openapi import api_route, paging_query
from driftline.ui.params import Paging, choice_param, int_param, paging, str_param, time_param
from driftline.ui.plots import heatmap_figure, line_figure
from driftline.ui.responses import json_response, page
from driftline.ui.views.model import model_view, models_view
from driftline.ui.views.model_series import SERIES_KINDS, ModelSeries, model_series
from driftline.ui.views.model_version import VersionView, version_view

__all__ = ["ROUTES"]

_SERIES_QUERY = {
    "version": "integer: only this version's windows",
    "since": "string: ISO 8601 time, the first instant shown",
    "until": "string: ISO 8601 time, the first instant no longer shown",
    "window": "string: the windows' length (10m, 1h, 1d, hour, day): a multiple of the stored one",
}


def _series(request: Request, name: str) -> ModelSeries:
    return model_series(
        services(request),
        name,
        version=int_param(request, "version", 0, low=1) or None,
        since=time_param(request, "since"),
        until=time_param(request, "until"),
        window=str_param(request, "window"),
    )


def _present(x: list[Any], y: list[Any]) -> tuple[list[Any], list[Any]]:
    """The points with a value (a window without rows has no share: not drawn as 0)."""
    kept = [(a, b) for a, b in zip(x, y, strict=True) if b is not None]
    return [a for a, _ in kept], [b for _, b in kept]


def _figures(series: ModelSeries) -> dict[str, object]:
    accuracy: dict[str, tuple[list[object], list[object]]] = {}
    for version, line in series.accuracy().items():
        accuracy[f"v{version} realised"] = (line["start"], line["realised"])
        if any(v is not None for v in line["estimated"]):
            accuracy[f"v{version} estimated"] = (line["start"], line["estimated"])
    mix = {label: _present(s["start"], s["share"]) for label, s in series.predictions().items()}
    outliers = {
        f"v{v}": _present(s["start"], s["rate"])
        for v, s in series.outliers().items()
        if any(r is not None for r in s["rate"])
    }
    drift = series.drift()
    mix_figure = line_figure(mix, title="Prediction mix", y_title="share of predictions")
    for trace in mix_figure["data"]:
        trace["stackgroup"] = "mix"  # stacked: the classes' shares add up to 1 in each window
    drift_figure = heatmap_figure(
        [s.strftime("%m-%d %H:%M:%S") for s in drift["start"]],
        drift["features"],
        drift["score"],
        title="Input drift per input (statistic / threshold: 1 or more drifted)",
        colorbar="score",
        z_range=(0.0, 3.0),
    )
    drift_figure["layout"]["xaxis"] = {"type": "category", "title": {"text": "window"}}
    return {
        "accuracy": line_figure(
            accuracy,
            title="Live accuracy per version",
            y_title="accuracy",
            y_range=(0, 1),
            dashed=[k for k in accuracy if k.endswith("estimated")],
        ),
        "predictions": mix_figure,
        "outliers": line_figure(outliers, title="Outlier rate", y_title="share of rows")
        if outliers
        else None,
        "drift": drift_figure,  # one column per window, however far apart they are
    }


def _pages(request: Request) -> tuple[Paging, Paging]:
    versions = paging(request, default_limit=20)
    history = Paging(int_param(request, "history_offset", 0, low=0), 20)
    return versions, history


def models_page(request: Request) -> Response:
    """Every registered model."""
    rows, total = models_view(services(request), paging(request))
    return page(
        request, "models.html", title="Models", models=rows, total=total, paging=paging(request)
    )


def models_api(request: Request) -> Response:
    """Every registered model as JSON."""
    rows, total = models_view(services(request), paging(request))
    return json_response({"models": [r.to_dict() for r in rows], "total": total})


def model_page(request: Request) -> Response:
    """A model: versions, aliases, the alias history, live series."""
    name = request.path_params["name"]
    versions, history = _pages(request)
    view = model_view(services(request), name, versions, history)
    series = _series(request, name)
    return page(
        request,
        "model.html",
        title=f"Model {name}",
        plots=bool(series.windows),
        model=view,
        series=series,
        figures=_figures(series) if series.windows else {},
        paging=versions,
        history_paging=history,
    )


def model_api(request: Request) -> Response:
    """A model as JSON (versions and history paginated)."""
    versions, history = _pages(request)
    return json_response(
        model_view(services(request), request.path_params["name"], versions, history)
    )


def series_api(request: Request) -> Response:
    """A model's live series (one kind, or all)."""
    kind = choice_param(request, "kind", "all", ("all", *SERIES_KINDS))
    series = _series(request, request.path_params["name"])
    return json_response(series.to_dict(None if kind == "all" else kind))


def _version(request: Request) -> VersionView:
    return version_view(
        services(request), request.path_params["name"], request.path_params["version"]
    )


def version_page(request: Request) -> Response:
    """A version's model card, training spans and monitor reference."""
    view = _version(request)
    return page(request, "model_version.html", title=view.card.ref, view=view, card=view.card)


def version_api(request: Request) -> Response:
    """A version's model card (and monitor reference) as JSON."""
    return json_response(_version(request))


_PAGING = paging_query("versions")

ROUTES: list[BaseRoute] = [
    Route("/models", models_page, name="models"),
    Route("/models/{name}", model_page, name="model"),
    Route("/models/{name}/versions/{version:int}", version_page, name="model_version"),
    api_route("/api/models", models_api, summary="Every registered model", query=_PAGING),
    api_route(
        "/api/models/{name}",
        model_api,
        summary="A model: versions, aliases, the alias history, active rollouts",
        query={**_PAGING, "history_offset": "integer: skip this many history entries"},
    ),
    api_route(
        "/api/models/{name}/versions/{version:int}",
        version_api,
        summary="A version's model card",
    ),
    api_route(
        "/api/models/{name}/series",
        series_api,
        summary="A model's live series: accuracy, prediction mix, outliers, input drift, latency",
        query={"kind": "string: " + ", ".join(("all", *SERIES_KINDS)), **_SERIES_QUERY},
    ),
]
"""The model pages and their JSON twins."""
