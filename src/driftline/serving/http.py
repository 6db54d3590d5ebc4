"""HTTP plumbing of the model server: bounded bodies, JSON in and out, errors, the token check.

The body limit is enforced while the body streams in: a ``Content-Length`` over the limit is
refused before anything is read, and a chunked body is refused as soon as it passes the limit, so
a client cannot make the server buffer more than ``max_body_bytes``.
"""

from __future__ import annotations

import hmac
from typing import Any

import numpy as np
import orjson
from starlette.requests import Request
from starlette.responses import Response

from driftline.serving.errors import RequestError

__all__ = [
    "JSON",
    "error_response",
    "json_response",
    "jsonable",
    "media_type",
    "parse_json",
    "read_body",
    "require_token",
]

JSON = "application/json"
_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def dumps(value: Any) -> bytes:
    """``value`` as JSON bytes (numpy arrays and scalars included)."""
    return orjson.dumps(value, option=_DUMP_OPTIONS)


def jsonable(values: np.ndarray[Any, Any]) -> Any:
    """``values`` in a form :func:`dumps` takes: numbers stay numpy (fast), the rest lists."""
    if values.dtype.kind in "biuf":
        return np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    return values.tolist()


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(dumps(value), status_code=status, media_type=JSON, headers=headers)


def error_response(status: int, text: str, /, **extra: Any) -> Response:
    """The error body every endpoint uses: ``{"error": text}`` (plus ``extra`` keys)."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return json_response({"error": text, **extra}, status, headers)


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    """The request's media type (lower case) and its parameters (``charset``, ...)."""
    raw = request.headers.get("content-type", "")
    kind, _, rest = raw.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), params


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to pass ``limit`` bytes.

    Raises:
        RequestError: 413 over the limit; 400 for a malformed ``Content-Length``.

    """
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise RequestError(400, f"Content-Length is not a number: {declared!r}") from None
        if size > limit:
            raise RequestError(
                413, f"request body is {size} bytes, over the limit of {limit} bytes"
            )
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise RequestError(413, f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_json(body: bytes, what: str = "request body") -> Any:
    """The JSON document in ``body``.

    Raises:
        RequestError: 400 when it is empty or not JSON (with the parser's position).

    """
    if not body:
        raise RequestError(400, f"{what} is empty, expected a JSON object")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"{what} is not valid JSON: {exc}") from None


def require_token(request: Request, token: str | None) -> None:
    """Check ``Authorization: Bearer <token>`` for a mutating endpoint.

    Raises:
        RequestError: 403 when the server has no token (mutations are off) or the token is wrong;
            401 when the header is missing or not a bearer token.

    """
    if token is None:
        raise RequestError(
            403, "this server accepts no changes: it was started without an admin token"
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise RequestError(401, "this endpoint needs the header 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise RequestError(403, "the bearer token is not valid")
