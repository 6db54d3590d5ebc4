"""The OpenAPI document of a running server: every served model with its own paths and schemas.

:func:`served_document` takes the generic document
(:func:`~driftline.serving.openapi.openapi_document`) and replaces its templated model paths
(``/v2/models/{name}/infer``, ...) with one path per served model and version
(``/v2/models/churn/infer``, ``/v2/models/churn/versions/2/infer``, ...), each with the request
schema of that version's signature and an example the server accepts
(:mod:`~driftline.serving.openapi_models`). ``/invocations`` gets the schema of the model it
answers for; the admin and rollout bodies list the versions that exist. So every request the
document allows is one the server takes (it may still answer 404 or 409 when the models served
change, or 429 past a rate), and a client generator gets a typed method per model.

The binary tensor extension and CSV bodies are not in this document (JSON Schema cannot describe
them); the server takes them as the generic document says.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
    >>> from driftline.serving import ServedModel
    >>> from driftline.serving.table import ModelTable
    >>> sig = infer_signature(pa.table({"a": [1.0]}), np.array([0]))
    >>> loaded = LoadedModel(None, SklearnFlavor(), ModelMeta("sklearn", signature=sig))
    >>> doc = served_document(ModelTable([ServedModel("churn", 3, loaded)]))
    >>> [p for p in doc["paths"] if p.startswith("/v2/models")]  # doctest: +NORMALIZE_WHITESPACE
    ['/v2/models/churn', '/v2/models/churn/ready', '/v2/models/churn/infer',
     '/v2/models/churn/versions/3', '/v2/models/churn/versions/3/ready',
     '/v2/models/churn/versions/3/infer']

"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from driftline.serving.openapi import openapi_document
from driftline.serving.openapi_models import (
    infer_example,
    infer_schema,
    scoring_example,
    scoring_schema,
)
from driftline.serving.spec import ModelSpec
from driftline.serving.table import ModelTable

__all__ = ["served_document"]

_MODEL = "/v2/models/{name}"
_VERSION = "/v2/models/{name}/versions/{version}"


def _without_path_params(operation: dict[str, Any]) -> dict[str, Any]:
    op = copy.deepcopy(operation)
    op.pop("parameters", None)
    return op


def _model_paths(
    generic: Mapping[str, Any], prefix: str, template: str, spec: ModelSpec, *, observer: bool
) -> Any:
    """The metadata, ready and infer paths of one model (or version) at ``prefix``."""
    paths = {}
    for suffix in ("", "/ready", "/infer"):
        item = {m: _without_path_params(op) for m, op in generic[template + suffix].items()}
        paths[prefix + suffix] = item
    infer = paths[prefix + "/infer"]["post"]
    infer["operationId"] = "infer " + prefix.removeprefix("/v2/models/")
    infer["requestBody"]["content"] = {
        "application/json": {"schema": infer_schema(spec), "example": infer_example(spec)}
    }
    answered = infer["responses"]["200"]
    answered["headers"] = {
        "x-request-id": {
            "description": "The prediction's id (the request's id when it sent one that a "
            "header can carry): name it when sending the prediction's label.",
            "schema": {"type": "string"},
        }
    }
    if observer:
        answered["links"] = {
            "feedback": {
                "operationId": f"feedback {spec.name}",
                "description": "Send the label of this prediction, under its x-request-id.",
            }
        }
    return paths


def _feedback(generic: Mapping[str, Any], name: str) -> dict[str, Any]:
    item = {m: _without_path_params(op) for m, op in generic[_MODEL + "/feedback"].items()}
    item["post"]["operationId"] = f"feedback {name}"
    example = {"labels": {"<x-request-id of a prediction>": 1}}
    item["post"]["requestBody"]["content"]["application/json"]["example"] = example
    return item


def _admin_default(generic: Mapping[str, Any], versions: Sequence[str]) -> dict[str, Any]:
    item = {
        m: _without_path_params(op) for m, op in generic["/admin/models/{name}/default"].items()
    }
    body = item["post"]["requestBody"]["content"]["application/json"]
    numbers = [int(v) for v in versions if v.isdigit()]
    body["schema"]["properties"]["version"] = {"enum": [*versions, *numbers]}
    body["example"] = {"version": versions[0]}
    return item


def _rollouts(item: dict[str, Any], names: list[str], registered: Mapping[str, list[int]]) -> None:
    body = item["post"]["requestBody"]["content"]["application/json"]
    fields = body["schema"]["properties"]
    fields["model"] = {"enum": names}
    numbers = sorted({n for versions in registered.values() for n in versions})
    if numbers:
        fields["version"] = {"enum": numbers}
    candidates = [(n, v) for n in names for v in registered.get(n, [])[1:]]
    if candidates:
        body["example"] = {"model": candidates[0][0], "version": candidates[0][1]}


def served_document(
    table: ModelTable,
    *,
    observer: bool = False,
    invocations_model: str | None = None,
    registered: Mapping[str, list[int]] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document of a server of ``table`` (see the module docstring).

    Args:
        table: the served models.
        observer: the server has feedback and rollouts.
        invocations_model: the model ``/invocations`` answers for (default: the first served).
        registered: each model's registered version numbers (the versions a rollout may start).

    """
    doc = openapi_document(observer=observer)
    generic = doc["paths"]
    paths: dict[str, Any] = {}
    for path, item in generic.items():
        if "{name}" in path:
            continue
        paths[path] = item
    names = table.names()
    for name in names:
        entry = table.entry(name)
        default = entry.versions[entry.default].spec
        model = f"/v2/models/{name}"
        paths.update(_model_paths(generic, model, _MODEL, default, observer=observer))
        for key, served in entry.versions.items():
            prefix = f"/v2/models/{name}/versions/{key}"
            paths.update(_model_paths(generic, prefix, _VERSION, served.spec, observer=observer))
        if observer:
            paths[f"/v2/models/{name}/feedback"] = _feedback(generic, name)
        paths[f"/admin/models/{name}/default"] = _admin_default(generic, list(entry.versions))
    target = invocations_model or (names[0] if names else None)
    if target is not None and target in table:
        spec = table.resolve(target).spec
        body = paths["/invocations"]["post"]["requestBody"]
        body["content"] = {
            "application/json": {"schema": scoring_schema(spec), "example": scoring_example(spec)}
        }
    if observer and names:
        _rollouts(paths["/admin/rollouts"], names, registered or {})
    doc["paths"] = paths
    return doc
