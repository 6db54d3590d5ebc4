"""``driftline ui``: the dashboard over the workspace. See ``docs/ui.md``."""

from __future__ import annotations

import os

import click

from driftline.cli.options import CliState, common_options, pass_state

__all__ = ["ui"]


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
    "--user",
    default=None,
    metavar="NAME",
    help="Who actions are recorded as when a signed-in user gives no name (default: $USER).",
)
@common_options
@pass_state
def ui(state: CliState, host: str, port: int, token_env: str, user: str | None) -> None:
    """Serve the dashboard: models, live metrics, data, runs, lineage and decisions.

    Reading needs nothing; promote, roll back, abort a rollout and trigger a retrain need the
    token from $DRIFTLINE_UI_TOKEN (or --token-env VAR), given by signing in on the page or as
    'Authorization: Bearer <token>' to /api. Without a token the dashboard is read-only.
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
        app = create_app(ws, token=token, user=who)
        mode = "actions allowed with the token" if token else "read-only: no token"
        click.echo(f"dashboard of {ws.settings.workspace} on http://{host}:{port} ({mode})")
        uvicorn.run(app, host=host, port=port, log_level="warning")
