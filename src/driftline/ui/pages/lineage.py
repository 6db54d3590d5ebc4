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
from driftline.ui.context import Services, services
from driftline.ui.openapi import api_route
from driftline.ui.params import choice_param, int_param, str_param
from driftline.ui.responses import json_response, page, root
from driftline.ui.views.lineage import DIRECTIONS, artifact_label, lineage_view

__all__ = ["ROUTES"]

_QUERY = {
    "direction": "string: up, down or both",
    "depth": "integer: hops from the artifact (1 to 20)",
}


def _graph(request: Request) -> tuple[Any, Any, str, int]:
    direction = choice_param(request, "direction", "both", tuple(DIRECTIONS))
    depth = int_param(request, "depth", 3, low=1, high=20)
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


def _artifact(ws: Services, artifact_id: int) -> dict[str, Any]:
    artifact = ws.metadata.get_artifact(artifact_id)
    producers: list[dict[str, Any]] = []
    consumers: list[dict[str, Any]] = []
    for e in ws.metadata.events(artifact_id=artifact_id):
        x = ws.metadata.get_execution(e.execution_id)
        row = {
            "execution": x.id,
            "kind": x.kind,
            "state": x.state.value,
            "port": e.name,
            "run": x.properties.get("run"),
        }
        (producers if e.kind.value == "OUTPUT" else consumers).append(row)
    return {
        "id": artifact.id,
        "kind": artifact.kind,
        "name": artifact.name,
        "label": artifact_label(artifact),
        "state": artifact.state.value,
        "size": artifact.size,
        "created_at": artifact.created_at,
        "properties": dict(artifact.properties),
        "produced_by": producers,
        "used_by": consumers,
    }


def artifact_page(request: Request) -> Response:
    """An artifact: what it is, who made it, who used it."""
    doc = _artifact(services(request), request.path_params["id"])
    return page(request, "artifact.html", title=doc["label"], artifact=doc)


def artifact_api(request: Request) -> Response:
    """An artifact as JSON."""
    return json_response(_artifact(services(request), request.path_params["id"]))


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
        "/api/artifacts/{id:int}", artifact_api, summary="An artifact: what made and used it"
    ),
]
"""The lineage and artifact pages and their JSON twins."""
