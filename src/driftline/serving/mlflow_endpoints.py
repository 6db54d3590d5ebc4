"""MLflow's scoring protocol endpoints: ``POST /invocations``, ``/ping``, ``/health``, ``/version``.

``/invocations`` takes JSON (``dataframe_split``, ``dataframe_records``, ``instances``,
``inputs``; see :mod:`driftline.serving.scoring`) or CSV, in UTF-8, and answers
``{"predictions": [...]}`` for one model: the one named by ``invocations_model``, else the first
served. A JSON body with ``"params": {"outliers": true}`` also gets ``"outlier_scores"`` and
``"outliers"`` (one per row) from a version with an outlier detector.

Examples:
    >>> from driftline.serving.access import Access
    >>> from driftline.serving.metrics import Metrics
    >>> from driftline.serving.table import ModelTable
    >>> ends = MlflowEndpoints(ModelTable([]), Metrics(), access=Access(), max_body_bytes=1024,
    ...                        invocations_model=None, inline_cells=100)
    >>> callable(ends.invocations), ends.invocations_model
    (True, None)

"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from driftline.core.errors import NotFoundError
from driftline.serving.endpoints import CLIENT_ERRORS, REQUEST_ID_HEADER, Endpoints, request_id
from driftline.serving.errors import RequestError
from driftline.serving.http import JSON, json_response, jsonable, media_type, parse_json, read_body
from driftline.serving.oip import flag_parameter
from driftline.serving.openapi import driftline_version
from driftline.serving.outlier_scoring import OUTLIERS_PARAMETER
from driftline.serving.scoring import parse_csv_input, parse_json_input
from driftline.serving.spec import PREDICT
from driftline.serving.table import ServedModel

__all__ = ["MlflowEndpoints"]


class MlflowEndpoints(Endpoints):
    """The endpoints of MLflow's scoring server (see the module docstring)."""

    def _invocations_target(self) -> ServedModel:
        name = self.invocations_model
        if name is None:
            names = self.table.names()
            if not names:
                raise NotFoundError("no model is served")
            name = names[0]
        return self.table.resolve(name)

    async def invocations(self, request: Request) -> Response:
        """``POST /invocations``: predict a JSON or CSV body (MLflow's error shape on failure)."""
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
            wanted = False
            if kind == JSON:
                doc = parse_json(body)
                batch = parse_json_input(doc, spec)
                wanted = flag_parameter(doc.get("params"), OUTLIERS_PARAMETER, "params")
            else:
                batch = parse_csv_input(body, spec)
            [predictions] = await self._predict(spec, batch, [PREDICT])
        except Exception as exc:
            code = "BAD_REQUEST" if isinstance(exc, CLIENT_ERRORS) else "INTERNAL_ERROR"
            return self._fail(exc, served=served, error_code=code, message=str(exc))
        self.metrics.predicted(served.name, served.key, batch.num_rows)
        rid = request_id(request)
        outliers = await self._outliers(served, batch)
        self._observe(served, rid, batch, predictions, outliers)
        answer = {"predictions": jsonable(predictions)}
        if wanted and outliers is not None:
            answer["outlier_scores"] = jsonable(outliers.scores)
            answer["outliers"] = outliers.flags.tolist()
        response = json_response(answer)
        response.headers[REQUEST_ID_HEADER] = rid
        return response

    async def ping(self, request: Request) -> Response:
        """``GET /ping`` and ``GET /health``: 200 when a model is served, else 404."""
        self._label(request, "health")
        ready = len(self.table) > 0
        return Response("\n", status_code=200 if ready else 404, media_type=JSON)

    async def version(self, request: Request) -> Response:
        """``GET /version``: driftline's version, as text."""
        self._label(request, "metadata")
        return Response(driftline_version(), media_type="text/plain")
