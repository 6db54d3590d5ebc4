"""``driftline backtest``: replay labelled data through a policy, beside baselines."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import (
    CliState,
    common_options,
    deprecated_alias,
    echo_json,
    html_option,
    json_option,
    pass_state,
)
from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.backtest.run import BacktestResult

__all__ = ["backtest"]


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar per method, on stderr when it is a terminal; else nothing."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(method: str, done: int, total: int) -> None:
        if method not in tasks:
            tasks[method] = bar.add_task(method, total=total)
        bar.update(tasks[method], completed=done)

    with bar:
        yield update


def _methods_table(result: BacktestResult) -> Table:
    table = Table(
        title=(
            f"backtest of {escape(result.data)}: {result.rows:,} rows, spans of "
            f"{result.span_rows:,}, label delay {result.delay:,}, seed {result.seed} "
            f"(scored from row {result.first_scored:,})"
        ),
        title_justify="left",
    )
    for name in ("method", "accuracy", "vs driftline", "retrains", "CPU s"):
        table.add_column(name, justify="left" if name == "method" else "right")
    mine = result.methods[0]
    for m in result.methods:
        diff = "" if m is mine else f"{100 * (m.accuracy - mine.accuracy):+.2f} pt"
        retrains = str(m.retrains) if m.key in ("policy", "never", "every") else "-"
        name = f"[bold]{escape(m.name)}[/]" if m is mine else escape(m.name)
        table.add_row(name, f"{m.accuracy:.4f}", diff, retrains, f"{m.cpu_seconds:.2f}")
    return table


def _decisions_table(result: BacktestResult) -> Table:
    metric = str(result.policy.get("gate", {}).get("metric", "accuracy"))
    table = Table(
        title=(
            f"retrains of the policy: {len(result.decisions)} "
            f"({sum(d.blessed for d in result.decisions)} promoted, {len(result.refused)} "
            f"refused by validation, {result.suppressed} suppressed by cooldown)"
        ),
        title_justify="left",
    )
    for name in ("span", "trigger", "spans", "challenger", "champion", "verdict"):
        table.add_column(
            name, justify="right" if name in ("span", "challenger", "champion") else "left"
        )
    for d in result.decisions:
        kinds = ", ".join(str(t["kind"]) for t in d.triggers)
        challenger = "" if d.challenger is None else f"{d.challenger.get(metric, 0):.4f}"
        champion = "" if d.champion is None else f"{d.champion.get(metric, 0):.4f}"
        verdict = "[green]promoted[/]" if d.blessed else f"kept ({escape(d.reason)})"
        if d.refused:
            verdict = f"[red]refused[/] ({escape(d.reason)})"
        table.add_row(
            str(d.span),
            escape(kinds),
            f"{d.trained_spans[0]}-{d.trained_spans[1]}",
            challenger,
            champion,
            verdict,
        )
    return table


def _check_output(option: str, path: Path | None) -> None:
    """Refuse, before the replay, an output file whose folder does not exist."""
    if path is not None and not path.parent.is_dir():
        raise InputError(
            f"{option} {path}: the folder {path.parent} does not exist; create it first, or "
            "write the file elsewhere"
        )


@click.command()
@click.argument("data")
@click.option(
    "--policy",
    "policy_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The policy (TOML) to replay (default: $DRIFTLINE_POLICY, else driftline.toml in this "
    "folder or the nearest parent).",
)
@click.option(
    "--delay",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Label delay in rows: a row's label arrives N rows after it.",
)
@click.option(
    "--span-rows",
    type=click.IntRange(min=2),
    default=None,
    help="Rows per span (default: the policy's [backtest] span_rows, else 1000).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Seed (default: the policy's, else 0)."
)
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=None,
    help="Rows of a river: stream (default 10,000), or the first N rows of a file.",
)
@click.option(
    "--baselines",
    default="all",
    show_default=True,
    metavar="all|none|LIST",
    help="Baselines to run beside the policy: never, every, last, hat, arf (comma-separated).",
)
@html_option()
@click.option(
    "--png",
    "png_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.png",
    help="Write the accuracy plot as PNG (needs matplotlib).",
)
@click.option(
    "--no-timings",
    is_flag=True,
    help="Leave CPU seconds out of the JSON, so equal inputs give identical bytes.",
)
@click.option(
    "--save",
    is_flag=True,
    help="Also store the report in the workspace (kind backtest_report; the dashboard's "
    "Decisions page lists it).",
)
@common_options
@json_option
@deprecated_alias(
    "--report", "--html", "html_path", type=click.Path(dir_okay=False, path_type=Path)
)
@pass_state
def backtest(
    state: CliState,
    data: str,
    policy_file: Path | None,
    delay: int,
    span_rows: int | None,
    seed: int | None,
    rows: int | None,
    baselines: str,
    html_path: Path | None,
    png_path: Path | None,
    no_timings: bool,
    save: bool,
    as_json: str | None,
) -> None:
    """Replay DATA through the policy span by span, beside baselines; report accuracy and cost.

    DATA is a CSV, Parquet or Arrow file with the policy's label column, or a synthetic stream:
    river:SEA, river:Agrawal or river:Hyperplane (with --rows, seeded). Every row is predicted
    before its label is used; a row's label arrives --delay rows later. No workspace or server
    is needed, unless --save stores the report in the workspace.
    """
    from driftline.backtest.run import parse_baselines, run_backtest
    from driftline.backtest.streams import load_stream, stream_name
    from driftline.policy.location import find_policy, read_policy

    for option, path in (("--html", html_path), ("--png", png_path)):
        _check_output(option, path)
    if save:  # a missing workspace is said before the replay, not after it
        with state.open_workspace():
            pass
    source = find_policy(policy_file, env=os.environ)
    policy = read_policy(source)
    if policy_file is None:
        click.echo(source.describe(), err=True)
    keys = parse_baselines(baselines)
    chosen_seed = policy.backtest.seed if seed is None else seed
    table = load_stream(data, rows=rows, seed=chosen_seed)
    with _progress(not as_json) as progress:
        result = run_backtest(
            table,
            policy,
            delay=delay,
            span_rows=span_rows,
            seed=chosen_seed,
            baselines=keys,
            name=stream_name(data),
            policy_file=str(source.path),
            progress=progress,
        )
    if as_json:
        echo_json(as_json, result.to_json(timings=not no_timings))
    else:
        console = Console()
        console.print(_methods_table(result))
        console.print(_decisions_table(result))
    if html_path is not None:
        written = result.to_html(html_path)
        click.echo(f"wrote {written}", err=True)
    if png_path is not None:
        written = result.to_png(png_path)
        click.echo(f"wrote {written}", err=True)
    if save:
        _save(state, result)


def _save(state: CliState, result: BacktestResult) -> None:
    """Store the report in the workspace and say where the dashboard shows it."""
    from driftline.backtest.saved import save_report

    with state.open_workspace() as ws:
        saved = save_report(ws, result)
    click.echo(
        f"saved the report as artifact {saved} (driftline ui: /decisions/backtests/{saved})",
        err=True,
    )
