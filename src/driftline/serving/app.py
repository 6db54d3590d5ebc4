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
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.serving.access import Access
from driftline.serving.errors import RequestError, status_of
from driftline.serving.http import (
    JSON,
    error_response,
    json_response,
    jsonable,
    media_type,
    parse_json,
    read_body,
    refusal,
)
from driftline.serving.limits import FeedbackLimits
from driftline.serving.metrics import CONTENT_TYPE, LABELS_KEY, Metrics, MetricsMiddleware
from driftline.serving.oip import decode_request, encode_response
from driftline.serving.openapi import driftline_version, openapi_document
from driftline.serving.scoring import parse_csv_input, parse_json_input
from driftline.serving.spec import PREDICT, InputBatch, ModelSpec
from driftline.serving.table import ModelTable, ServedModel

if TYPE_CHECKING:
    from driftline.serving.observer import ServingObserver

__all__ = ["create_app"]

log = logging.getLogger("driftline.serving")

SERVER_NAME = "driftline"
EXTENSIONS = ["binary_tensor_data"]
_CLIENT_ERRORS = (RequestError, NotFoundError, ConflictError)


REQUEST_ID_HEADER = "x-request-id"
"""The response header (and optional request header) carrying the request id feedback names."""


def _request_id(request: Request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if 0 < len(given) <= 200 else uuid.uuid4().hex


class _Server:
    """The endpoints, sharing the model table, the metrics and the limits."""

    def __init__(
        self,
        table: ModelTable,
        metrics: Metrics,
        *,
        access: Access,
        max_body_bytes: int,
        invocations_model: str | None,
        inline_cells: int,
        observer: ServingObserver | None = None,
    ) -> None:
        self.observer = observer
        self.table = table
        self.metrics = metrics
        self.access = access
        self.max_body_bytes = max_body_bytes
        self.invocations_model = invocations_model
        self.inline_cells = inline_cells

    # ---- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _label(request: Request, endpoint: str, served: ServedModel | None = None) -> None:
        labels = request.scope.get(LABELS_KEY)
        if labels is not None:
            labels["endpoint"] = endpoint
            if served is not None:
                labels["model"] = served.name
                labels["version"] = served.key

    def _resolve(self, request: Request) -> ServedModel:
        params = request.path_params
        return self.table.resolve(params["name"], params.get("version"))

    async def _predict(
        self, spec: ModelSpec, batch: InputBatch, outputs: list[str]
    ) -> list[np.ndarray[Any, Any]]:
        """Each output for ``batch``: on the event loop when small, else in a worker thread."""

        def run() -> list[np.ndarray[Any, Any]]:
            return [spec.predict(batch, output) for output in outputs]

        if batch.num_rows * batch.num_columns > self.inline_cells:
            return await run_in_threadpool(run)
        return run()

    # ---- Open Inference Protocol -------------------------------------------------------------

    async def live(self, request: Request) -> Response:
        self._label(request, "health")
        return json_response({"live": True})

    async def ready(self, request: Request) -> Response:
        self._label(request, "health")
        ready = len(self.table) > 0
        return json_response({"ready": ready}, 200 if ready else 503)

    async def server_metadata(self, request: Request) -> Response:
        self._label(request, "metadata")
        return json_response(
            {"name": SERVER_NAME, "version": driftline_version(), "extensions": EXTENSIONS}
        )

    async def model_metadata(self, request: Request) -> Response:
        self._label(request, "metadata")
        try:
            served = self._resolve(request)
            entry = self.table.entry(served.name)
        except (NotFoundError, RequestError) as exc:
            return refusal(exc)
        spec = served.spec
        return json_response(
            {
                "name": served.name,
                "versions": list(entry.versions),
                "platform": spec.platform,
                "inputs": spec.inputs_metadata(),
                "outputs": list(spec.outputs.values()),
                "parameters": {
                    "version": served.key,
                    "default_version": entry.default,
                    "metadata": dict(served.metadata),
                },
            }
        )

    async def model_ready(self, request: Request) -> Response:
        self._label(request, "health")
        try:
            served = self._resolve(request)
        except NotFoundError as exc:
            return error_response(404, str(exc))
        return json_response({"name": served.name, "ready": True})

    async def infer(self, request: Request) -> Response:
        self._label(request, "infer")
        served: ServedModel | None = None
        try:
            served = self._resolve(request)
            self._label(request, "infer", served)
            kind, _ = media_type(request)
            if kind not in ("", JSON, "application/octet-stream"):
                raise RequestError(415, f"unsupported Content-Type {kind!r}: send application/json")
            body = await read_body(request, self.max_body_bytes)
            spec = served.spec
            decoded = decode_request(
                body, request.headers.get("inference-header-content-length"), spec
            )
            names = [name for name, _ in decoded.outputs]
            values = await self._predict(spec, decoded.batch, names)
        except Exception as exc:
            return self._fail(exc, served=served)
        results = [
            (name, output, binary)
            for (name, binary), output in zip(decoded.outputs, values, strict=True)
        ]
        request_id = decoded.id or _request_id(request)
        content, header_length = encode_response(served.name, served.key, request_id, results)
        self.metrics.predicted(served.name, served.key, decoded.batch.num_rows)
        self._observe(served, request_id, decoded.batch, values[0])
        headers = {REQUEST_ID_HEADER: request_id}
        if header_length is None:
            return Response(content, media_type=JSON, headers=headers)
        headers["Inference-Header-Content-Length"] = str(header_length)
        return Response(content, media_type="application/octet-stream", headers=headers)

    def _observe(self, served: ServedModel, request_id: str, batch: InputBatch, out: Any) -> None:
        if self.observer is not None:
            try:  # the table is built here, only when there is someone to give it to
                self.observer.on_predictions(served, request_id, batch.table, out)
            except Exception:  # observing must never fail an answered request
                log.exception("the prediction observer failed")

    def _fail(self, exc: Exception, *, served: ServedModel | None = None, **extra: Any) -> Response:
        if isinstance(exc, _CLIENT_ERRORS):
            if served is not None and self.observer is not None and status_of(exc) == 422:
                self.observer.on_failure(served)
            return refusal(exc, **extra)
        if served is not None and self.observer is not None:
            self.observer.on_failure(served)
        log.exception("internal error while answering a request")
        return error_response(500, f"internal server error: {type(exc).__name__}: {exc}", **extra)

    # ---- MLflow scoring protocol -------------------------------------------------------------

    def _invocations_target(self) -> ServedModel:
        name = self.invocations_model
        if name is None:
            names = self.table.names()
            if not names:
                raise NotFoundError("no model is served")
            name = names[0]
        return self.table.resolve(name)

    async def invocations(self, request: Request) -> Response:
        self._label(request, "invocations")
        served: ServedModel | None = None
        try:
            served = self._invocations_target()
            self._label(request, "invocations", served)
            kind, params = media_type(request)
            charset = params.get("charset", "utf-8").lower()
            if charset != "utf-8":
                raise RequestError(415, f"the scoring server only supports UTF-8, got {charset!r}")
            unknown = sorted(set(params) - {"charset"})
            if unknown:
                raise RequestError(
                    415,
                    f"unrecognized Content-Type parameters: {', '.join(unknown)} (MLflow 2 "
                    "takes the format from the body: dataframe_split, dataframe_records, ...)",
                )
            if kind not in (JSON, "text/csv"):
                raise RequestError(
                    415,
                    f"unsupported Content-Type {kind or '(none)'!r}: "
                    "send application/json or text/csv",
                )
            body = await read_body(request, self.max_body_bytes)
            spec = served.spec
            if kind == JSON:
                batch = parse_json_input(parse_json(body), spec)
            else:
                batch = parse_csv_input(body, spec)
            [predictions] = await self._predict(spec, batch, [PREDICT])
        except Exception as exc:
            code = "BAD_REQUEST" if isinstance(exc, _CLIENT_ERRORS) else "INTERNAL_ERROR"
            return self._fail(exc, served=served, error_code=code, message=str(exc))
        self.metrics.predicted(served.name, served.key, batch.num_rows)
        request_id = _request_id(request)
        self._observe(served, request_id, batch, predictions)
        response = json_response({"predictions": jsonable(predictions)})
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    async def ping(self, request: Request) -> Response:
        self._label(request, "health")
        ready = len(self.table) > 0
        return Response("\n", status_code=200 if ready else 404, media_type=JSON)

    async def version(self, request: Request) -> Response:
        self._label(request, "metadata")
        return Response(driftline_version(), media_type="text/plain")

    # ---- the rest ----------------------------------------------------------------------------

    async def metrics_text(self, request: Request) -> Response:
        self._label(request, "metrics")
        logs = self.observer.log_stats() if self.observer is not None else None
        return Response(self.metrics.render(self.table, logs), media_type=CONTENT_TYPE)

    async def openapi(self, request: Request) -> Response:
        self._label(request, "openapi")
        return json_response(openapi_document(observer=self.observer is not None))

    async def set_default(self, request: Request) -> Response:
        self._label(request, "admin")
        try:
            self.access.check_admin(request)
            doc = parse_json(await read_body(request, self.max_body_bytes))
            version = doc.get("version") if isinstance(doc, dict) else None
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
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        message = f"no endpoint {request.url.path}: see /openapi.json"
    elif status == 405:
        message = f"{request.url.path} does not accept {request.method}"
    else:
        message = exc.detail if isinstance(exc, HTTPException) else "internal server error"
    return error_response(status, message)


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
