"""``driftline serve`` and ``driftline rollout start|status|abort``.

See ``docs/serving.md``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import CliState, common_options, echo_json, json_option, pass_state
from driftline.core.errors import InputError
from driftline.serving.limits import FeedbackLimits

__all__ = ["rollout", "serve"]

_TOKEN_VAR = "DRIFTLINE_SERVE_TOKEN"
_FEEDBACK_TOKEN_VAR = "DRIFTLINE_FEEDBACK_TOKEN"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to bind.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port to listen on.",
)
@click.option("--model", "models", multiple=True, help="Serve this model (repeat; default: all).")
@click.option(
    "--token-env",
    default=_TOKEN_VAR,
    show_default=True,
    help="The environment variable holding the admin bearer token (writes, feedback, admin reads).",
)
@click.option(
    "--feedback-token-env",
    default=_FEEDBACK_TOKEN_VAR,
    show_default=True,
    help="The environment variable holding a token that may send feedback and nothing else.",
)
@click.option(
    "--public-reads",
    is_flag=True,
    help="Let anyone read GET /admin/... (the running rollouts) without a token.",
)
@click.option(
    "--feedback-max-labels",
    default=FeedbackLimits.max_labels,
    show_default=True,
    type=click.IntRange(min=1),
    help="The most labels in one feedback request (413 past it).",
)
@click.option(
    "--feedback-max-mb",
    default=FeedbackLimits.max_body_bytes / 2**20,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="The largest feedback body, in MiB (413 past it).",
)
@click.option(
    "--feedback-per-minute",
    default=FeedbackLimits.labels_per_minute,
    show_default=True,
    type=click.IntRange(min=1),
    help="The most labels per model per minute, per server process (429 past it).",
)
@click.option(
    "--max-body-mb",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Refuse prediction requests larger than this many MB (413).",
)
@click.option("--no-log", is_flag=True, help="Do not keep a prediction log.")
@click.option("--exclude", multiple=True, help="An input column never logged (repeat).")
@click.option("--hash", "hashed", multiple=True, help="An input column logged as a hash (repeat).")
@click.option("--no-rollouts", is_flag=True, help="Do not run rollouts in this server.")
@click.option(
    "--durability",
    type=click.Choice(["buffered", "durable"]),
    default="buffered",
    show_default=True,
    help="When a prediction or a label is acknowledged: once queued in memory (buffered), or "
    "once in the journal on disk (durable: a crash loses nothing acknowledged).",
)
@click.option(
    "--ui",
    "with_ui",
    is_flag=True,
    help="Also serve the dashboard at /ui (its token: the admin token; needs the ui extra).",
)
@click.option(
    "--policy",
    "policy_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="With --ui: the policy whose retrain the dashboard's Retrain button queues.",
)
@click.option(
    "--journal-dir",
    type=click.Path(file_okay=False),
    help="The local folder of the logs' journals (default: WORKSPACE/journal); journals that "
    "crashed servers left there are replayed at the start.",
)
@common_options
@pass_state
def serve(
    state: CliState,
    host: str,
    port: int,
    models: tuple[str, ...],
    token_env: str,
    feedback_token_env: str,
    public_reads: bool,
    feedback_max_labels: int,
    feedback_max_mb: float,
    feedback_per_minute: int,
    max_body_mb: float,
    no_log: bool,
    exclude: tuple[str, ...],
    hashed: tuple[str, ...],
    no_rollouts: bool,
    durability: str,
    with_ui: bool,
    policy_file: Path | None,
    journal_dir: str | None,
) -> None:
    """Serve the champion of each registered model (Open Inference Protocol and MLflow).

    Endpoints: /v2/... (Open Inference Protocol), /invocations (MLflow), /metrics, /openapi.json,
    /v2/models/NAME/feedback, /admin/rollouts. Predictions are logged to the workspace; rollouts
    started with `driftline rollout start` run here.

    Feedback and every /admin endpoint need a bearer token: the admin token (from
    $DRIFTLINE_SERVE_TOKEN) or, for feedback only, the feedback token (from
    $DRIFTLINE_FEEDBACK_TOKEN). Without either, the server takes no feedback and no changes.

    With --ui the dashboard is served at /ui by the same process; acting on it (promote, roll
    back, abort, retrain) needs the admin token.
    """
    try:
        import uvicorn

        from driftline.serving.access import Access
        from driftline.serving.workspace_app import build_app
    except ImportError as exc:
        raise click.UsageError(
            f"serving needs the serve extra: pip install 'driftline[serve]' ({exc})"
        ) from None
    token = os.environ.get(token_env) or None
    feedback_token = os.environ.get(feedback_token_env) or None
    for name in (token_env, feedback_token_env):
        state.env.pop(name, None)  # not workspace settings: the settings refuse unknown names
    try:
        access = Access(admin_token=token, feedback_token=feedback_token, public_reads=public_reads)
        limits = FeedbackLimits(
            max_labels=feedback_max_labels,
            max_body_bytes=max(1, int(feedback_max_mb * 2**20)),
            labels_per_minute=feedback_per_minute,
        )
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    with state.open_workspace() as ws:
        app = build_app(
            ws.metadata,
            ws.artifacts,
            models=models,
            access=access,
            feedback_limits=limits,
            max_body_bytes=int(max_body_mb * 2**20),
            log_predictions=not no_log,
            exclude=exclude,
            hash_columns=hashed,
            rollouts=not no_rollouts,
            durability=durability,
            journal_dir=journal_dir or ws.settings.workspace / "journal",
        )
        if with_ui:
            from driftline.cli.ui_cmd import mount_dashboard

            mount_dashboard(app, ws, token=token, policy_file=policy_file, env=state.env)
        served = ", ".join(f"{m.name}:{m.key}" for m in app.state.models)
        tokens = f"admin token: {'set' if token else 'none'}, feedback token: " + (
            "set" if feedback_token else "none"
        )
        click.echo(f"serving {served} on http://{host}:{port} ({tokens})")
        if with_ui:
            click.echo(f"dashboard on http://{host}:{port}/ui/")
        with _signals_stop_quietly():
            uvicorn.run(app, host=host, port=port, log_level="warning", ws="none")


@contextlib.contextmanager
def _signals_stop_quietly() -> Iterator[None]:
    """Let SIGINT and SIGTERM end ``serve`` with exit code 0 once uvicorn has shut down.

    uvicorn stops gracefully on either (the lifespan flushes the prediction log), then raises
    the signal again for the handler that was installed before it: without this one, SIGTERM
    would kill the process before the workspace is closed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: object) -> None:
    """A signal uvicorn has already acted on."""


@click.group()
@common_options
def rollout() -> None:
    """Roll a registered version out: canary, blue-green or shadow, with automatic rollback."""


@rollout.command("start")
@click.argument("ref", metavar="MODEL:VERSION")
@click.argument("version", type=click.IntRange(min=1), required=False, metavar="[VERSION]")
@click.option(
    "--plan",
    type=click.Choice(["canary", "blue-green", "shadow"]),
    default="canary",
    show_default=True,
    help="canary: step traffic up; blue-green: switch at once; shadow: score, serve the champion.",
)
@click.option("--steps", default="5,25,100", show_default=True, help="Canary traffic percents.")
@click.option(
    "--hold-requests",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Candidate requests per step before it is checked.",
)
@click.option("--hold-minutes", type=click.FloatRange(min=0), help="Or hold each step this long.")
@click.option(
    "--tolerance",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="How much lower the candidate's live accuracy may be than the champion's.",
)
@click.option(
    "--min-labels",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Labelled predictions each needs before accuracies are compared.",
)
@click.option(
    "--error-margin",
    default=0.01,
    show_default=True,
    type=click.FloatRange(min=0),
    help="How much higher the candidate's error rate may be.",
)
@click.option(
    "--max-failed-checks",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Failed checks that roll the candidate back.",
)
@click.option("--reason", default="", help="Why, recorded with the rollout.")
@common_options
@json_option
@pass_state
def start(
    state: CliState,
    ref: str,
    version: int | None,
    plan: str,
    steps: str,
    hold_requests: int,
    hold_minutes: float | None,
    tolerance: float,
    min_labels: int,
    error_margin: float,
    max_failed_checks: int,
    reason: str,
    as_json: str | None,
) -> None:
    """Ask the server of a model to roll MODEL:VERSION out against its champion.

    A separate [VERSION] (`churn 4`) is the old spelling, kept one release with a warning.
    """
    from driftline.cli.references import version_argument
    from driftline.registry.errors import AliasNotFoundError
    from driftline.rollout.engine import Plan, RolloutSpec

    name, version = version_argument(ref, version, command="rollout start")
    try:
        percents = tuple(float(p) for p in steps.split(","))
    except ValueError:
        raise click.BadParameter(f"--steps must be numbers like 5,25,100, got {steps!r}") from None
    with state.open_workspace() as ws:
        ws.registry.version(name, version)  # the candidate must exist
        try:
            champion = ws.registry.champion(name)
        except AliasNotFoundError:
            raise InputError(
                f"model {name!r} has no champion to roll out against: promote one with "
                f"`driftline models promote {name}:VERSION`"
            ) from None
        spec = RolloutSpec(
            name,
            champion.number,
            version,
            plan=Plan(plan),
            steps=percents,
            hold_requests=hold_requests,
            hold_seconds=hold_minutes * 60 if hold_minutes is not None else None,
            tolerance=tolerance,
            min_labels=min_labels,
            error_margin=error_margin,
            max_failed_checks=max_failed_checks,
        )
        record = ws.rollouts.request(spec, reason=reason)
    if as_json:
        echo_json(as_json, record.to_dict())
    else:
        click.echo(
            f"{record.name}: {plan} of {name}:{version} against champion {champion.number} is "
            "pending; the server serving the model starts it"
        )


@rollout.command("status")
@click.argument("name", required=False)
@common_options
@json_option
@pass_state
def status(state: CliState, name: str | None, as_json: str | None) -> None:
    """Show rollouts (of NAME) and their decisions."""
    from driftline.registry.versions import check_model_name

    if name is not None:
        check_model_name(name)
    with state.open_workspace() as ws:
        store = ws.rollouts
        records = store.all(name)
        decisions = {r.name: store.decisions(r.name) for r in records}
    if as_json:
        payload = [{**r.to_dict(), "decisions": decisions[r.name]} for r in records]
        echo_json(as_json, payload)
        return
    table = Table(title="rollouts", title_justify="left")
    for col in ("rollout", "plan", "champion", "candidate", "status", "traffic", "last decision"):
        table.add_column(col)
    for r in records:
        last = decisions[r.name][-1] if decisions[r.name] else {}
        said = f"{last.get('action', '')}: {last.get('reason', '')}".strip(": ")
        table.add_row(
            escape(r.name),
            r.spec.plan.value,
            str(r.spec.champion),
            str(r.spec.candidate),
            r.status.value,
            f"{r.percent:g}%",
            escape(said),
        )
    Console().print(table if records else "no rollouts")


@rollout.command("abort")
@click.argument("name")
@click.option("--reason", default="", help="Why, recorded with the rollout.")
@common_options
@pass_state
def abort(state: CliState, name: str, reason: str) -> None:
    """Stop NAME's rollout: the champion takes all traffic back."""
    with state.open_workspace() as ws:
        record = ws.rollouts.request_abort(name, reason=reason)
    click.echo(
        f"{record.name}: {record.status.value}"
        + (" (the server stops it within a second)" if not record.status.final else "")
    )
