"""``driftline ui``: the dashboard over the workspace. See ``docs/ui.md``."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from driftline.cli.options import CliState, common_options, pass_state

if TYPE_CHECKING:
    from driftline.workspace import Workspace

__all__ = ["UI_MOUNT", "mount_dashboard", "retrain_action", "ui"]

UI_MOUNT = "/ui"
"""Where ``driftline serve --ui`` mounts the dashboard in the model server."""

Retrain = Callable[[str, str], dict[str, Any]]


def retrain_action(
    ws: Workspace, policy_file: Path | None, env: Mapping[str, str]
) -> Retrain | None:
    """The dashboard's ``retrain`` action: a manual trigger of the policy's controller.

    As ``driftline trigger train`` does it (the job is queued for ``driftline controller``;
    deduplicated onto a pending one). ``None`` when no ``policy_file`` is given and no policy
    is found where ``driftline controller`` looks.

    Raises:
        ConfigError: ``policy_file`` is missing or bad, or the policy found is bad.

    """
    from driftline.cli.controller_cmd import _make_controller
    from driftline.core.errors import ConfigError
    from driftline.core.settings import SETTINGS_FILE
    from driftline.policy.location import find_policy

    if policy_file is None:
        try:
            find_policy(None, env=env, workspace_settings=ws.settings.workspace / SETTINGS_FILE)
        except ConfigError:
            return None
    said: list[str] = []
    controller = _make_controller(ws, policy_file, said.append, env)
    lock = threading.Lock()  # the app answers from a thread pool; one trigger at a time

    def retrain(reason: str, by: str) -> dict[str, Any]:
        with lock:
            enqueued = controller.trigger(reason=reason, by=by)
        job = enqueued.job
        done = (
            f"retrain queued as job {job.name}: the controller runs it"
            if enqueued.created
            else f"job {job.name} is {job.status.value} already: this request was recorded onto it"
        )
        return {"done": done, "outcome": enqueued.outcome, "job": job.to_dict()}

    return retrain


def mount_dashboard(
    app: Any,
    ws: Workspace,
    *,
    token: str | None,
    policy_file: Path | None,
    env: Mapping[str, str],
    user: str | None = None,
) -> None:
    """Mount the dashboard at :data:`UI_MOUNT` in ``app`` (the model server, one process).

    Its token is ``token`` (the server's admin token); without one it is read-only.

    Raises:
        click.UsageError: the ui extra is not installed.

    """
    from starlette.routing import Mount

    retrain = retrain_action(ws, policy_file, env)
    who = user or os.environ.get("USER") or "dashboard"
    try:
        from driftline.ui.app import create_app

        dashboard = create_app(ws, token=token, user=who, retrain=retrain)
    except ImportError as exc:
        raise click.UsageError(
            f"the dashboard needs the ui extra: pip install 'driftline[ui]' ({exc})"
        ) from None
    app.router.routes.append(Mount(UI_MOUNT, app=dashboard, name="ui"))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to bind.")
@click.option(
    "--port",
    default=8081,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port to listen on.",
)
@click.option(
    "--token-env",
    default="DRIFTLINE_UI_TOKEN",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the bearer token that allows actions (unset: read-only).",
)
@click.option(
    "--policy",
    "policy_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The policy whose retrain the Retrain button queues (default: where 'driftline "
    "controller' looks; none found: the button is refused).",
)
@click.option(
    "--user",
    default=None,
    metavar="NAME",
    help="Who actions are recorded as when a signed-in user gives no name (default: $USER).",
)
@common_options
@pass_state
def ui(
    state: CliState,
    host: str,
    port: int,
    token_env: str,
    policy_file: Path | None,
    user: str | None,
) -> None:
    """Serve the dashboard: models, live metrics, data, runs, lineage and decisions.

    Reading needs nothing; promote, roll back, abort a rollout and trigger a retrain need the
    token from $DRIFTLINE_UI_TOKEN (or --token-env VAR), given by signing in on the page or as
    'Authorization: Bearer <token>' to /api. Without a token the dashboard is read-only.
    The Retrain button queues the policy's retrain (--policy, or where 'driftline controller'
    looks), as 'driftline trigger train' does.
    """
    try:
        import uvicorn

        from driftline.ui.app import create_app
    except ImportError as exc:
        raise click.UsageError(
            f"the dashboard needs the ui extra: pip install 'driftline[ui]' ({exc})"
        ) from None
    token = os.environ.get(token_env) or None
    state.env.pop(token_env, None)  # not a workspace setting: the settings refuse unknown names
    who = user or os.environ.get("USER") or "dashboard"
    with state.open_workspace() as ws:
        retrain = retrain_action(ws, policy_file, state.env)
        app = create_app(ws, token=token, user=who, retrain=retrain)
        mode = "actions allowed with the token" if token else "read-only: no token"
        if token and retrain is None:
            mode += "; no policy found, so no retrain"
        click.echo(f"dashboard of {ws.settings.workspace} on http://{host}:{port} ({mode})")
        uvicorn.run(app, host=host, port=port, log_level="warning")
