"""Who may call what on the model server: :class:`Access`.

Three kinds of endpoint:

- **predictions, health, metadata, metrics, the OpenAPI document**: open to every client;
- **writes** (``POST /admin/...``): the admin bearer token;
- **feedback** (``POST /v2/models/{name}/feedback``): a write like any other, so it needs a
  token too: the admin token, or a separate *feedback token* given to label providers (who can
  then send labels but change nothing else);
- **admin reads** (``GET /admin/...``): the admin token, unless ``public_reads`` is set.

A server started without any token accepts no write and no feedback (403): nothing an anonymous
client sends can change what is stored.

Examples:
    >>> from starlette.requests import Request
    >>> def request(header=None):
    ...     headers = [(b"authorization", header.encode())] if header else []
    ...     return Request({"type": "http", "headers": headers})
    >>> access = Access(admin_token="s3cret", feedback_token="labels")
    >>> access.check_feedback(request("Bearer labels"))   # a label provider: fine
    >>> access.check_admin(request("Bearer labels"))
    Traceback (most recent call last):
    ...
    driftline.serving.errors.RequestError: the bearer token is not valid
    >>> access.check_read(request())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftline.serving.errors.RequestError: this endpoint needs the header 'Authorization: ...'
    >>> Access(admin_token="s3cret", public_reads=True).check_read(request())

"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from driftline.core.errors import InputError
from driftline.serving.errors import RequestError

__all__ = ["Access"]


def _bearer(request: Request) -> str:
    """The request's bearer token; 401 when there is none."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise RequestError(401, "this endpoint needs the header 'Authorization: Bearer <token>'")
    return given.strip()


def _matches(given: str, tokens: tuple[str | None, ...]) -> bool:
    """Whether ``given`` is one of ``tokens`` (each compared in constant time)."""
    found = False
    for token in tokens:
        if token is not None and hmac.compare_digest(given.encode(), token.encode()):
            found = True
    return found


@dataclass(frozen=True)
class Access:
    """The server's tokens and what each opens (see the module docstring).

    Args:
        admin_token: opens every endpoint.
        feedback_token: opens feedback only (for label providers).
        public_reads: ``GET /admin/...`` needs no token.

    Raises:
        InputError: an empty token, or a feedback token without an admin token's protection
            being meaningful (the same value for both).

    """

    admin_token: str | None = None
    feedback_token: str | None = None
    public_reads: bool = False

    def __post_init__(self) -> None:
        """Check the tokens."""
        for name in ("admin_token", "feedback_token"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InputError(f"{name} must be a non-empty string or None, got {value!r}")
        if self.feedback_token is not None and self.feedback_token == self.admin_token:
            raise InputError("the feedback token must differ from the admin token")

    def check_admin(self, request: Request) -> None:
        """Allow a write only with the admin token.

        Raises:
            RequestError: 403 when the server has no admin token (writes are off) or the token
                is wrong; 401 when the request carries no bearer token.

        """
        if self.admin_token is None:
            raise RequestError(
                403, "this server accepts no changes: it was started without an admin token"
            )
        if not _matches(_bearer(request), (self.admin_token,)):
            raise RequestError(403, "the bearer token is not valid")

    def check_feedback(self, request: Request) -> None:
        """Allow feedback with the admin token or the feedback token (401/403 as above)."""
        if self.admin_token is None and self.feedback_token is None:
            raise RequestError(
                403, "this server accepts no feedback: it was started without a token"
            )
        if not _matches(_bearer(request), (self.admin_token, self.feedback_token)):
            raise RequestError(403, "the bearer token is not valid")

    def check_read(self, request: Request) -> None:
        """Allow an admin read: anyone if ``public_reads``, else the admin token."""
        if not self.public_reads:
            self.check_admin(request)
