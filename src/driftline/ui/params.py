"""Query parameters of the dashboard, read with a 400 naming the one that is malformed.

Examples:
    >>> from starlette.requests import Request
    >>> def request(query):
    ...     return Request({"type": "http", "query_string": query.encode(), "headers": []})
    >>> int_param(request("limit=20"), "limit", 50, low=1, high=500)
    20
    >>> int_param(request("limit=x"), "limit", 50)
    Traceback (most recent call last):
    ...
    driftline.ui.errors.UiError: query parameter 'limit': 'x' is not a whole number
    >>> paging(request("offset=40"))
    Paging(offset=40, limit=50)
    >>> choice_param(request("direction=up"), "direction", "both", ("up", "down", "both"))
    'up'

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftline.ui.errors import UiError

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["Paging", "choice_param", "int_param", "paging", "str_param", "time_param"]


def _bad(name: str, value: str, what: str) -> UiError:
    return UiError(400, f"query parameter {name!r}: {value!r} {what}")


def str_param(request: Request, name: str, default: str | None = None) -> str | None:
    """The parameter's text (stripped), or ``default`` when absent or empty."""
    value = request.query_params.get(name)
    return value.strip() if value is not None and value.strip() else default


def int_param(
    request: Request, name: str, default: int, *, low: int | None = None, high: int | None = None
) -> int:
    """The parameter as a whole number in ``[low, high]``; 400 naming it when it is not."""
    text = str_param(request, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _bad(name, text, "is not a whole number") from None
    if low is not None and value < low:
        raise _bad(name, text, f"is below {low}")
    if high is not None and value > high:
        raise _bad(name, text, f"is above {high}")
    return value


def choice_param(request: Request, name: str, default: str, choices: Sequence[str]) -> str:
    """The parameter, one of ``choices``; 400 naming it and them when it is not."""
    text = str_param(request, name)
    if text is None:
        return default
    if text not in choices:
        raise _bad(name, text, "is not one of " + ", ".join(repr(c) for c in choices))
    return text


def time_param(request: Request, name: str) -> dt.datetime | None:
    """The parameter as an ISO 8601 time (UTC when no zone is given), or ``None``."""
    text = str_param(request, name)
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _bad(name, text, "is not an ISO 8601 time (e.g. 2026-01-31T12:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Paging:
    """Which slice of a long list a page shows: ``offset`` rows skipped, at most ``limit``."""

    offset: int
    limit: int


def paging(request: Request, default_limit: int = 50, max_limit: int = 500) -> Paging:
    """The ``offset`` and ``limit`` parameters (every long list is paginated with them)."""
    return Paging(
        offset=int_param(request, "offset", 0, low=0),
        limit=int_param(request, "limit", default_limit, low=1, high=max_limit),
    )
