"""The answers errors become: an HTML page, or under ``/api`` ``{"error": ..., "status": ...}``.

The status comes from :func:`driftline.ui.errors.status_of`; a 500 shows a generic message (the
traceback goes to the server's log only).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from driftline.core.errors import DriftlineError
from driftline.ui.errors import UiError, status_of
from driftline.ui.responses import is_api, json_response, page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ErrorPages", "error_response", "handlers"]

log = logging.getLogger("driftline.ui")


def _message(request: Request, exc: BaseException, status: int) -> str:
    if status == 500:
        return "the dashboard met an internal error (written to the server's log)"
    if isinstance(exc, UiError):
        return exc.message
    if isinstance(exc, DriftlineError):
        return str(exc)
    if status == 404:
        return f"no page at {request.url.path!r}"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path!r}"
    return str(getattr(exc, "detail", "")) or "the request cannot be answered"


def error_response(request: Request, exc: BaseException) -> Response:
    """The page (or, under ``/api``, the JSON) that answers ``exc``."""
    status = status_of(exc)
    if status == 500:
        log.error("dashboard error on %s %s", request.method, request.url.path, exc_info=exc)
    message = _message(request, exc, status)
    if is_api(request):
        return json_response({"error": message, "status": status}, status=status)
    return page(request, "error.html", status=status, title=f"{status}", message=message)


async def _handle(request: Request, exc: Exception) -> Response:
    """Starlette's exception handler signature over :func:`error_response`."""
    return error_response(request, exc)


class ErrorPages:
    """ASGI middleware: an exception no handler took becomes a 500 page, never a traceback.

    Args:
        app: the app it wraps.

    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer 500 when it raises before a response started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            from starlette.requests import Request

            response = error_response(Request(scope, receive), exc)
            await response(scope, receive, send)


def handlers() -> dict[type[Exception], object]:
    """Starlette ``exception_handlers`` for expected errors (the rest: :class:`ErrorPages`)."""
    from starlette.exceptions import HTTPException

    return {HTTPException: _handle, DriftlineError: _handle, UiError: _handle}
