"""``driftline explain``: why a served model's accuracy fell, in one line and two tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.monitor_cmd import duration_text, parse_duration, parse_time
from driftline.cli.options import CliState, common_options, echo_json, json_option, pass_state

if TYPE_CHECKING:
    from driftline.monitor.explain import Explanation

__all__ = ["explain"]


def _duration(_: click.Context, param: click.Parameter, value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _time(_: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    try:
        return None if value is None else parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _ranked(found: Explanation, limit: int) -> Table:
    table = Table(
        title=f"inputs, the most moved first (weighted by importance; top {limit})",
        title_justify="left",
    )
    for name in ("input", "distance", "importance", "score", "flagged"):
        table.add_column(name, justify="left" if name == "input" else "right")
    for change in found.ranked[:limit]:
        table.add_row(
            escape(change.feature),
            _number(change.statistic),
            _number(change.importance),
            _number(change.score, 4),
            "[red]yes[/]" if change.drifted else "no",
        )
    return table


def _bins(found: Explanation) -> Table:
    table = Table(
        title="error rate by bins of the top inputs (labelled rows)", title_justify="left"
    )
    for name in ("input", "bin", "rows", "error rate"):
        table.add_column(name, justify="right" if name in ("rows", "error rate") else "left")
    for feature, bins in found.error_by_bin.items():
        for i, b in enumerate(bins):
            table.add_row(
                escape(feature) if i == 0 else "",
                escape(str(b["bin"])),
                f"{b['rows']:,}",
                f"{b['error_rate']:.1%}",
            )
    return table


@click.command()
@click.argument("model")
@click.option(
    "--since", callback=_time, metavar="TIME", help="Only windows from TIME (ISO 8601, UTC)."
)
@click.option(
    "--until", callback=_time, metavar="TIME", help="Only windows before TIME (ISO 8601)."
)
@click.option(
    "--window",
    callback=_duration,
    default="1h",
    show_default=True,
    metavar="DURATION",
    help="Window length: the stored hour or a multiple of it (1h, 6h, 1d).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    metavar="N",
    help="Rows in the table of ranked inputs (every input is in the machine-readable output).",
)
@json_option
@common_options
@pass_state
def explain(
    state: CliState,
    /,
    model: str,
    since: datetime | None,
    until: datetime | None,
    window: timedelta,
    top: int,
    as_json: str | None,
) -> None:
    """Explain why MODEL's accuracy fell: which inputs moved, and was it sudden or gradual.

    Finds the window where the accuracy fell (the realised accuracy where labels exist, else
    the label-free estimate, and says which), ranks the inputs by how far they moved from the
    serving version's training profile in that window, weighted by the version's permutation
    importance, calls the change sudden (a step) or gradual (a ramp) from the top inputs' drift
    over the windows, and shows the error rate by bins of the top inputs where labels exist.
    The first line says it all; notes say what could not be done. See docs/monitoring.md.
    """
    from driftline.monitor.explain import explain as explain_model
    from driftline.monitor.windows import DEFAULT_WINDOW

    if window < DEFAULT_WINDOW or window % DEFAULT_WINDOW:
        raise click.BadParameter(
            f"{duration_text(window)} is not a whole number of the stored windows "
            f"({duration_text(DEFAULT_WINDOW)})",
            param_hint="'--window'",
        )
    if since is not None and until is not None and until <= since:
        raise click.BadParameter(
            f"--until {until.isoformat()} is not after --since {since.isoformat()}",
            param_hint="'--until'",
        )
    with state.open_workspace() as ws:
        found = explain_model(ws, model, since=since, until=until, window=window)
    if as_json is not None:
        echo_json(as_json, found.to_dict())
        return
    console = Console(soft_wrap=True)
    console.print(escape(found.summary), highlight=False)
    span = f"{found.start.astimezone(UTC):%Y-%m-%d %H:%M} to {found.end.astimezone(UTC):%H:%M} UTC"
    console.print(
        f"window {span}, version {escape(found.version)}, accuracy {found.accuracy_source}: "
        f"{_number(found.accuracy_before)} before, {_number(found.accuracy_after)} after; "
        f"shape: {found.shape}",
        highlight=False,
    )
    if found.ranked:
        console.print(_ranked(found, top))
    if found.error_by_bin:
        console.print(_bins(found))
    for note in found.notes:
        console.print(f"note: {escape(note)}", highlight=False)
