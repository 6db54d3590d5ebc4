"""What every group of model-server endpoints shares: :class:`Endpoints`.

The model table, the metrics, the access rules and the limits, and the helpers the endpoints of
:mod:`~driftline.serving.oip_endpoints` and :mod:`~driftline.serving.mlflow_endpoints` use: find
the served version a request names, predict (on the event loop when small, else in a worker
thread), hand the answered rows to the observer, and turn an exception into a response.

Examples:
    >>> from driftline.serving.access import Access
    >>> from driftline.serving.metrics import Metrics
    >>> from driftline.serving.table import ModelTable
    >>> ends = Endpoints(ModelTable([]), Metrics(), access=Access(), max_body_bytes=1024,
    ...                  invocations_model=None, inline_cells=100)
    >>> ends.inline_cells, ends.observer is None
    (100, True)

"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from driftline.core.errors import ConflictError, NotFoundError
from driftline.serving.access import Access
from driftline.serving.errors import RequestError, status_of
from driftline.serving.http import error_response, refusal
from driftline.serving.metrics import LABELS_KEY, Metrics
from driftline.serving.spec import InputBatch, ModelSpec
from driftline.serving.table import ModelTable, ServedModel

if TYPE_CHECKING:
    from driftline.serving.observer import ServingObserver
    from driftline.serving.outlier_scoring import Outliers

__all__ = ["CLIENT_ERRORS", "REQUEST_ID_HEADER", "Endpoints", "request_id"]

log = logging.getLogger("driftline.serving")

CLIENT_ERRORS = (RequestError, NotFoundError, ConflictError)
"""The errors a client caused: answered with their own status, not 500."""

REQUEST_ID_HEADER = "x-request-id"
"""The response header (and optional request header) carrying the request id feedback names."""


def request_id(request: Request) -> str:
    """The id the client sent in ``x-request-id`` (1 to 200 characters), else a new one.

    Examples:
        >>> from starlette.requests import Request
        >>> scope = {"type": "http", "headers": [(b"x-request-id", b"req-7")]}
        >>> request_id(Request(scope)), len(request_id(Request({"type": "http", "headers": []})))
        ('req-7', 32)

    """
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if 0 < len(given) <= 200 else uuid.uuid4().hex


class Endpoints:
    """The state and helpers the endpoints share: the model table, the metrics and the limits.

    Args:
        table: the served versions.
        metrics: where requests are counted.
        access: who may call what.
        max_body_bytes: the largest request body accepted.
        invocations_model: the model ``/invocations`` answers for (``None``: the first served).
        inline_cells: requests of more values than this predict in a worker thread.
        observer: given each answered request's rows and each failure, if any.

    """

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

    async def _outliers(self, served: ServedModel, batch: InputBatch) -> Outliers | None:
        """The outlier scores of ``batch`` (``None``: the version has no detector); counted.

        On the event loop when small, else in a worker thread (as predictions are).
        """
        scorer = served.scorer
        if scorer is None:
            return None
        if batch.num_rows * batch.num_columns > self.inline_cells:
            found = await run_in_threadpool(scorer.score, batch)
        else:
            found = scorer.score(batch)
        flagged = int(np.count_nonzero(found.flags))
        if flagged or found.failed:
            self.metrics.outliers(served.name, served.key, flagged, failed=found.failed)
        return found

    def _observe(
        self,
        served: ServedModel,
        request_id: str,
        batch: InputBatch,
        out: Any,
        outliers: Outliers | None = None,
    ) -> None:
        if self.observer is not None:
            try:  # the table is built here, only when there is someone to give it to
                if outliers is None:
                    self.observer.on_predictions(served, request_id, batch.table, out)
                else:
                    self.observer.on_predictions(
                        served, request_id, batch.table, out, outliers=outliers
                    )
            except Exception:  # observing must never fail an answered request
                log.exception("the prediction observer failed")

    def _fail(self, exc: Exception, *, served: ServedModel | None = None, **extra: Any) -> Response:
        if isinstance(exc, CLIENT_ERRORS):
            if served is not None and self.observer is not None and status_of(exc) == 422:
                self.observer.on_failure(served)
            return refusal(exc, **extra)
        if served is not None and self.observer is not None:
            self.observer.on_failure(served)
        log.exception("internal error while answering a request")
        return error_response(500, f"internal server error: {type(exc).__name__}: {exc}", **extra)
