"""HTTP plumbing of the model server: bounded bodies, JSON in and out, errors.

The body limit is enforced while the body streams in: a ``Content-Length`` over the limit is
refused without keeping anything, and a chunked body is refused as soon as it passes the limit, so
a client cannot make the server buffer more than ``max_body_bytes``.

A refused body is read to its end and thrown away before the 413 is sent, up to
:data:`DRAIN_FACTOR` times the limit: a client that writes its whole body before it reads the
answer (Python's ``urllib``, most simple clients) would otherwise see the connection reset instead
of the 413, because a socket closed with unread data answers with a TCP reset. A client that sent
``Expect: 100-continue`` is answered at once (it has not sent its body); past the bound the
connection is closed after the 413.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import orjson
from starlette.requests import Request
from starlette.responses import Response

from driftline.serving.errors import RequestError, status_of

__all__ = [
    "DRAIN_FACTOR",
    "JSON",
    "error_response",
    "json_response",
    "jsonable",
    "media_type",
    "parse_json",
    "read_body",
    "refusal",
    "whole",
]

DRAIN_FACTOR = 8
"""How many times the body limit the server reads (and discards) of a refused body."""

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


def refusal(exc: Exception, /, **extra: Any) -> Response:
    """The error response of a refused request: its status, message and headers (``Retry-After``).

    Examples:
        >>> error = RequestError(429, "slow down", headers={"Retry-After": "3"})
        >>> refusal(error).status_code, refusal(error).headers["retry-after"]
        (429, '3')

    """
    response = error_response(status_of(exc), str(exc), **extra)
    if isinstance(exc, RequestError):
        response.headers.update(exc.headers)
    return response


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

    The rest of a refused body is read and discarded first (see the module docstring).

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
            await _drain(request, 0, limit * DRAIN_FACTOR, declared=size)
            raise RequestError(
                413, f"request body is {size} bytes, over the limit of {limit} bytes"
            )
    chunks: list[bytes] = []
    total = 0
    stream = request.stream()
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            await _drain(request, total, limit * DRAIN_FACTOR, stream=stream)
            raise RequestError(413, f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _drain(
    request: Request,
    read: int,
    bound: int,
    *,
    declared: int | None = None,
    stream: AsyncIterator[bytes] | None = None,
) -> None:
    """Read and discard the rest of a refused body, so that a writing client can read the 413.

    Not when the client waits for ``100 Continue`` or declared more than ``bound`` bytes; stops
    past ``bound`` bytes (the server then closes the connection after answering).
    """
    from starlette.requests import ClientDisconnect

    waiting = request.headers.get("expect", "").lower() == "100-continue"
    if waiting or (declared is not None and declared > bound):
        return
    try:
        async for chunk in stream if stream is not None else request.stream():
            read += len(chunk)
            if read > bound:
                return
    except ClientDisconnect:
        return


def whole(value: Any) -> Any:
    """``value``, as an ``int`` when it is a float with no fraction (JSON's ``2.0`` is ``2``).

    Examples:
        >>> whole(2.0), whole(2.5), whole("2")
        (2, 2.5, '2')

    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


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
