"""Who may act on the dashboard: the bearer token the server was started with.

Reading needs nothing. Acting (promote, roll back, abort a rollout, trigger a retrain) needs the
server's token, given as ``Authorization: Bearer <token>`` (the API) or by signing in on the
page (kept in the ``driftline_token`` cookie: HttpOnly, SameSite=Strict). A dashboard started
without a token is read-only and says so on every page; its actions answer 401.

Examples:
    >>> from starlette.applications import Starlette
    >>> from starlette.requests import Request
    >>> app = Starlette()
    >>> app.state.ui = UiSettings(token="s3cret")
    >>> def request(header=None):
    ...     headers = [(b"authorization", header.encode())] if header else []
    ...     return Request({"type": "http", "app": app, "headers": headers})
    >>> can_act(request("Bearer s3cret")), can_act(request("Bearer nope")), can_act(request())
    (True, False, False)
    >>> actor(request("Bearer s3cret"))
    'dashboard'
    >>> actor(request())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftline.ui.errors.UiError: acting needs the dashboard's token: sign in, or send ...

"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.ui.errors import UiError

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = [
    "TOKEN_COOKIE",
    "TOKEN_ENV",
    "USER_COOKIE",
    "UiSettings",
    "actor",
    "can_act",
    "read_only_reason",
]

TOKEN_ENV = "DRIFTLINE_UI_TOKEN"
"""The environment variable ``driftline ui`` reads its token from."""

TOKEN_COOKIE = "driftline_token"
"""The cookie a signed-in browser holds the token in."""

USER_COOKIE = "driftline_user"
"""The cookie holding the name a signed-in user gave (recorded with each action)."""


@dataclass(frozen=True)
class UiSettings:
    """How the dashboard was started.

    Args:
        token: the bearer token that allows actions; ``None``: the dashboard is read-only.
        user: who actions are recorded as when the request names nobody.
        retrain: queue a retrain (``reason``, ``by``) -> what was done; ``None``: the
            dashboard was started without a policy, so it cannot trigger one.

    """

    token: str | None = None
    user: str = "dashboard"
    retrain: Callable[[str, str], dict[str, Any]] | None = None


def _settings(request: Request) -> UiSettings:
    found = getattr(request.app.state, "ui", None)
    return found if isinstance(found, UiSettings) else UiSettings()


def _given(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(TOKEN_COOKIE) or None


def can_act(request: Request) -> bool:
    """Whether the request carries the server's token (so its action buttons are shown)."""
    token = _settings(request).token
    given = _given(request)
    if token is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def read_only_reason(request: Request) -> str | None:
    """Why this request may not act, in one sentence, or ``None`` when it may."""
    if can_act(request):
        return None
    if _settings(request).token is None:
        return (
            "Read-only: this dashboard was started without a token "
            f"(set ${TOKEN_ENV}, or the server's token for 'driftline serve --ui', to act)."
        )
    return "Read-only: sign in with the dashboard's token to act."


def actor(request: Request) -> str:
    """The user an action is recorded as; 401 unless the request carries the token."""
    if not can_act(request):
        raise UiError(
            401,
            "acting needs the dashboard's token: sign in, or send 'Authorization: Bearer <token>'",
        )
    named = request.headers.get("x-driftline-user") or request.cookies.get(USER_COOKIE)
    return (named or "").strip()[:100] or _settings(request).user
