"""The endpoints a workspace-backed server adds: feedback, and rollouts.

=========================================  =========================================================
``POST /v2/models/{name}/feedback``        labels by request id: ``{"labels": {"<id>": label}}``
                                           (a list of labels for a request of several rows)
``GET /admin/rollouts``                    the running rollouts: step, weights, live counters
``POST /admin/rollouts``                   start one (token): ``{"model", "version", "plan",
                                           "steps", "hold_requests", "tolerance", ...}``
=========================================  =========================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.serving.errors import RequestError, status_of
from driftline.serving.http import (
    error_response,
    json_response,
    parse_json,
    read_body,
    require_token,
)
from driftline.serving.rollout import Plan, RolloutSpec

if TYPE_CHECKING:
    from driftline.serving.observer import ServingObserver

__all__ = ["observer_routes"]

_SPEC_KEYS = (
    "steps",
    "hold_requests",
    "hold_seconds",
    "max_failed_checks",
    "tolerance",
    "error_margin",
    "min_labels",
)


def observer_routes(
    observer: ServingObserver, *, token: str | None, max_body_bytes: int
) -> list[Route]:
    """The feedback and rollout routes of ``observer``."""

    async def feedback(request: Request) -> Response:
        try:
            doc = parse_json(await read_body(request, max_body_bytes))
            if not isinstance(doc, dict) or not isinstance(doc.get("labels"), dict):
                raise RequestError(400, 'the body must be {"labels": {"<request id>": <label>}}')
            name = request.path_params["name"]
            count = observer.on_feedback(name, doc["labels"])
        except (InputError, RequestError, ConflictError) as exc:
            return error_response(status_of(exc), str(exc))
        return json_response({"model": name, "labels": count})

    async def rollouts(request: Request) -> Response:
        driver = observer.rollouts
        if driver is None:
            return error_response(404, "this server runs no rollouts (it serves no workspace)")
        if request.method == "GET":
            return json_response({"rollouts": driver.active()})
        try:
            require_token(request, token)
            doc = parse_json(await read_body(request, max_body_bytes))
            if not isinstance(doc, dict):
                raise RequestError(400, "the body must be a JSON object")
            spec = _spec(observer, doc)
            record = driver.store.request(
                spec, by=str(doc.get("by") or "http"), reason=str(doc.get("reason", ""))
            )
            driver.poll()
        except (InputError, RequestError, ConflictError, NotFoundError) as exc:
            return error_response(status_of(exc), str(exc))
        return json_response({"rollout": record.name, **spec.to_dict()}, 202)

    return [
        Route("/v2/models/{name}/feedback", feedback, methods=["POST"]),
        Route("/admin/rollouts", rollouts, methods=["GET", "POST"]),
    ]


def _spec(observer: ServingObserver, doc: dict[str, Any]) -> RolloutSpec:
    driver = observer.rollouts
    assert driver is not None
    name, version = doc.get("model"), doc.get("version")
    if not isinstance(name, str) or isinstance(version, bool) or not isinstance(version, int):
        raise RequestError(400, 'the body needs "model" (a name) and "version" (a whole number)')
    unknown = sorted(set(doc) - {"model", "version", "plan", "by", "reason", *_SPEC_KEYS})
    if unknown:
        raise RequestError(
            400,
            f"unknown field {unknown[0]!r}; fields: model, version, plan, {', '.join(_SPEC_KEYS)}",
        )
    champion = int(driver.table.default_version(name))
    driver.registry.version(name, version)  # the candidate must be registered
    options = {k: doc[k] for k in _SPEC_KEYS if k in doc}
    try:
        if "steps" in options:
            options["steps"] = tuple(options["steps"])
        return RolloutSpec(name, champion, version, plan=Plan(doc.get("plan", "canary")), **options)
    except (TypeError, ValueError) as exc:
        raise RequestError(400, f"bad rollout: {exc}") from exc
