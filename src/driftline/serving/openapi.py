"""The OpenAPI 3 document of the model server (served at ``/openapi.json``).

Examples:
    >>> doc = openapi_document()
    >>> doc["openapi"], "/v2/models/{name}/infer" in doc["paths"]
    ('3.1.0', True)
    >>> "/v2/models/{name}/feedback" in openapi_document(observer=True)["paths"]
    True

The server serves this document with each served model's own paths and schemas in place of the
templated ones (:mod:`~driftline.serving.openapi_served`).

"""

from __future__ import annotations

import copy
import sys
from functools import lru_cache
from typing import Any

from driftline.serving.columns import DATATYPES

__all__ = ["driftline_version", "openapi_document"]


def driftline_version() -> str:
    """The version of driftline (from the root package, always imported before this one)."""
    return str(sys.modules["driftline"].__version__)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_DATATYPES = list(DATATYPES)
_TEXT = {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
_ERROR = _json(_ref("Error"), "The request was refused; the message names the problem.")
_PARAMS = {
    "type": "object",
    "properties": {
        "outliers": {
            "type": "boolean",
            "description": "true: also outlier_scores and outliers, one per row.",
        }
    },
}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_VERSION = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "Tensor": {
        "type": "object",
        "required": ["name", "shape", "datatype"],
        "properties": {
            "name": {"type": "string"},
            "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            "datatype": {"type": "string", "enum": _DATATYPES},
            "parameters": {"type": "object"},
            "data": {"type": "array", "description": "Row-major values, flat or nested."},
        },
    },
    "MetadataTensor": {
        "type": "object",
        "required": ["name", "datatype", "shape"],
        "properties": {
            "name": {"type": "string"},
            "datatype": {"type": "string"},
            "shape": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "InferenceRequest": {
        "type": "object",
        "required": ["inputs"],
        "properties": {
            "id": {"type": "string"},
            "parameters": {
                "type": "object",
                "properties": {
                    "outliers": {
                        "type": "boolean",
                        "description": "true: also the outputs outlier_score and outlier.",
                    }
                },
            },
            "inputs": {"type": "array", "minItems": 1, "items": _ref("Tensor")},
            "outputs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "enum": ["predict", "predict_proba"]},
                        "parameters": {"type": "object"},
                    },
                },
            },
        },
    },
    "InferenceResponse": {
        "type": "object",
        "required": ["model_name", "outputs"],
        "properties": {
            "model_name": {"type": "string"},
            "model_version": {"type": "string"},
            "id": {"type": "string"},
            "parameters": {"type": "object"},
            "outputs": {"type": "array", "items": _ref("Tensor")},
        },
    },
    "ModelMetadata": {
        "type": "object",
        "required": ["name", "platform", "inputs", "outputs"],
        "properties": {
            "name": {"type": "string"},
            "versions": {"type": "array", "items": {"type": "string"}},
            "platform": {"type": "string"},
            "inputs": {"type": "array", "items": _ref("MetadataTensor")},
            "outputs": {"type": "array", "items": _ref("MetadataTensor")},
            "parameters": {"type": "object"},
        },
    },
    "ServerMetadata": {
        "type": "object",
        "required": ["name", "version", "extensions"],
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "extensions": {"type": "array", "items": {"type": "string"}},
        },
    },
    "ScoringRequest": {
        "description": "Exactly one of the four input fields, and optionally params.",
        "oneOf": [
            {
                "type": "object",
                "required": [field],
                "properties": {field: schema, "params": _PARAMS},
                "additionalProperties": False,
            }
            for field, schema in (
                (
                    "dataframe_split",
                    {
                        "type": "object",
                        "properties": {
                            "columns": {"type": "array", "items": {"type": "string"}},
                            "data": {"type": "array", "minItems": 1, "items": {"type": "array"}},
                        },
                        "required": ["data"],
                    },
                ),
                (
                    "dataframe_records",
                    {"type": "array", "minItems": 1, "items": {"type": "object"}},
                ),
                ("instances", {"type": "array", "minItems": 1}),
                ("inputs", {"oneOf": [{"type": "object"}, {"type": "array", "minItems": 1}]}),
            )
        ],
    },
    "ScoringResponse": {
        "type": "object",
        "required": ["predictions"],
        "properties": {
            "predictions": {"type": "array"},
            "outlier_scores": {"type": "array", "items": {"type": ["number", "null"]}},
            "outliers": {"type": "array", "items": {"type": "boolean"}},
        },
    },
}


def _get(
    summary: str,
    schema: dict[str, Any] | None,
    *,
    params: list[Any] | None = None,
    errors: tuple[str, ...] = (),
) -> dict[str, Any]:
    ok = _json(schema, "OK") if schema is not None else {"description": "OK"}
    responses: dict[str, Any] = {"200": ok}
    for status in errors:
        responses[status] = _ERROR
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = params
    return {"get": op}


def _model_paths(prefix: str, params: list[Any]) -> dict[str, Any]:
    infer_body = {
        "required": True,
        "content": {
            "application/json": {"schema": _ref("InferenceRequest")},
            "application/octet-stream": {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": "Binary tensor data extension: the JSON request, then the "
                    "raw tensors; the header Inference-Header-Content-Length is the JSON's size.",
                }
            },
        },
    }
    infer_ok = _json(_ref("InferenceResponse"), "The requested outputs.")
    infer_ok["content"]["application/octet-stream"] = {
        "schema": {"type": "string", "format": "binary"}
    }
    return {
        prefix: _get("Model metadata", _ref("ModelMetadata"), params=params, errors=("404",)),
        prefix + "/ready": _get(
            "Model readiness",
            {
                "type": "object",
                "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}},
            },
            params=params,
            errors=("404",),
        ),
        prefix + "/infer": {
            "post": {
                "summary": "Inference (Open Inference Protocol v2)",
                "parameters": params,
                "requestBody": infer_body,
                "responses": {
                    "200": infer_ok,
                    **dict.fromkeys(("400", "404", "413", "415", "422"), _ERROR),
                },
            }
        },
    }


@lru_cache(maxsize=2)
def _document(observer: bool) -> dict[str, Any]:
    health = {"type": "object", "properties": {"live": {"type": "boolean"}}}
    ready = {"type": "object", "properties": {"ready": {"type": "boolean"}}}
    paths: dict[str, Any] = {
        "/v2/health/live": _get("Server liveness", health),
        "/v2/health/ready": _get("Server readiness", ready, errors=("503",)),
        "/v2": _get("Server metadata", _ref("ServerMetadata")),
        **_model_paths("/v2/models/{name}", [_NAME]),
        **_model_paths("/v2/models/{name}/versions/{version}", [_NAME, _VERSION]),
        "/invocations": {
            "post": {
                "summary": "Predict (MLflow scoring protocol)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("ScoringRequest")},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": _json(_ref("ScoringResponse"), "One prediction per row."),
                    **dict.fromkeys(("400", "404", "413", "415", "422"), _ERROR),
                },
            }
        },
        "/ping": _get("Health check (MLflow)", None),
        "/health": _get("Health check (MLflow)", None),
        "/version": {
            "get": {
                "summary": "Server version (MLflow)",
                "responses": {"200": _TEXT},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {"200": _TEXT},
            }
        },
        "/openapi.json": _get("This document", {"type": "object"}),
        "/admin/models/{name}/default": {
            "post": {
                "summary": "Switch the default version of a model",
                "parameters": [_NAME],
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["version"],
                                "properties": {"version": {"type": ["string", "integer"]}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "default_version": {"type": "string"},
                            },
                        },
                        "The new default version.",
                    ),
                    **dict.fromkeys(("400", "401", "403", "404", "413"), _ERROR),
                },
            }
        },
    }
    if observer:
        from driftline.serving.openapi_admin import observer_paths

        paths.update(observer_paths())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "driftline model server",
            "version": driftline_version(),
            "description": "Open Inference Protocol v2 and MLflow's scoring protocol.",
        },
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def openapi_document(*, observer: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every endpoint (a fresh copy).

    Args:
        observer: include the feedback and rollout endpoints a workspace-backed server adds
            (:mod:`driftline.serving.openapi_admin`).

    """
    return copy.deepcopy(_document(observer))
