"""Errors of the dashboard, and the pages and JSON answers they become.

Every error a request can meet is answered by status and message, never by a stack trace
(:mod:`driftline.ui.error_pages` writes the answer):

- :class:`UiError` (raised by the pages): its own status;
- :class:`~driftline.core.errors.NotFoundError` (an unknown model, version, artifact or run):
  404 naming it; another :class:`~driftline.core.errors.InputError`: 400;
  :class:`~driftline.core.errors.ConflictError`: 409;
- an unknown path: 404 naming the path;
- anything else: 500 with a generic message (the traceback goes to the server's log only).

Examples:
    >>> UiError(400, "query parameter 'limit': 'x' is not a whole number").status
    400
    >>> status_of(__import__("driftline.core.errors", fromlist=["x"]).NotFoundError("no model 'a'"))
    404

"""

from __future__ import annotations

from driftline.core.errors import ConflictError, InputError, NotFoundError

__all__ = ["UiError", "status_of"]


class UiError(Exception):
    """An answer other than 200 that a page chose: its HTTP status and a message for the user.

    Args:
        status: the HTTP status (400, 401, 404, ...).
        message: what is wrong, naming it (shown on the page / in ``{"error": ...}``).

    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def status_of(exc: BaseException) -> int:
    """The HTTP status an exception is answered with (500 for anything unexpected)."""
    if isinstance(exc, UiError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ConflictError):
        return 409
    code = getattr(exc, "status_code", None)  # starlette's HTTPException
    if isinstance(code, int) and 400 <= code < 600:
        return code
    return 500
