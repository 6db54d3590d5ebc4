"""The endpoints a workspace-backed server adds: feedback, and rollouts.

=========================================  =========================================================
``POST /v2/models/{name}/feedback``        labels by request id: ``{"labels": {"<id>": label}}``
                                           (a list of labels for a request of several rows);
                                           admin or feedback token, served models only, bounded
``GET /admin/rollouts``                    the running rollouts: step, weights, live counters
                                           (admin token, unless reads are public)
``POST /admin/rollouts``                   start one (admin token): ``{"model", "version", "plan",
                                           "steps", "hold_requests", "tolerance", ...}``
=========================================  =========================================================

Feedback is checked in this order, so that a refused request costs the server little: the token
(401, 403), the model (404 unless the server serves it), the body's size (413, read as it streams
in), the number of labels (413), the model's rate (429 with ``Retry-After``), then the labels
themselves (400 naming the bad one). A refused request stores nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.rollout.engine import Plan, RolloutSpec
from driftline.serving.errors import RequestError
from driftline.serving.http import json_response, parse_json, read_body, refusal, whole
from driftline.serving.limits import LabelRate

if TYPE_CHECKING:
    from driftline.rollout.driver import RolloutDriver
    from driftline.serving.access import Access
    from driftline.serving.limits import FeedbackLimits
    from driftline.serving.observer import ServingObserver
    from driftline.serving.table import ModelTable

__all__ = ["observer_routes"]

_WHOLE = ("version", "hold_requests", "max_failed_checks", "min_labels")
"""The fields that are whole numbers (``2.0`` is taken as ``2``, as JSON has it)."""
_SPEC_KEYS = (
    "steps",
    "hold_requests",
    "hold_seconds",
    "max_failed_checks",
    "tolerance",
    "error_margin",
    "min_labels",
)


def _count_labels(labels: dict[Any, Any], most: int) -> int:
    """The labels in ``{request_id: label or [labels]}``; a 413 past ``most``."""
    if len(labels) > most:  # checked before counting rows, so a huge mapping costs nothing more
        raise RequestError(
            413, f"a feedback request takes at most {most} labels, got {len(labels)} request ids"
        )
    count = sum(len(v) if isinstance(v, list) else 1 for v in labels.values())
    if count > most:
        raise RequestError(413, f"a feedback request takes at most {most} labels, got {count}")
    return count


def observer_routes(
    observer: ServingObserver,
    table: ModelTable,
    *,
    access: Access,
    limits: FeedbackLimits,
    max_body_bytes: int,
) -> list[Route]:
    """The feedback and rollout routes of ``observer``, for the models in ``table``."""
    rate = LabelRate(limits.labels_per_minute)

    async def feedback(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            access.check_feedback(request)
            if name not in table:
                raise NotFoundError(
                    f"model {name!r} is not served here (served: {', '.join(table.names())})"
                )
            doc = parse_json(await read_body(request, min(max_body_bytes, limits.max_body_bytes)))
            if not isinstance(doc, dict) or not isinstance(doc.get("labels"), dict):
                raise RequestError(400, 'the body must be {"labels": {"<request id>": <label>}}')
            rate.take(name, _count_labels(doc["labels"], limits.max_labels))
            count = observer.on_feedback(name, doc["labels"])
        except (InputError, RequestError, ConflictError, NotFoundError) as exc:
            return refusal(exc)
        return json_response({"model": name, "labels": count})

    async def rollouts(request: Request) -> Response:
        driver = observer.rollouts
        try:
            if request.method == "GET":
                access.check_read(request)
            else:
                access.check_admin(request)
            if driver is None:
                raise NotFoundError("this server runs no rollouts (it serves no workspace)")
            if request.method == "GET":
                return json_response({"rollouts": driver.active()})
            doc = parse_json(await read_body(request, max_body_bytes))
            if not isinstance(doc, dict):
                raise RequestError(400, "the body must be a JSON object")
            spec = _spec(driver, table, doc)
            record = driver.store.request(
                spec, by=str(doc.get("by") or "http"), reason=str(doc.get("reason", ""))
            )
            driver.poll()
        except (InputError, RequestError, ConflictError, NotFoundError) as exc:
            return refusal(exc)
        return json_response({"rollout": record.name, **spec.to_dict()}, 202)

    return [
        Route("/v2/models/{name}/feedback", feedback, methods=["POST"]),
        Route("/admin/rollouts", rollouts, methods=["GET", "POST"]),
    ]


def _spec(driver: RolloutDriver, table: ModelTable, doc: dict[str, Any]) -> RolloutSpec:
    doc = {k: whole(v) if k in _WHOLE else v for k, v in doc.items()}
    name, version = doc.get("model"), doc.get("version")
    if not isinstance(name, str) or isinstance(version, bool) or not isinstance(version, int):
        raise RequestError(400, 'the body needs "model" (a name) and "version" (a whole number)')
    unknown = sorted(set(doc) - {"model", "version", "plan", "by", "reason", *_SPEC_KEYS})
    if unknown:
        raise RequestError(
            400,
            f"unknown field {unknown[0]!r}; fields: model, version, plan, {', '.join(_SPEC_KEYS)}",
        )
    champion = int(table.default_version(name))
    driver.registry.version(name, version)  # the candidate must be registered
    if version == champion:
        raise ConflictError(f"version {version} of {name!r} is already the champion")
    options = {k: doc[k] for k in _SPEC_KEYS if k in doc}
    try:
        if "steps" in options:
            options["steps"] = _steps(options["steps"])
        return RolloutSpec(name, champion, version, plan=Plan(doc.get("plan", "canary")), **options)
    except (TypeError, ValueError) as exc:
        raise RequestError(400, f"bad rollout: {exc}") from exc


def _steps(steps: Any) -> tuple[float, ...]:
    """A rollout's steps: percentages, in any order, taken in increasing order."""
    if (
        not isinstance(steps, list)
        or not steps
        or not all(isinstance(s, int | float) and not isinstance(s, bool) for s in steps)
        or not all(0 < s <= 100 for s in steps)
    ):
        raise RequestError(
            400, f'"steps" must be a non-empty array of percentages in (0, 100], got {steps!r}'
        )
    return tuple(sorted(steps))
