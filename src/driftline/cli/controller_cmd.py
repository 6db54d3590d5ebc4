"""``driftline controller`` (the adaptation loop) and ``driftline trigger`` (a manual trigger).

See ``docs/controller.md``.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from driftline.cli.options import CliState, common_options, echo_json, json_option, pass_state
from driftline.core.errors import DriftlineError, InputError

if TYPE_CHECKING:
    from driftline.controller.loop import Controller
    from driftline.policy.location import PolicySource
    from driftline.policy.model import Policy
    from driftline.workspace import Workspace

__all__ = ["controller", "locate_policy", "start_policy", "trigger"]


class _JobFailed(DriftlineError):
    """A job of this tick failed (exit code 1)."""


def locate_policy(
    ws: Workspace | None, policy_file: Path | None, env: Mapping[str, str]
) -> tuple[Policy, PolicySource]:
    """The policy and where it came from (see :mod:`driftline.policy.location`).

    Says on stderr when the policy comes from the workspace's settings file (read one more
    release) or overrides policy sections left there.

    Raises:
        ConfigError: no policy anywhere (naming where it looked), or a bad policy.

    """
    from driftline.core.settings import SETTINGS_FILE
    from driftline.policy.location import find_policy, read_policy

    settings = ws.settings.workspace / SETTINGS_FILE if ws is not None else None
    source = find_policy(policy_file, env=env, workspace_settings=settings)
    policy = read_policy(source)
    warning = source.warning()
    if warning:
        click.echo(warning, err=True)
    return policy, source


def start_policy(workspace: str | Path | None) -> bool:
    """Write a commented policy to ./driftline.toml, for ``driftline init --policy``.

    Given the workspace folder ``init`` is about to create: refuses at once when
    ./driftline.toml exists, and writes the policy only if that workspace exists already (so
    ``init`` has nothing more to do). Given None (the workspace was just made): writes it.
    Returns whether it wrote the policy.

    Raises:
        InputError: ./driftline.toml exists.

    """
    from driftline.core.settings import SETTINGS_FILE
    from driftline.policy.template import write_policy_template

    file = Path(SETTINGS_FILE)
    if workspace is not None:
        if file.exists():
            raise InputError(f"./{SETTINGS_FILE} exists already: edit it, or remove it first")
        if not (Path(workspace) / SETTINGS_FILE).is_file():
            return False
        click.echo(f"workspace {workspace} exists already")
    write_policy_template(file)
    click.echo(
        f"wrote ./{SETTINGS_FILE}: a commented policy; fill in its [model] section "
        "(see docs/controller.md)"
    )
    return True


def _make_controller(
    ws: Workspace,
    policy_file: Path | None,
    log: Callable[[str], None],
    env: Mapping[str, str],
    *,
    lease_seconds: float = 60.0,
    param_pairs: Sequence[str] = (),
) -> Controller:
    from driftline.cli.run_cmds import parse_param_options
    from driftline.components import standard_pipeline
    from driftline.controller.loop import Controller
    from driftline.rollout.requests import rollout_requester

    policy, source = locate_policy(ws, policy_file, env)
    log(source.describe())
    params = parse_param_options(standard_pipeline(), param_pairs)
    return Controller(
        ws,
        policy,
        lease_seconds=lease_seconds,
        params=params,
        base=source.base,
        rollouts=rollout_requester(ws.metadata),
        log=log,
        where=str(source.path),
    )


def _logger(as_json: str | None) -> Callable[[str], None]:
    """One line per decision, with the time: on stdout, or on stderr when stdout holds JSON."""
    from datetime import UTC, datetime

    def log(line: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(f"{stamp} {line}", err=as_json == "-")

    return log


@contextlib.contextmanager
def _stop_on_signals(controller: Controller) -> Iterator[None]:
    """SIGINT/SIGTERM stop the controller after the current step; a second one interrupts."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if controller.stopping:
            raise KeyboardInterrupt
        controller.log(
            f"{signal.Signals(signum).name}: stopping after the current step (again to interrupt)"
        )
        controller.stop()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


_PARAM = click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Another parameter of the training pipeline (step.param=value, or param=value).",
)
_POLICY = click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The policy file (default: $DRIFTLINE_POLICY, else driftline.toml in this folder or "
    "the nearest parent; see docs/controller.md).",
)


@click.command()
@click.option("--once", is_flag=True, help="Run one tick (triggers, then queued jobs) and exit.")
@_POLICY
@click.option(
    "--tick",
    "tick_seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="Seconds between ticks.",
)
@click.option(
    "--lease",
    "lease_seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a job's claim holds without renewal (a killed controller's job is taken over "
    "this long after it died).",
)
@_PARAM
@common_options
@json_option
@pass_state
def controller(
    state: CliState,
    once: bool,
    policy_file: Path | None,
    tick_seconds: float,
    lease_seconds: float,
    params: tuple[str, ...],
    as_json: str | None,
) -> None:
    """Run the adaptation loop: evaluate the policy's triggers, run retrains, request rollouts.

    Every tick evaluates each trigger (cron, new_data, metric, drift) and records what fired and
    why; a firing enqueues a retrain (two at once make one job); then the queued jobs run, each
    claimed with a lease so that two controllers never run one job. Killed and started again, a
    controller resumes the job's run where it stopped. SIGINT or SIGTERM stop it after the
    current step. --once runs one tick and exits (1 if a job failed).
    """
    with state.open_workspace() as ws:
        ctl = _make_controller(
            ws,
            policy_file,
            _logger(as_json),
            state.env,
            lease_seconds=lease_seconds,
            param_pairs=params,
        )
        with _stop_on_signals(ctl):
            if not once:
                ctl.log(
                    f"controller {ctl.owner} of {ctl.model}: a tick every {tick_seconds:g} s, "
                    f"leases of {lease_seconds:g} s"
                )
                ctl.run_forever(tick_seconds)
                ctl.log("controller stopped")
                return
            result = ctl.tick()
    if as_json:
        echo_json(as_json, result.to_dict())
    if result.failed:
        failed = [j for j in result.jobs if j.status.value == "failed"]
        raise _JobFailed("; ".join(f"job {j.job} failed: {j.error}" for j in failed))


@click.command()
@click.argument("pipeline", metavar="PIPELINE")
@click.option("--reason", default="", help="Why (recorded with the trigger).")
@_POLICY
@_PARAM
@common_options
@json_option
@pass_state
def trigger(
    state: CliState,
    pipeline: str,
    reason: str,
    policy_file: Path | None,
    params: tuple[str, ...],
    as_json: str | None,
) -> None:
    """Ask for a run of PIPELINE now (train: the policy's training pipeline).

    The job is queued for the controller (`driftline controller`), with the policy's parameters
    (and --param) as they are now. When a retrain is already pending or running, no second one
    is made: the trigger is recorded onto it.
    """
    with state.open_workspace() as ws:
        said: list[str] = []
        ctl = _make_controller(ws, policy_file, said.append, state.env, param_pairs=params)
        enqueued = ctl.trigger(pipeline, reason=reason)
    job = enqueued.job
    if as_json:
        out: dict[str, Any] = {"outcome": enqueued.outcome, "job": job.to_dict()}
        echo_json(as_json, out)
        return
    click.echo(said[0], err=True)
    if enqueued.created:
        click.echo(f"job {job.name} queued: `driftline controller` runs it")
    else:
        click.echo(
            f"job {job.name} is {job.status.value} already: this trigger was recorded onto it"
        )
    sys.stdout.flush()
