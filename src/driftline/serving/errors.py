"""The one error type of the request path: a status code and a message naming the problem.

Examples:
    >>> err = RequestError(413, "request body is over the limit of 10 bytes")
    >>> err.status, str(err)
    (413, 'request body is over the limit of 10 bytes')

"""

from __future__ import annotations

from driftline.core.errors import ConflictError, InputError, NotFoundError

__all__ = ["RequestError", "status_of"]


class RequestError(InputError):
    """A request the server refuses: ``status`` (4xx) and a message naming what is wrong."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        """An error answered with HTTP ``status``, ``{"error": message}`` and ``headers``."""
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def status_of(exc: Exception) -> int:
    """The HTTP status of a refused request: its own, 404 (not found), 409 (conflict) or 400."""
    if isinstance(exc, RequestError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 400
