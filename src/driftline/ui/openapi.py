"""The OpenAPI document of the dashboard's JSON API, built from its routes.

Every ``/api`` route is made with :func:`api_route`, which keeps a summary, the query parameters
and (optionally) a response schema with the route; :func:`openapi_document` turns the routes of
an app into OpenAPI 3.1.

Examples:
    >>> async def models(request): ...
    >>> route = api_route("/api/models/{name}", models, summary="One model",
    ...                   query={"limit": "integer: at most this many versions"})
    >>> document = openapi_document([route])
    >>> sorted(document["paths"]), document["paths"]["/api/models/{name}"]["get"]["summary"]
    (['/api/models/{name}'], 'One model')
    >>> [p["name"] for p in document["paths"]["/api/models/{name}"]["get"]["parameters"]]
    ['name', 'limit']

"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.routing import BaseRoute, Route

__all__ = ["ApiDoc", "api_route", "openapi_document", "paging_query"]

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_TYPES = {"int": "integer", "float": "number", "str": "string", "path": "string"}


@dataclass(frozen=True)
class ApiDoc:
    """What the OpenAPI document says of one route.

    Args:
        summary: one line.
        query: query parameter name → ``"type: description"`` (type one of string, integer,
            number, boolean; ``string`` when left out).
        response: a JSON schema of the answer (``{"type": "object"}`` when not given).
        body: a JSON schema of the request body (for ``POST``), or ``None``.
        auth: whether the route needs the bearer token.

    """

    summary: str
    query: Mapping[str, str] = field(default_factory=dict)
    response: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    auth: bool = False


def paging_query(noun: str) -> dict[str, str]:
    """The ``offset`` and ``limit`` query parameters of a list of ``noun`` (see ``ui.params``).

    >>> paging_query("runs")["limit"]
    'integer: at most this many runs'
    """
    return {
        "offset": f"integer: skip this many {noun}",
        "limit": f"integer: at most this many {noun}",
    }


def api_route(
    path: str,
    endpoint: Callable[..., Any],
    *,
    summary: str,
    methods: Sequence[str] = ("GET",),
    query: Mapping[str, str] | None = None,
    response: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    auth: bool = False,
    name: str | None = None,
) -> Route:
    """A Starlette route under ``/api`` that the OpenAPI document lists."""
    from starlette.routing import Route

    route = Route(path, endpoint, methods=list(methods), name=name)
    route.openapi = ApiDoc(summary, dict(query or {}), response, body, auth)  # type: ignore[attr-defined]
    return route


def _parameter(name: str, spec: str, where: str) -> dict[str, Any]:
    kind, _, description = spec.partition(":") if ":" in spec else ("string", "", spec)
    kind = kind.strip() or "string"
    out: dict[str, Any] = {"name": name, "in": where, "schema": {"type": kind}}
    if description.strip():
        out["description"] = description.strip()
    if where == "path":
        out["required"] = True
    return out


def _operation(path: str, doc: ApiDoc, method: str) -> dict[str, Any]:
    params = [
        _parameter(m.group(1), _TYPES.get(m.group(2) or "str", "string") + ":", "path")
        for m in _PARAM.finditer(path)
    ]
    params += [_parameter(k, v, "query") for k, v in doc.query.items()]
    error = {"$ref": "#/components/responses/Error"}
    operation: dict[str, Any] = {
        "summary": doc.summary,
        "parameters": params,
        "responses": {
            "200": {
                "description": "OK",
                "content": {
                    "application/json": {"schema": dict(doc.response or {"type": "object"})}
                },
            },
            "400": error,
            "404": error,
        },
    }
    if doc.body is not None and method != "get":
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": dict(doc.body)}},
        }
    if doc.auth:
        operation["security"] = [{"bearer": []}]
        operation["responses"]["401"] = error
        operation["responses"]["409"] = error
    return operation


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("driftline")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0"


def openapi_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the routes made by :func:`api_route`."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        doc = getattr(route, "openapi", None)
        if not isinstance(doc, ApiDoc):
            continue
        raw = str(getattr(route, "path", ""))
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", raw)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method == "HEAD":
                continue
            paths.setdefault(path, {})[method.lower()] = _operation(raw, doc, method.lower())
    error_schema = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
        "required": ["error", "status"],
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "driftline dashboard API", "version": _version()},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "what is wrong, naming it",
                    "content": {"application/json": {"schema": error_schema}},
                }
            },
        },
    }
