"""Data commands: ``ingest``, ``spans`` (the listing), ``profile``, ``schema``, ``validate``.

See ``docs/data.md``.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import CliState, common_options, echo_json, json_option, pass_state
from driftline.cli.reading import (
    announce_reads,
    read_options,
    read_overrides,
    reading,
    warn_infinite,
)
from driftline.cli.references import say_ref_notes
from driftline.core.errors import InputError, NotFoundError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.data.sources import ProgressFn
    from driftline.data.spans import Span

__all__ = ["COMMANDS"]


def _column_types(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        column, sep, kind = value.rpartition("=")
        if not sep or not column or not kind:
            raise InputError(f"--column-type takes COL=TYPE (e.g. zip=string), got {value!r}")
        out[column] = kind
    return out


@contextmanager
def _progress(label: str) -> Iterator[ProgressFn | None]:
    """A rich progress bar by bytes read, on stderr when it is a terminal; else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _span_table(spans: list[Span], title: str, held: dict[int, str]) -> Table:
    table = Table(title=title)
    for name in ("span", "rows", "train", "eval", "time from", "time to", "created", "status"):
        table.add_column(name, justify="right" if name in ("rows", "train", "eval") else "left")
    for s in spans:
        table.add_row(
            s.ref,
            f"{s.rows:,}",
            f"{s.train_rows:,}",
            f"{s.eval_rows:,}",
            str(s.time_min if s.time_min is not None else "-"),
            str(s.time_max if s.time_max is not None else "-"),
            s.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "[red]quarantined[/]" if s.number in held else "ok",
        )
    return table


@click.command()
@click.argument("dataset")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--label", metavar="COL", help="The label column.")
@click.option("--key", metavar="COL", help="Split train/eval by the hash of this column.")
@click.option("--time", "time_column", metavar="COL", help="An event-time column.")
@click.option(
    "--eval-fraction", default=0.2, show_default=True, type=float, help="Share of rows for eval."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "arrow"]),
    default=None,
    help="Read every file as this format (default: by suffix).",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of CSVs.")
@click.option(
    "--column-type",
    "column_types",
    multiple=True,
    metavar="COL=TYPE",
    help="Force a column's type (string, int64, float64, bool, timestamp...).",
)
@click.option(
    "--allow-schema-change",
    is_flag=True,
    help="Store data whose columns do not fit the dataset (it is quarantined until released).",
)
@read_options(encoding=False)
@common_options
@json_option
@pass_state
def ingest(
    state: CliState,
    dataset: str,
    paths: tuple[str, ...],
    label: str | None,
    key: str | None,
    time_column: str | None,
    eval_fraction: float,
    fmt: str | None,
    encoding: str,
    column_types: tuple[str, ...],
    allow_schema_change: bool,
    delimiter: str | None,
    header: bool | None,
    column_names: str | None,
    as_json: str | None,
) -> None:
    """Ingest PATH... (CSV, Parquet, Arrow files, folders or globs) as the next span of DATASET.

    A CSV file's delimiter and header row are detected (and said on stderr) unless given.
    """
    from driftline.data.ingest_options import IngestOptions

    options = IngestOptions(
        label=label,
        key=key,
        time=time_column,
        eval_fraction=eval_fraction,
        format=fmt,
        encoding=encoding,
        column_types=_column_types(column_types),
        allow_schema_change=allow_schema_change,
        **read_overrides(delimiter, header, column_names),
    )
    from driftline.data.quarantine import quarantined

    with state.open_workspace() as ws, _progress(f"ingest {dataset}") as progress:
        span = ws.data.ingest(dataset, list(paths), options, progress=progress)
        held = quarantined(ws.metadata, dataset).get(span.number)
    announce_reads(list(paths), read_overrides(delimiter, header, column_names, encoding), fmt)
    if as_json:
        echo_json(as_json, {**span.to_dict(), "quarantined": held})
    else:
        Console().print(
            f"ingested [bold]{span.ref}[/]: {span.rows:,} rows ({span.train_rows:,} train, "
            f"{span.eval_rows:,} eval), {len(span.columns)} columns"
        )
        if held is not None:
            Console().print(f"[red]quarantined[/]: {escape(held)}")


@click.command()
@click.argument("dataset")
@common_options
@json_option
@pass_state
def spans(state: CliState, dataset: str, as_json: str | None) -> None:
    """List the spans of DATASET with their rows, split, time range and status (quarantined)."""
    from driftline.data.quarantine import quarantined

    with state.open_workspace() as ws:
        found = ws.spans(dataset)
        known = ws.data.datasets() if not found else [dataset]
        held = quarantined(ws.metadata, dataset) if found else {}
    if dataset not in known:
        listing = ", ".join(known) or "none"
        raise NotFoundError(f"no dataset named {dataset!r}; datasets: {listing}")
    if as_json:
        listed = [{**s.to_dict(), "quarantined": held.get(s.number)} for s in found]
        echo_json(as_json, listed)
    elif not found:
        Console().print(f"dataset {escape(dataset)!r} has no spans")
    else:
        Console().print(_span_table(found, f"spans of {dataset}", held))


def _profile_table(profile: Profile, title: str) -> Table:
    table = Table(title=title)
    for name in (
        "column",
        "kind",
        "count",
        "missing",
        "min / mean / max or top values",
        "distinct",
    ):
        table.add_column(
            name, justify="right" if name in ("count", "missing", "distinct") else "left"
        )
    for c in profile.to_dict(top=3)["columns"]:
        if "mean" in c:
            stats = f"{c['min']} / {_short(c['mean'])} / {c['max']}"
        else:
            stats = ", ".join(f"{t['value']} ({t['count']:,})" for t in c.get("top", []))
        missing = c["missing_fraction"]
        table.add_row(
            escape(c["name"]),
            c["kind"],
            f"{c['count']:,}",
            "-" if missing is None else f"{missing:.1%}",
            escape(stats),
            f"{c['distinct']:,.0f}" + ("" if c["distinct_exact"] else "~"),
        )
    return table


def _short(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


@click.command()
@click.argument("ref", metavar="SPAN|PATH")
@json_option
@click.option(
    "--save",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Save the profile itself to FILE (loadable wherever a profile is expected).",
)
@read_options(encoding=True)
@common_options
@pass_state
def profile(
    state: CliState, /, ref: str, as_json: str | None, save: str | None, **read: Any
) -> None:
    """Summarise the profile of SPAN|PATH: DATASET[:N] (a span), #ID (an artifact), or a file.

    A file can be profiled outside any workspace.
    """
    say_ref_notes(ref)
    try:
        with state.open_workspace() as ws, reading([ref], read) as say:
            found = ws.load_profile(ref)
    except WorkspaceNotFoundError:
        from driftline.data.remote import is_url

        if not (Path(ref).exists() or is_url(ref)):  # a file (or URL) needs no workspace
            raise
        from driftline.data.catalog import profile_source

        with reading([ref], read) as say:
            found = profile_source(ref)
    say()
    warn_infinite(found)
    if save:
        Path(save).write_bytes(found.to_bytes())
    if as_json:
        echo_json(as_json, found.to_dict())
    if as_json == "-":
        return
    Console().print(_profile_table(found, f"profile of {ref} · {found.num_rows:,} rows"))


@click.group()
@common_options
def schema() -> None:
    """Infer, show, edit or set the schema of a dataset (a TOML file; see docs/data.md)."""


@schema.command("infer")
@click.argument("ref", metavar="DATASET[:N]")
@click.option("--span", "number", type=click.IntRange(min=1), hidden=True)
@common_options
@json_option
@pass_state
def schema_infer(state: CliState, ref: str, number: int | None, as_json: str | None) -> None:
    """Infer a dataset's schema from span N (DATASET:N; DATASET: the latest); store it."""
    from driftline.cli.references import span_argument

    dataset, number = span_argument(ref, number, command="schema infer")
    with state.open_workspace() as ws:
        inferred = ws.infer_schema(dataset, number)
        version = ws.data.schema_version(dataset)
    if as_json:
        echo_json(as_json, {"version": version, **inferred.to_dict()})
    else:
        click.echo(inferred.to_toml(), nl=False)
        click.echo(f"# stored as version {version} of the schema of {dataset}", err=True)


@schema.command("show")
@click.argument("dataset")
@common_options
@json_option
@pass_state
def schema_show(state: CliState, dataset: str, as_json: str | None) -> None:
    """Print DATASET's current schema (TOML, or JSON with --json)."""
    with state.open_workspace() as ws:
        current = ws.schema(dataset)
        text = ws.data.schema_text(dataset)  # as stored: the comments of a user's file kept
    if as_json:
        echo_json(as_json, current.to_dict())
    else:
        click.echo(text if text.endswith("\n") else text + "\n", nl=False)


def _store(state: CliState, dataset: str, text: str, where: str) -> None:
    from driftline.data.schema import Schema

    parsed = Schema.from_toml(text, where=where)
    with state.open_workspace() as ws:
        version = ws.data.save_schema(dataset, parsed, text=text)  # comments kept
    Console().print(f"stored version {version} of the schema of [bold]{escape(dataset)}[/]")


@schema.command("set")
@click.argument("dataset")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@common_options
@pass_state
def schema_set(state: CliState, dataset: str, file: str) -> None:
    """Check FILE (a schema in TOML) and store it as DATASET's next schema version."""
    _store(state, dataset, Path(file).read_text(encoding="utf-8"), file)


@schema.command("edit")
@click.argument("dataset")
@common_options
@pass_state
def schema_edit(state: CliState, dataset: str) -> None:
    """Edit DATASET's schema in $VISUAL or $EDITOR; store it if it changed and is valid."""
    with state.open_workspace() as ws:
        before = ws.data.schema_text(dataset)
    editor = state.env.get("VISUAL") or state.env.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{dataset}.schema.toml"
        path.write_text(before, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as exc:
            raise InputError(f"cannot start the editor {editor!r}: {exc}") from exc
        if done.returncode != 0:
            raise InputError(f"the editor {editor!r} exited with {done.returncode}; nothing stored")
        after = path.read_text(encoding="utf-8")
    if after == before:
        Console().print("no change; nothing stored")
        return
    _store(state, dataset, after, "the edited schema")


@click.command()
@click.argument("dataset")
@click.argument("ref", metavar="SPAN|PATH")
@read_options(encoding=True)
@common_options
@json_option
@pass_state
def validate(state: CliState, /, dataset: str, ref: str, as_json: str | None, **read: Any) -> None:
    """Validate SPAN|PATH against DATASET: a span (DATASET:N), an artifact (#ID) or a file.

    Exits with 1 when an anomaly is blocking (an ERROR). A span's validation is recorded.
    """
    say_ref_notes(ref)
    with state.open_workspace() as ws, reading([ref], read) as say:
        report = ws.validate(dataset, ref)
    if as_json:
        echo_json(as_json, report.to_dict())
    else:
        Console().print(report)
    report.raise_for_blocking()
    say()


COMMANDS = [ingest, profile, schema, validate]
"""The commands this module adds to ``driftline``."""
