"""``driftline run`` and ``driftline runs``: run a pipeline file, list and show runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import (
    CliState,
    common_options,
    echo_json,
    json_option,
    limit_option,
    pass_state,
)
from driftline.core.errors import InputError

__all__ = ["parse_param_options", "run", "runs"]


def parse_param_options(pipeline: Any, pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``KEY=VALUE`` texts into run params, each parsed for its parameter's annotation.

    ``KEY`` is ``step.param``, or ``param`` (set for every step that has it, all of which must
    annotate it alike to parse it here).

    Raises:
        InputError: a text without ``=``, or a value that does not fit its parameter.

    """
    from driftline.pipeline.params import parse_text

    annotations: dict[str, list[tuple[str, Any]]] = {}
    for s in pipeline.steps:
        for p in s.params:
            annotations.setdefault(p.name, []).append((s.name, p.annotation))
            annotations.setdefault(f"{s.name}.{p.name}", []).append((s.name, p.annotation))
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--param takes KEY=VALUE, got {pair!r}")
        kinds = {repr(a): a for _, a in annotations.get(key, [])}
        if len(kinds) != 1:
            params[key] = text  # unknown or typed two ways: resolve_params names the problem
            continue
        params[key] = parse_text(next(iter(kinds.values())), text, f"--param {key}")
    return params


def _steps_table(result: Any) -> Table:
    table = Table(
        title=f"run {escape(result.run_id)} · {result.status.value}", title_justify="left"
    )
    for col in ("step", "state", "execution", "outputs"):
        table.add_column(col)
    colours = {"COMPLETE": "green", "CACHED": "blue", "FAILED": "red", "CANCELED": "yellow"}
    for name, s in result.steps.items():
        state = s.state.value + (" (reused)" if s.reused else "")
        outputs = ", ".join(f"{port}: artifact {a.id}" for port, a in s.outputs.items())
        table.add_row(
            escape(name),
            f"[{colours.get(s.state.value, 'white')}]{state}[/]",
            str(s.execution_id or ""),
            escape(outputs or (s.error.splitlines()[0] if s.error else "")),
        )
    return table


@click.command()
@click.argument("pipeline_file", metavar="PIPELINE.py")
@click.option(
    "--runner",
    default="local",
    show_default=True,
    metavar="RUNNER",
    help="Where the steps run: local (this process), threads, ray (a local Ray), "
    "ray://HOST:PORT or auto (a Ray cluster).",
)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a step parameter (step.param=value, or param=value for every step that has it).",
)
@click.option(
    "--resume", metavar="RUN", help="Continue RUN, whose process died, from its finished steps."
)
@click.option(
    "--name", "pipeline_name", metavar="NAME", help="Which pipeline, if the file has several."
)
@common_options
@json_option
@pass_state
def run(
    state: CliState,
    pipeline_file: str,
    runner: str,
    params: tuple[str, ...],
    resume: str | None,
    pipeline_name: str | None,
    as_json: str | None,
) -> None:
    """Run the pipeline defined in PIPELINE.py, recording every step with lineage.

    Unchanged steps are CACHED. A run whose process died continues with --resume RUN.
    """
    from driftline.pipeline import StepFailedError, load_pipeline_file, run_pipeline

    pipeline = load_pipeline_file(pipeline_file, pipeline_name)
    values = parse_param_options(pipeline, params)
    with state.open_workspace() as ws:
        try:
            result = run_pipeline(ws, pipeline, params=values or None, runner=runner, resume=resume)
        except StepFailedError as exc:
            _print_result(exc.result, as_json)
            raise
    _print_result(result, as_json)


def _print_result(result: Any, as_json: str | None) -> None:
    if result is None:
        return
    if as_json:
        echo_json(as_json, result.to_dict())
    else:
        Console().print(_steps_table(result))


@click.group()
@common_options
def runs() -> None:
    """List pipeline runs and show one."""


@runs.command("list")
@limit_option(20, "Show the latest N runs.", minimum=1)
@common_options
@json_option
@pass_state
def list_runs(state: CliState, limit: int, as_json: str | None) -> None:
    """List the latest runs, newest first, with their short ids (whole ids with --json).

    \b
    Example:
      driftline runs list --limit 5
    """  # noqa: D301 - \b keeps click from rewrapping the example
    from driftline.cli.run_views import run_row, runs_table
    from driftline.store.queries import ContextQuery

    with state.open_workspace() as ws:
        found = ws.metadata.contexts(ContextQuery(kind="run", limit=limit))
    rows = [run_row(c.properties, c.name) for c in found]
    if as_json:
        echo_json(as_json, rows)
        return
    Console().print(runs_table(rows))


@runs.command("show")
@click.argument("run_id", metavar="RUN")
@common_options
@json_option
@pass_state
def show_run(state: CliState, run_id: str, as_json: str | None) -> None:
    """Show RUN: its steps with states, durations, parameters, outputs and metrics.

    RUN is a run id, a unique prefix of one or of its short id (the id column of
    `driftline runs list`), or `latest`. A prefix several runs share lists them (exit 2).

    \b
    Examples:
      driftline runs show latest
      driftline runs show 3fa2b1c9 --json
    """  # noqa: D301 - \b keeps click from rewrapping the examples
    from driftline.cli.run_views import show_view
    from driftline.pipeline.run_lookup import find_run
    from driftline.pipeline.run_record import read_run

    with state.open_workspace() as ws:
        record = read_run(ws.metadata, find_run(ws.metadata, run_id))
    if as_json:
        echo_json(as_json, record.to_dict())
        return
    Console().print(show_view(record))
