"""The Open Inference Protocol endpoints: health, metadata and inference.

``GET /v2/health/live``, ``GET /v2/health/ready``, ``GET /v2``,
``GET /v2/models/{name}[/versions/{v}]``, ``GET /v2/models/{name}[/versions/{v}]/ready`` and
``POST /v2/models/{name}[/versions/{v}]/infer`` (JSON or binary tensors, see
:mod:`driftline.serving.oip`).

Examples:
    >>> from driftline.serving.access import Access
    >>> from driftline.serving.metrics import Metrics
    >>> from driftline.serving.table import ModelTable
    >>> ends = OipEndpoints(ModelTable([]), Metrics(), access=Access(), max_body_bytes=1024,
    ...                     invocations_model=None, inline_cells=100)
    >>> SERVER_NAME, callable(ends.infer)
    ('driftline', True)

"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from driftline.core.errors import NotFoundError
from driftline.serving.endpoints import REQUEST_ID_HEADER, Endpoints, request_id
from driftline.serving.errors import RequestError
from driftline.serving.http import (
    JSON,
    error_response,
    json_response,
    media_type,
    read_body,
    refusal,
)
from driftline.serving.oip import decode_request, encode_response
from driftline.serving.openapi import driftline_version
from driftline.serving.outlier_scoring import OUTLIER, OUTLIER_SCORE
from driftline.serving.table import ServedModel

__all__ = ["EXTENSIONS", "SERVER_NAME", "OipEndpoints"]

SERVER_NAME = "driftline"
"""The server's name in ``GET /v2``."""

EXTENSIONS = ["binary_tensor_data"]
"""The protocol extensions ``GET /v2`` announces."""


class OipEndpoints(Endpoints):
    """The Open Inference Protocol (v2) endpoints (see the module docstring)."""

    async def live(self, request: Request) -> Response:
        """``GET /v2/health/live``: the server answers."""
        self._label(request, "health")
        return json_response({"live": True})

    async def ready(self, request: Request) -> Response:
        """``GET /v2/health/ready``: some model is served (else 503)."""
        self._label(request, "health")
        ready = len(self.table) > 0
        return json_response({"ready": ready}, 200 if ready else 503)

    async def server_metadata(self, request: Request) -> Response:
        """``GET /v2``: the server's name, version and extensions."""
        self._label(request, "metadata")
        return json_response(
            {"name": SERVER_NAME, "version": driftline_version(), "extensions": EXTENSIONS}
        )

    async def model_metadata(self, request: Request) -> Response:
        """``GET /v2/models/{name}[/versions/{v}]``: the version's inputs and outputs."""
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
        """``GET /v2/models/{name}[/versions/{v}]/ready``: the version is served (else 404)."""
        self._label(request, "health")
        try:
            served = self._resolve(request)
        except NotFoundError as exc:
            return error_response(404, str(exc))
        return json_response({"name": served.name, "ready": True})

    async def infer(self, request: Request) -> Response:
        """``POST /v2/models/{name}[/versions/{v}]/infer``: predict (JSON or binary tensors)."""
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
        outliers = await self._outliers(served, decoded.batch)
        if decoded.outliers and outliers is not None:
            binary = all(b for _, b in decoded.outputs)
            results.append((OUTLIER_SCORE, outliers.scores, binary))
            results.append((OUTLIER, outliers.flags, binary))
        rid = decoded.id or request_id(request)
        content, header_length = encode_response(served.name, served.key, rid, results)
        self.metrics.predicted(served.name, served.key, decoded.batch.num_rows)
        self._observe(served, rid, decoded.batch, values[0], outliers)
        # an id from the body goes back in the header only when a header can carry it
        headers = {REQUEST_ID_HEADER: rid} if rid.isascii() and rid.isprintable() else {}
        if header_length is None:
            return Response(content, media_type=JSON, headers=headers)
        headers["Inference-Header-Content-Length"] = str(header_length)
        return Response(content, media_type="application/octet-stream", headers=headers)
