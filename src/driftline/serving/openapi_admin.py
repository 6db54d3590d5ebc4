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
_LABELS = ({"type": "boolean"}, {"type": "number"}, {"type": "string"})
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
    from driftline.monitor.logs.segments import MAX_REQUEST_ID

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
                        "propertyNames": {"minLength": 1, "maxLength": MAX_REQUEST_ID},
                        "description": "Request id (the x-request-id of the prediction) to its "
                        "label, or to the list of its rows' labels; every label of one request "
                        "of the same kind (booleans, numbers or strings).",
                        "anyOf": [
                            *({"additionalProperties": kind} for kind in _LABELS),
                            *(
                                {
                                    "additionalProperties": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": kind,
                                    }
                                }
                                for kind in _LABELS
                            ),
                        ],
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
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "description": "Percentages of traffic, taken in increasing order; a canary's "
            "reach 100.",
        },
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
                    "anyOf": [  # a canary (the default plan) ends at 100 %
                        {"required": ["plan"], "properties": {"plan": {"const": "shadow"}}},
                        {"required": ["plan"], "properties": {"plan": {"const": "blue-green"}}},
                        {"properties": {"steps": {"contains": {"const": 100}}}},
                    ],
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
