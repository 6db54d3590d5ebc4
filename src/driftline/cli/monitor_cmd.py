"""``driftline monitor``: a served model's live windows, one line each, as a table, JSON or HTML."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import (
    CliState,
    common_options,
    echo_json,
    html_option,
    json_option,
    pass_state,
)

if TYPE_CHECKING:
    from rich.console import JustifyMethod

    from driftline.monitor.window_metrics import WindowMetrics

__all__ = ["duration_text", "monitor", "parse_duration", "parse_time"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """``30m``, ``1h``, ``6h``, ``1d``, ``1w``: a positive whole number and a unit (s m h d w).

    Examples:
        >>> parse_duration("6h"), parse_duration(" 90m ")
        (datetime.timedelta(seconds=21600), datetime.timedelta(seconds=5400))
        >>> parse_duration("soon")
        Traceback (most recent call last):
        ...
        ValueError: 'soon' is not a duration: write a positive whole number and a unit, s, m, h, \
d or w (1h, 6h, 1d)

    """
    found = _DURATION.match(text)
    if found is None or int(found[1]) == 0:
        raise ValueError(
            f"{text!r} is not a duration: write a positive whole number and a unit, s, m, h, d "
            "or w (1h, 6h, 1d)"
        )
    return timedelta(seconds=int(found[1]) * _UNITS[found[2]])


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime (naive means UTC).

    Examples:
        >>> parse_time("2026-05-01T10:00").isoformat()
        '2026-05-01T10:00:00+00:00'
        >>> parse_time("2026-05-01T12:00+02:00").isoformat()
        '2026-05-01T10:00:00+00:00'

    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time (2026-05-01 or 2026-05-01T10:00, UTC unless it "
            "names a zone: 2026-05-01T10:00+02:00)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _duration(_: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    try:
        return None if value is None else parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _time(_: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    try:
        return None if value is None else parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def duration_text(value: timedelta) -> str:
    """``1h``, ``90m``, ``1d``: a duration in its largest whole unit.

    Examples:
        >>> duration_text(timedelta(hours=6)), duration_text(timedelta(minutes=90))
        ('6h', '90m')

    """
    seconds = int(value.total_seconds())
    unit = next(u for u in ("w", "d", "h", "m", "s") if seconds % _UNITS[u] == 0)
    return f"{seconds // _UNITS[unit]}{unit}"


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar of the segments profiled, on stderr when it is a terminal."""
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
    task = bar.add_task("profiling logged predictions", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def _pct(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:.{digits}%}"


def _acc(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _prediction_drift(w: WindowMetrics) -> str:
    found = w.prediction_drift
    if found is None:
        return ""
    if found.status != "compared":
        return found.status
    return "[red]yes[/]" if found.drifted else "no"


def _table(model: str, window: timedelta, windows: Sequence[WindowMetrics]) -> Table:
    rows = sum(w.rows for w in windows)
    table = Table(
        title=(
            f"{escape(model)}: {len(windows)} window{'s' if len(windows) != 1 else ''} of "
            f"{duration_text(window)}, {rows:,} logged rows"
        ),
        title_justify="left",
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("window (UTC)", "left"),
        ("ver", "left"),
        ("rows", "right"),
        ("drift", "right"),
        ("drifted inputs", "left"),
        ("pred drift", "left"),
        ("outliers", "right"),
        ("est acc", "right"),
        ("real acc", "right"),
        ("labels", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=name == "window (UTC)")
    for w in windows:
        top = ", ".join(w.drifted[:3]) + (f" +{len(w.drifted) - 3}" if len(w.drifted) > 3 else "")
        table.add_row(
            f"{w.start.astimezone(UTC):%Y-%m-%d %H:%M}",
            escape(w.version),
            f"{w.rows:,}",
            _pct(w.drift_share),
            escape(top),
            _prediction_drift(w),
            _pct(w.outlier_rate, 1),
            _acc(w.estimated_accuracy),
            _acc(w.realised_accuracy),
            f"{w.labelled_rows:,}" if w.labelled_rows else "",
        )
    return table


def _check_window(window: timedelta, stored: timedelta) -> None:
    if window < stored or window % stored:
        raise click.BadParameter(
            f"{duration_text(window)} is not a whole number of the stored windows "
            f"({duration_text(stored)}): use {duration_text(stored)}, "
            f"{duration_text(stored * 6)}, {duration_text(stored * 24)}...",
            param_hint="'--window'",
        )


@click.command()
@click.argument("model")
@click.option(
    "--window",
    callback=_duration,
    default="1h",
    show_default=True,
    metavar="DURATION",
    help="Window length: the stored hour or a multiple of it (1h, 6h, 1d).",
)
@click.option(
    "--since", callback=_time, metavar="TIME", help="Only windows from TIME (ISO 8601, UTC)."
)
@click.option(
    "--until", callback=_time, metavar="TIME", help="Only windows before TIME (ISO 8601)."
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    metavar="N",
    help="Only the windows of version N (default: every version that served).",
)
@html_option("Write a self-contained HTML report with plots (works offline) to FILE.")
@json_option
@common_options
@pass_state
def monitor(
    state: CliState,
    /,
    model: str,
    window: timedelta,
    since: datetime | None,
    until: datetime | None,
    version: int | None,
    html_path: Path | None,
    as_json: str | None,
) -> None:
    """Show MODEL's live windows: rows, drift, outliers, estimated and realised accuracy.

    Each window of the prediction log (default one hour) is profiled once and stored; this
    first profiles what was logged since the last time. Per window: rows, the share of inputs
    that drifted from the serving version's training profile and the top ones, whether the
    predictions drifted from those the version made on its evaluation rows, the outlier rate,
    the label-free estimated accuracy and the realised accuracy from the labels received so
    far. What could not be computed (no training profile, no probabilities, hashed inputs) is
    said once under the table. See docs/monitoring.md.
    """
    from driftline.monitor.report_html import notes_once, write_html
    from driftline.monitor.window_metrics import window_metrics
    from driftline.monitor.windows import DEFAULT_WINDOW, update_windows
    from driftline.store.stores import Stores

    _check_window(window, DEFAULT_WINDOW)
    if since is not None and until is not None and until <= since:
        raise click.BadParameter(
            f"--until {until.isoformat()} is not after --since {since.isoformat()}",
            param_hint="'--until'",
        )
    with state.open_workspace() as ws:
        ws.registry.version(model, version)  # names a model or version that does not exist
        stores = Stores.of(ws)
        with _progress(as_json != "-") as progress:
            update_windows(stores, model, progress=progress)
        found = window_metrics(
            stores, model, version=version, since=since, until=until, window=window, update=False
        )
    notes = notes_once(found)
    if as_json:
        echo_json(
            as_json,
            {
                "model": model,
                "window": duration_text(window),
                "window_seconds": int(window.total_seconds()),
                "since": None if since is None else since.isoformat(),
                "until": None if until is None else until.isoformat(),
                "version": version,
                "windows": [w.to_dict() for w in found],
                "notes": notes,
            },
        )
    if as_json != "-":
        console = Console()
        if found:
            console.print(_table(model, window, found))
        else:
            console.print(f"no logged predictions of {escape(model)} in the time asked for")
        for note in notes:
            console.print(f"note: {escape(note)}", soft_wrap=True)
    if html_path is not None:
        title = f"Monitor: {model}" + (f" version {version}" if version is not None else "")
        written = write_html(html_path, found, title=title)
        click.echo(f"wrote {written}", err=True)
