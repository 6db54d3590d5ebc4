"""The ``driftline`` command group and its entry point."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from rich.console import Console

from driftline import __version__
from driftline.cli.errors import EXIT_CODES, report
from driftline.cli.examples import add_examples
from driftline.cli.options import (
    CliState,
    common_options,
    deprecated_alias,
    echo_json,
    json_option,
    limit_option,
    pass_state,
)
from driftline.core.errors import DriftlineError
from driftline.store.records import LineageDirection

__all__ = ["cli", "main"]

_EXIT_CODES = "\b\nExit codes (every command):\n" + "\n".join(
    f"  {code}  {what}" for code, what in EXIT_CODES.items()
)
_EPILOG = (
    f'{_EXIT_CODES}\n\nShell completion: eval "$(_DRIFTLINE_COMPLETE=bash_source driftline)" '
    "(zsh_source, fish_source for zsh and fish); see docs/cli.md."
)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_EPILOG,
)
@click.version_option(__version__, "--version", prog_name="driftline")
@common_options
def cli() -> None:
    """Driftline keeps machine-learning models right while the world changes.

    Every command reads the workspace from --workspace, else $DRIFTLINE_WORKSPACE, else
    ./.driftline.
    """


@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option("--metadata-url", metavar="URL", help="Metadata database (default: SQLite inside).")
@click.option("--artifacts-url", metavar="URL", help="Artifact store (default: a folder inside).")
@click.option(
    "--policy",
    "with_policy",
    is_flag=True,
    help="Also write a commented policy to ./driftline.toml (the project root) to fill in.",
)
@common_options
@pass_state
def init(
    state: CliState,
    path: str | None,
    metadata_url: str | None,
    artifacts_url: str | None,
    with_policy: bool,
) -> None:
    """Create a workspace in PATH (default: the --workspace folder, else ./.driftline).

    Refuses to touch a folder that already holds a workspace. With --policy, also writes a
    commented policy to ./driftline.toml (only that when the workspace exists already). With
    DRIFTLINE_METADATA_URL and DRIFTLINE_ARTIFACTS_URL set and no PATH, creates the workspace
    those two define, writing no file.
    """
    from driftline.cli.controller_cmd import start_policy
    from driftline.workspace import Workspace

    if path is None and state.workspace is None and state.settings().from_env:
        from driftline.core.urls import redact_url

        with Workspace.init_from_env(state.env) as ws:  # the environment alone defines it
            stores = f"{redact_url(ws.settings.metadata_url)} and {ws.settings.artifacts_url}"
            Console(soft_wrap=True).print(
                f"created workspace in [bold]{stores}[/] (no file written)"
            )
        if with_policy:
            start_policy(None)
        return
    target = path or state.workspace or state.settings().workspace
    if with_policy and start_policy(target):
        return
    with Workspace.init(target, metadata_url=metadata_url, artifacts_url=artifacts_url) as ws:
        Console(soft_wrap=True).print(f"created workspace [bold]{ws.settings.workspace}[/]")
    if with_policy:
        start_policy(None)


@cli.command()
@limit_option(5, "Show the last N jobs (with --store: executions).")
@click.option(
    "--store",
    is_flag=True,
    help="What the stores hold instead: artifact, execution and context counts, URLs.",
)
@common_options
@json_option
@deprecated_alias("--last", "--limit", "limit", type=click.IntRange(0, 10_000))
@pass_state
def status(state: CliState, limit: int, store: bool, as_json: str | None) -> None:
    """Show the loop at a glance: models, live accuracy, jobs, rollouts, datasets.

    Each model's champion with the live accuracy (realised and estimated), input drift and
    outlier rate of its newest window and its controller's health (alive, stale, none); the
    last jobs, failed ones first with their reason; active rollouts; each dataset's newest
    span; the latest trigger decisions. The dashboard (`driftline ui`) shows the same first.
    --store shows what the stores hold instead.
    """
    if store:
        from driftline.cli.render import status_view

        with state.open_workspace() as ws:
            info = ws.status(last=limit)
        if as_json:
            echo_json(as_json, info.to_dict())
        else:
            Console().print(status_view(info))
        return
    from driftline.cli.status_view import overview_view
    from driftline.ui.jsonable import jsonable
    from driftline.ui.views.overview import overview

    with state.open_workspace() as ws:
        view = overview(ws, jobs=limit)
        where = str(ws.settings.workspace)
    if as_json:
        echo_json(as_json, {"workspace": where, **jsonable(view.to_dict())})
    else:
        Console().print(overview_view(view, where))


@cli.command()
@click.argument("artifact")
@click.option("--up", "direction", flag_value="up", help="Only what ARTIFACT was made from.")
@click.option("--down", "direction", flag_value="down", help="Only what was made from ARTIFACT.")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    help="Follow at most N hops (default: all the way).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Draw every artifact and execution on a line of its own (default: one line per "
    "execution, with what it wrote).",
)
@common_options
@json_option
@pass_state
def lineage(
    state: CliState,
    artifact: str,
    direction: str | None,
    depth: int | None,
    full: bool,
    as_json: str | None,
) -> None:
    """Draw the lineage of ARTIFACT upstream and downstream.

    ARTIFACT is a span (elec2:3), a model version (churn:1, churn@champion), an artifact id
    (#12, artifact:12), a run (its outputs), or an artifact's name: see docs/references.md.
    The tree has one line per execution with what it wrote; --full draws every artifact on a
    line of its own; --json gives the whole graph.
    """
    from driftline.cli.references import say_found
    from driftline.cli.render import lineage_dict, lineage_tree

    with state.open_workspace() as ws:
        found = ws.find(artifact)
        say_found(found)
        graph = ws.lineage(found, LineageDirection(direction or "both"), depth)
    if as_json:
        echo_json(as_json, lineage_dict(graph))
    else:
        Console().print(lineage_tree(graph, full=full))


@cli.command()
@click.argument("artifacts", nargs=-1, metavar="[ARTIFACT]...")
@common_options
@json_option
@pass_state
def verify(state: CliState, artifacts: tuple[str, ...], as_json: str | None) -> None:
    """Check that artifacts' bytes match their recorded SHA-256 (default: every LIVE artifact).

    ARTIFACT takes every form lineage does (a run: all it recorded; see docs/references.md).
    Exits with 1 when any artifact is corrupt or missing, naming each one.
    """
    from driftline.cli.references import say_found
    from driftline.cli.render import verify_view

    with state.open_workspace() as ws:
        found = [ws.find(a) for a in artifacts]
        for each in found:
            say_found(each)
        result = ws.verify(found or None)
    if as_json:
        echo_json(as_json, result.to_dict())
    else:
        Console().print(verify_view(result))
    result.raise_for_failures()


from driftline.cli.backtest_cmd import backtest as _backtest_command  # noqa: E402
from driftline.cli.controller_cmd import controller as _controller_command  # noqa: E402
from driftline.cli.controller_cmd import trigger as _trigger_command  # noqa: E402
from driftline.cli.data_cmds import COMMANDS as _DATA_COMMANDS  # noqa: E402
from driftline.cli.drift_cmd import drift as _drift_command  # noqa: E402
from driftline.cli.explain_cmd import explain as _explain_command  # noqa: E402
from driftline.cli.models_cmd import models as _models_group  # noqa: E402
from driftline.cli.monitor_cmd import monitor as _monitor_command  # noqa: E402
from driftline.cli.run_cmds import run as _run_command  # noqa: E402
from driftline.cli.run_cmds import runs as _runs_group  # noqa: E402
from driftline.cli.serve_cmds import rollout as _rollout_group  # noqa: E402
from driftline.cli.serve_cmds import serve as _serve_command  # noqa: E402
from driftline.cli.spans_cmd import spans as _spans_group  # noqa: E402
from driftline.cli.ui_cmd import ui as _ui_command  # noqa: E402

for _command in (
    *_DATA_COMMANDS,
    _drift_command,
    _run_command,
    _runs_group,
    _models_group,
    _serve_command,
    _rollout_group,
):
    cli.add_command(_command)
cli.add_command(_backtest_command)
cli.add_command(_spans_group)
cli.add_command(_controller_command)
cli.add_command(_trigger_command)
cli.add_command(_monitor_command)
cli.add_command(_explain_command)
cli.add_command(_ui_command)
add_examples(cli)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with its documented exit code."""
    state = CliState()
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="driftline",
            obj=state,
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except DriftlineError as exc:
        sys.exit(report(exc, debug=state.debug or state.env_debug()))
    except Exception as exc:
        sys.exit(report(exc, debug=state.debug or state.env_debug()))
    sys.exit(code if isinstance(code, int) else 0)
