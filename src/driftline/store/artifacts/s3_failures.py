"""S3 failures in driftline's terms: which errors mean the service is away, and reads that say so.

A request that still fails after the retries (see :mod:`driftline.store.artifacts.s3`) is a
:class:`~driftline.core.errors.ServiceError` naming the endpoint and the bucket, whether the
connection failed (refused, dropped, timed out) or the server kept answering 5xx. Reads fail the
same way in the middle of an object: :class:`FailureNamingReader` turns those errors too.

Examples:
    >>> service_error(ConnectionResetError("reset"), "http://s3.local", "b", "head_object")
    ServiceError("cannot reach the S3 endpoint http://s3.local (bucket 'b', head_object): reset")
    >>> service_error(ValueError("no"), "http://s3.local", "b", "head_object") is None
    True

"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from driftline.core.errors import DriftlineError, ServiceError

__all__ = ["FailureNamingReader", "is_connection_error", "server_error", "service_error"]

_CONNECTION_ERRORS = {
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ConnectionClosedError",
    "ReadTimeoutError",
    "ClientConnectorError",
    "ServerDisconnectedError",
    "FSTimeoutError",
}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it came from) says the endpoint could not be reached."""
    return any(
        isinstance(e, ConnectionError | TimeoutError) or type(e).__name__ in _CONNECTION_ERRORS
        for e in _chain(exc)
    )


def server_error(exc: BaseException) -> str | None:
    """``"STATUS CODE"`` when ``exc`` comes from an S3 answer of status 500 or more."""
    for e in _chain(exc):
        response = getattr(e, "response", None)
        if isinstance(response, dict):
            status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if status >= 500:
                code = str(response.get("Error", {}).get("Code") or status)
                return f"{status} {code}" if code != str(status) else code
    return None


def service_error(
    exc: BaseException, endpoint: str, bucket: str, doing: str
) -> ServiceError | None:
    """The :class:`ServiceError` that ``exc`` means (naming what failed), or ``None``."""
    if is_connection_error(exc):
        return ServiceError(
            f"cannot reach the S3 endpoint {endpoint} (bucket {bucket!r}, {doing}): {exc}"
        )
    failed = server_error(exc)
    if failed is not None:
        return ServiceError(
            f"the S3 endpoint {endpoint} kept failing for bucket {bucket!r} ({doing}: {failed}, "
            "after retries)"
        )
    return None


class FailureNamingReader(io.RawIOBase):
    """A binary reader over an s3fs file whose failed reads raise a :class:`ServiceError`."""

    def __init__(self, raw: BinaryIO, endpoint: str, bucket: str, doing: str) -> None:
        super().__init__()
        self._raw, self._where = raw, (endpoint, bucket, doing)

    def readable(self) -> bool:
        """True."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left when ``size`` is negative or None)."""
        try:
            return self._raw.read(-1 if size is None else size)
        except DriftlineError:
            raise
        except Exception as exc:
            translated = service_error(exc, *self._where)
            if translated is None:
                raise
            raise translated from exc

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; the number of bytes read."""
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close the underlying file."""
        if not self.closed:
            self._raw.close()
        super().close()
