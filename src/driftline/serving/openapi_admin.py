"""The OpenAPI operations a workspace-backed server adds: feedback and rollouts.

Part of the document :func:`~driftline.serving.openapi.openapi_document` builds when the server
has an observer (see :mod:`driftline.serving.admin`).

Examples:
    >>> paths = observer_paths()
    >>> sorted(paths), sorted(paths["/admin/rollouts"])
    (['/admin/rollouts', '/v2/models/{name}/feedback'], ['get', 'post'])
    >>> sorted(paths["/v2/models/{name}/feedback"]["post"]["responses"])
    ['200', '400', '401', '403', '404', '413', '429']

"""

from __future__ import annotations

from typing import Any

__all__ = ["observer_paths"]

_ERROR = {
    "description": "The request was refused; the message names the problem.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_LABEL = {"type": ["boolean", "integer", "number", "string"]}
_RETRY = {
    **_ERROR,
    "description": "Over the model's labels per minute; Retry-After says when to try again.",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return dict.fromkeys(statuses, _ERROR)


def observer_paths() -> dict[str, Any]:
    """The paths of feedback and rollouts (a fresh dictionary)."""
    feedback = {
        "summary": "Labels of earlier predictions, by request id (admin or feedback token)",
        "parameters": [_NAME],
        "security": [{"bearer": []}],
        "requestBody": _json_body(
            {
                "type": "object",
                "required": ["labels"],
                "properties": {
                    "labels": {
                        "type": "object",
                        "minProperties": 1,
                        "description": "Request id (the x-request-id of the prediction) to its "
                        "label, or to the list of its rows' labels.",
                        "additionalProperties": {
                            "oneOf": [_LABEL, {"type": "array", "items": _LABEL}]
                        },
                    }
                },
            }
        ),
        "responses": {
            "200": _ok(
                {
                    "type": "object",
                    "properties": {"model": {"type": "string"}, "labels": {"type": "integer"}},
                },
                "The labels were accepted.",
            ),
            **_errors("400", "401", "403", "404", "413"),
            "429": _RETRY,
        },
    }
    spec_fields = {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "plan": {"type": "string", "enum": ["canary", "blue-green", "shadow"]},
        "steps": {"type": "array", "items": {"type": "number"}},
        "hold_requests": {"type": "integer", "minimum": 1},
        "hold_seconds": {"type": ["number", "null"], "minimum": 0},
        "max_failed_checks": {"type": "integer", "minimum": 1},
        "tolerance": {"type": "number", "minimum": 0},
        "error_margin": {"type": "number", "minimum": 0},
        "min_labels": {"type": "integer", "minimum": 1},
        "by": {"type": "string"},
        "reason": {"type": "string"},
    }
    rollouts = {
        "get": {
            "summary": "The running rollouts (admin token, unless reads are public)",
            "security": [{"bearer": []}, {}],
            "responses": {
                "200": _ok(
                    {"type": "object", "properties": {"rollouts": {"type": "object"}}},
                    "Each running rollout by model: step, weights, live counters.",
                ),
                **_errors("401", "403", "404"),
            },
        },
        "post": {
            "summary": "Start a rollout of a registered version (admin token)",
            "security": [{"bearer": []}],
            "requestBody": _json_body(
                {
                    "type": "object",
                    "required": ["model", "version"],
                    "properties": spec_fields,
                    "additionalProperties": False,
                }
            ),
            "responses": {
                "202": _ok(
                    {"type": "object", "properties": {"rollout": {"type": "string"}}},
                    "The rollout is recorded and starts at the next poll.",
                ),
                **_errors("400", "401", "403", "404", "409", "413"),
            },
        },
    }
    return {"/v2/models/{name}/feedback": {"post": feedback}, "/admin/rollouts": rollouts}
