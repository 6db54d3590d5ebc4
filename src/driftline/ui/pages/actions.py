"""Actions, with the dashboard's token: promote, roll back, abort a rollout, trigger a retrain.

``POST /api/actions/{action}`` takes JSON (``Authorization: Bearer <token>``, or the sign-in
cookie) and answers JSON; ``POST /actions/{action}`` is the page's form (htmx) and answers a line
of HTML. Both go through the functions the command line uses (``models promote``, ``models
rollback``, ``rollout abort``, ``trigger``), record the user and the reason, and answer 401
without the token, 400 for a missing reason, 404 for an unknown model or version, 409 when the
state forbids the action. ``/signin`` and ``/signout`` set and clear the token cookie.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from driftline.core.errors import ConflictError, DriftlineError
from driftline.ui.auth import TOKEN_COOKIE, USER_COOKIE, UiSettings, actor
from driftline.ui.context import services
from driftline.ui.errors import UiError, status_of
from driftline.ui.openapi import api_route
from driftline.ui.responses import json_response, page, root

__all__ = ["ACTIONS", "ROUTES", "act"]

ACTIONS = ("promote", "rollback", "abort-rollout", "retrain")
"""What the dashboard can do (each needs the token)."""

_FIELDS = {
    "promote": ("model", "version", "reason"),
    "rollback": ("model", "reason"),
    "abort-rollout": ("model", "reason"),
    "retrain": ("reason",),
}


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    text = "" if value is None else str(value).strip()
    if not text:
        raise UiError(400, f"field {name!r} is required (nothing was changed)")
    return text


def act(request: Request, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """Do ``action`` with ``body``'s fields as the request's user; what was done, as a dict."""
    if action not in ACTIONS:
        raise UiError(404, f"no action {action!r}; the actions are: {', '.join(ACTIONS)}")
    by = actor(request)
    fields = {name: _field(body, name) for name in _FIELDS[action]}
    reason = fields["reason"]
    ws = services(request)
    if action == "promote":
        try:
            version = int(fields["version"])
        except ValueError:
            raise UiError(
                400, f"field 'version': {fields['version']!r} is not a whole number"
            ) from None
        done = ws.registry.promote(fields["model"], version, by=by, reason=reason)
        return {
            "action": action,
            "done": f"{done.name} v{done.version} is the champion",
            **done.to_dict(),
        }
    if action == "rollback":
        from driftline.registry.errors import RollbackError

        try:
            done = ws.registry.rollback(fields["model"], by=by, reason=reason)
        except RollbackError as exc:  # the model's state forbids it: a conflict, not bad input
            raise ConflictError(str(exc)) from None
        return {
            "action": action,
            "done": f"{done.name} champion back to v{done.version}",
            **done.to_dict(),
        }
    if action == "abort-rollout":
        ws.registry.aliases(fields["model"])  # an unknown model is a 404 naming it
        if not ws.rollouts.active(fields["model"]):
            raise ConflictError(f"model {fields['model']!r} has no rollout in progress to abort")
        record = ws.rollouts.request_abort(fields["model"], by=by, reason=reason)
        return {
            "action": action,
            "done": f"abort of rollout {record.name} asked",
            "rollout": record.to_dict(),
        }
    settings = request.app.state.ui
    retrain = settings.retrain if isinstance(settings, UiSettings) else None
    if retrain is None:
        raise ConflictError(
            "this dashboard was started without a policy, so it cannot queue a retrain: start it "
            "with 'driftline ui --policy FILE', or run 'driftline trigger train'"
        )
    return {"action": action, **retrain(reason, by)}


async def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            doc = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise UiError(400, f"the request body is not JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise UiError(400, "the request body must be a JSON object")
        return doc
    return await _form(request)


async def _form(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields (as htmx and the sign-in page post them; no multipart)."""
    from urllib.parse import parse_qsl

    text = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True))


async def action_api(request: Request) -> Response:
    """Do an action; JSON in and out."""
    from starlette.concurrency import run_in_threadpool

    body = await _body(request)
    done = await run_in_threadpool(act, request, request.path_params["action"], body)
    return json_response(done)


async def action_form(request: Request) -> Response:
    """Do an action from the page's form; a line of HTML saying what was done or what failed."""
    from starlette.concurrency import run_in_threadpool

    body = await _body(request)
    try:
        done = await run_in_threadpool(act, request, request.path_params["action"], body)
    except (UiError, DriftlineError) as exc:
        message = exc.message if isinstance(exc, UiError) else str(exc)
        html = f'<span class="error" data-testid="action-error">{escape(message)}</span>'
        return HTMLResponse(html, status_code=200 if status_of(exc) < 500 else 500)
    said = escape(str(done.get("done", "done")))
    return HTMLResponse(f'<span class="done" data-testid="action-done">{said}</span>')


async def signin(request: Request) -> Response:
    """The sign-in form; posting the token (and a name) sets the cookie."""
    if request.method == "GET":
        return page(request, "signin.html", title="Sign in", error=None)
    form = await _form(request)
    token = str(form.get("token", "")).strip()
    name = str(form.get("name", "")).strip()[:100]
    settings = request.app.state.ui
    expected = settings.token if isinstance(settings, UiSettings) else None
    if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
        why = (
            "this dashboard takes no token: it is read-only"
            if expected is None
            else "that is not the dashboard's token"
        )
        return page(request, "signin.html", status=401, title="Sign in", error=why)
    response = RedirectResponse(root(request) + "/", status_code=303)
    path = root(request) or "/"
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path=path)
    if name:
        response.set_cookie(USER_COOKIE, name, httponly=True, samesite="strict", path=path)
    return response


def signout(request: Request) -> Response:
    """Forget the token cookie."""
    response = RedirectResponse(root(request) + "/", status_code=303)
    path = root(request) or "/"
    response.delete_cookie(TOKEN_COOKIE, path=path)
    response.delete_cookie(USER_COOKIE, path=path)
    return response


_ACTION_BODY = {
    "type": "object",
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "reason": {"type": "string"},
    },
    "required": ["reason"],
}

ROUTES: list[BaseRoute] = [
    Route("/signin", signin, methods=["GET", "POST"], name="signin"),
    Route("/signout", signout, name="signout"),
    Route("/actions/{action}", action_form, methods=["POST"], name="action_form"),
    api_route(
        "/api/actions/{action}",
        action_api,
        summary="Promote, roll back, abort a rollout or queue a retrain (needs the token)",
        methods=("POST",),
        body=_ACTION_BODY,
        auth=True,
    ),
]
"""Sign-in and the actions."""
