"""The lineage pages and an artifact's page, with their JSON twins.

``/lineage`` (pick an artifact), ``/lineage/{ref}`` (its graph), ``/artifacts/{id}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from driftline.store.queries import ArtifactQuery
from driftline.ui.context import services
from driftline.ui.openapi import api_route, paging_query
from driftline.ui.params import choice_param, int_param, paging, str_param
from driftline.ui.responses import json_response, page, root
from driftline.ui.views.artifact import artifact_view
from driftline.ui.views.lineage import DEFAULT_DEPTH, DIRECTIONS, artifact_label, lineage_view

__all__ = ["ROUTES"]

_QUERY = {
    "direction": "string: up, down or both",
    "depth": f"integer: hops from the artifact (1 to 20, default {DEFAULT_DEPTH})",
}


def _graph(request: Request) -> tuple[Any, Any, str, int]:
    direction = choice_param(request, "direction", "both", tuple(DIRECTIONS))
    depth = int_param(request, "depth", DEFAULT_DEPTH, low=1, high=20)
    artifact, graph = lineage_view(
        services(request),
        request.path_params["ref"],
        direction=direction,
        depth=depth,
        root=root(request),
    )
    return artifact, graph, direction, depth


def lineage_index(request: Request) -> Response:
    """A form for any reference, and the newest models and spans as links."""
    ref = str_param(request, "ref")
    if ref is not None:
        target = f"{root(request)}/lineage/{quote(ref, safe=':@/')}"
        return RedirectResponse(target, status_code=303)
    ws = services(request)
    newest = [
        (a.id, artifact_label(a))
        for kind in ("model_version", "span")
        for a in ws.metadata.artifacts(ArtifactQuery(kind=kind, limit=10))
    ]
    return page(request, "lineage_index.html", title="Lineage", newest=newest)


def lineage_page(request: Request) -> Response:
    """The lineage graph up and down from an artifact."""
    artifact, graph, direction, depth = _graph(request)
    return page(
        request,
        "lineage.html",
        title=f"Lineage of {artifact_label(artifact)}",
        artifact=artifact,
        graph=graph,
        direction=direction,
        depth=depth,
        ref=request.path_params["ref"],
    )


def lineage_api(request: Request) -> Response:
    """The lineage graph as JSON: nodes with their places, and edges."""
    artifact, graph, direction, depth = _graph(request)
    return json_response(
        {"artifact": artifact.id, "direction": direction, "depth": depth, **graph.to_dict()}
    )


def artifact_page(request: Request) -> Response:
    """An artifact: what it is, who made it, who used it."""
    pages = paging(request)
    view = artifact_view(services(request), request.path_params["id"], pages)
    return page(request, "artifact.html", title=view.label, artifact=view, paging=pages)


def artifact_api(request: Request) -> Response:
    """An artifact as JSON."""
    view = artifact_view(services(request), request.path_params["id"], paging(request))
    return json_response(view)


ROUTES: list[BaseRoute] = [
    Route("/lineage", lineage_index, name="lineage_index"),
    Route("/lineage/{ref:path}", lineage_page, name="lineage"),
    Route("/artifacts/{id:int}", artifact_page, name="artifact"),
    api_route(
        "/api/lineage/{ref:path}",
        lineage_api,
        summary="The lineage graph of an artifact",
        query=_QUERY,
    ),
    api_route(
        "/api/artifacts/{id:int}",
        artifact_api,
        summary="An artifact: what made it, and a page of the steps that read it",
        query={
            **paging_query("readers (newest first)"),
        },
    ),
]
"""The lineage and artifact pages and their JSON twins."""
