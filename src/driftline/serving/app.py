"""The model server as a Starlette application: :func:`create_app`.

Endpoints (the OpenAPI document at ``/openapi.json`` describes each):

=========================================================  =====================================
``GET /v2/health/live``, ``GET /v2/health/ready``          Open Inference Protocol health
``GET /v2``                                                server metadata
``GET /v2/models/{name}[/versions/{v}]``                   model metadata (inputs, outputs)
``GET /v2/models/{name}[/versions/{v}]/ready``             model readiness
``POST /v2/models/{name}[/versions/{v}]/infer``            inference (JSON or binary tensors)
``POST /invocations``                                      MLflow scoring (JSON or CSV)
``GET /ping``, ``GET /health``, ``GET /version``           MLflow's health and version
``GET /metrics``                                           Prometheus metrics
``GET /openapi.json``                                      the OpenAPI 3 document
``POST /admin/models/{name}/default``                      switch the default version (token)
=========================================================  =====================================

The endpoints are grouped by protocol: :mod:`~driftline.serving.oip_endpoints`,
:mod:`~driftline.serving.mlflow_endpoints` (both on :mod:`~driftline.serving.endpoints`); the
feedback and rollout endpoints an observer adds are in :mod:`~driftline.serving.admin`.

Who may call what is :class:`~driftline.serving.access.Access`: predictions, health, metadata and
metrics are open; writes need the admin bearer token.

Predictions of small requests run on the event loop (a thread hop costs more than a 1-row
prediction); requests of more than ``inline_cells`` values run in a worker thread, so that health
checks and small requests keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftline.core.errors import InputError
from driftline.serving.access import Access
from driftline.serving.endpoints import log
from driftline.serving.errors import RequestError
from driftline.serving.http import (
    error_response,
    json_response,
    parse_json,
    read_body,
    whole,
)
from driftline.serving.limits import FeedbackLimits
from driftline.serving.metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from driftline.serving.mlflow_endpoints import MlflowEndpoints
from driftline.serving.oip_endpoints import OipEndpoints
from driftline.serving.table import ModelTable, ServedModel

if TYPE_CHECKING:
    from driftline.serving.observer import ServingObserver

__all__ = ["create_app"]


class _Server(OipEndpoints, MlflowEndpoints):
    """Every endpoint of the model server, and the routes to them in the order they match."""

    async def metrics_text(self, request: Request) -> Response:
        self._label(request, "metrics")
        logs = self.observer.log_stats() if self.observer is not None else None
        return Response(self.metrics.render(self.table, logs), media_type=CONTENT_TYPE)

    async def openapi(self, request: Request) -> Response:
        self._label(request, "openapi")
        from driftline.serving.openapi_served import served_document

        registered: dict[str, list[int]] = {}
        rollouts = self.observer.rollouts if self.observer is not None else None
        if rollouts is not None:
            try:
                for name in self.table.names():
                    registered[name] = [v.number for v in rollouts.registry.versions(name)]
            except Exception:  # the registry is away: the document lists no versions then
                log.exception("could not list the registered versions for /openapi.json")
        doc = served_document(
            self.table,
            observer=self.observer is not None,
            invocations_model=self.invocations_model,
            registered=registered,
        )
        return json_response(doc)

    async def set_default(self, request: Request) -> Response:
        self._label(request, "admin")
        try:
            self.access.check_admin(request)
            doc = parse_json(await read_body(request, self.max_body_bytes))
            version = whole(doc.get("version")) if isinstance(doc, dict) else None
            if not isinstance(version, str | int) or isinstance(version, bool):
                raise RequestError(400, 'the body must be {"version": "<version>"}')
            name = request.path_params["name"]
            self.table.set_default(name, version)
        except Exception as exc:
            return self._fail(exc)
        return json_response({"name": name, "default_version": self.table.default_version(name)})

    def routes(self) -> list[Route]:
        model = "/v2/models/{name}"
        version = "/v2/models/{name}/versions/{version}"
        return [  # the prediction endpoints first: routes are matched in order
            Route(model + "/infer", self.infer, methods=["POST"]),
            Route(version + "/infer", self.infer, methods=["POST"]),
            Route("/invocations", self.invocations, methods=["POST"]),
            Route("/v2/health/live", self.live),
            Route("/v2/health/ready", self.ready),
            Route("/v2", self.server_metadata),
            Route(model, self.model_metadata),
            Route(version, self.model_metadata),
            Route(model + "/ready", self.model_ready),
            Route(version + "/ready", self.model_ready),
            Route("/ping", self.ping),
            Route("/health", self.ping),
            Route("/version", self.version),
            Route("/metrics", self.metrics_text),
            Route("/openapi.json", self.openapi),
            Route("/admin/models/{name}/default", self.set_default, methods=["POST"]),
        ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """404 and 405 in the server's error body; a 405 keeps the ``Allow`` header (RFC 9110)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if status == 404:
        message = f"no endpoint {request.url.path}: see /openapi.json"
    elif status == 405:
        allowed = headers.get("Allow", "")
        message = f"{request.url.path} does not accept {request.method} (it accepts {allowed})"
    else:
        message = exc.detail if isinstance(exc, HTTPException) else "internal server error"
    response = error_response(status, message)
    response.headers.update(headers)
    return response


def create_app(
    models: ModelTable | Iterable[ServedModel],
    *,
    token: str | None = None,
    access: Access | None = None,
    feedback_limits: FeedbackLimits | None = None,
    max_body_bytes: int = 10 * 2**20,
    invocations_model: str | None = None,
    inline_cells: int = 20_000,
    metrics: Metrics | None = None,
    freeze_gc: bool = True,
    observer: ServingObserver | None = None,
) -> Starlette:
    """The model server for ``models``, as a Starlette (ASGI) application.

    Args:
        models: a :class:`ModelTable` (kept: later changes to it take effect at once) or the
            :class:`ServedModel` versions to serve.
        token: the admin bearer token (short for ``access=Access(admin_token=token)``);
            without one the mutating endpoints answer 403.
        access: the tokens and what each opens (see :class:`~driftline.serving.access.Access`);
            not with ``token``.
        feedback_limits: the bounds on feedback (default: :class:`FeedbackLimits`'s defaults).
        max_body_bytes: the largest request body accepted (413 beyond it).
        invocations_model: the model ``/invocations`` answers for (default: the first served).
        inline_cells: requests of more values than this predict in a worker thread.
        metrics: where to count requests (default: a new :class:`Metrics`).
        freeze_gc: at startup (the ASGI lifespan), move every object loaded so far out of the
            cyclic garbage collector (``gc.freeze``): its full passes over the heap of numpy,
            scikit-learn and the models otherwise stall requests for tens of milliseconds.
        observer: logs predictions, takes feedback and drives rollouts (see
            :mod:`driftline.serving.observer`); it adds ``POST /v2/models/{name}/feedback``
            (admin or feedback token, served models only, bounded), ``GET /admin/rollouts``
            (admin token unless reads are public) and ``POST /admin/rollouts`` (admin token).

    Raises:
        InputError: both ``token`` and ``access`` given.

    The table and the metrics are ``app.state.models`` and ``app.state.metrics``.

    """
    if token is not None and access is not None:
        raise InputError("give token or access, not both (access.admin_token is the token)")
    access = access if access is not None else Access(admin_token=token)
    table = models if isinstance(models, ModelTable) else ModelTable(models)
    metrics = metrics if metrics is not None else Metrics()
    server = _Server(
        table,
        metrics,
        access=access,
        max_body_bytes=max_body_bytes,
        invocations_model=invocations_model,
        inline_cells=inline_cells,
        observer=observer,
    )
    routes = server.routes()
    if observer is not None:
        from driftline.serving.admin import observer_routes

        routes += observer_routes(
            observer,
            table,
            access=access,
            limits=feedback_limits if feedback_limits is not None else FeedbackLimits(),
            max_body_bytes=max_body_bytes,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if freeze_gc:
            # Everything loaded so far (models, libraries) lives as long as the server: keep it
            # out of the cyclic collector, whose full passes over it would stall requests.
            gc.collect()
            gc.freeze()
        task = asyncio.create_task(observer.run()) if observer is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if observer is not None:
                observer.close()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
        exception_handlers={404: _http_error, 405: _http_error},
        lifespan=lifespan,
    )
    app.state.models = table
    app.state.metrics = metrics
    return app
