"""``driftline models list|show|card|promote|rollback``: the model registry from the command line.

See ``docs/registry.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, Group, RenderableType
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
from driftline.registry.versions import CHAMPION

if TYPE_CHECKING:
    from driftline.registry import ModelRegistry, ModelVersion, RegisteredModel, Transition

__all__ = ["models"]


@contextmanager
def _registry(state: CliState) -> Iterator[ModelRegistry]:
    with state.open_workspace() as ws:
        yield ws.registry


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _metrics(metrics: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in sorted(metrics.items()))


def _version_number(value: int | None) -> str:
    return "-" if value is None else str(value)


def _list_table(found: list[RegisteredModel]) -> Table:
    table = Table(title="registered models", title_justify="left")
    for col in ("model", "latest", "champion", "other aliases", "versions", "registered"):
        table.add_column(
            col, justify="right" if col in ("latest", "champion", "versions") else "left"
        )
    for m in found:
        others = ", ".join(f"{a}={v}" for a, v in m.aliases.items() if a != CHAMPION)
        table.add_row(
            escape(m.name),
            str(m.latest.number),
            _version_number(m.champion),
            escape(others),
            str(m.versions),
            _when(m.latest.created_at),
        )
    return table


def _versions_table(name: str, versions: list[ModelVersion]) -> Table:
    table = Table(title=f"versions of {escape(name)}", title_justify="left")
    for col in ("version", "aliases", "flavor", "metrics", "registered", "by", "description"):
        table.add_column(col, justify="right" if col == "version" else "left")
    for v in versions:
        table.add_row(
            str(v.number),
            escape(", ".join(v.aliases)),
            escape(v.flavor or "-"),
            escape(_metrics(v.metrics)),
            _when(v.created_at),
            escape(v.registered_by),
            escape(v.description),
        )
    return table


def _history_table(history: list[Transition]) -> Table:
    table = Table(title="history", title_justify="left")
    for col in ("when", "action", "alias", "version", "previous", "by", "reason"):
        table.add_column(col, justify="right" if col in ("version", "previous") else "left")
    for t in history:
        table.add_row(
            _when(t.at),
            t.action.value,
            escape(t.alias or ""),
            _version_number(t.version),
            _version_number(t.previous),
            escape(t.by),
            escape(t.reason),
        )
    return table


def _version_view(v: ModelVersion) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.title = f"model version {escape(v.ref)}"
    grid.title_justify = "left"
    rows: list[tuple[str, Any]] = [
        ("aliases", ", ".join(v.aliases) or "-"),
        ("flavor", v.flavor or "-"),
        ("metrics", _metrics(v.metrics) or "-"),
        ("model artifact", v.model_id),
        ("version artifact", v.artifact_id),
        ("evaluation", v.evaluation_id if v.evaluation_id is not None else "-"),
        ("training profile", v.profile_id if v.profile_id is not None else "-"),
        ("uri", v.uri),
        ("sha256", v.sha256),
        ("registered", f"{_when(v.created_at)} by {v.registered_by}"),
        ("reason", v.reason or "-"),
        ("description", v.description or "-"),
    ]
    for key, value in rows:
        grid.add_row(f"[bold]{key}[/]", escape(str(value)))
    return grid


def _change_line(t: Transition, before: int | None) -> str:
    name, alias = escape(t.name), escape(t.alias or "")
    if before == t.version:
        return f"{alias} of [bold]{name}[/] is version {t.version} already; nothing changed"
    was = f" (was version {before})" if before is not None else ""
    return f"{alias} of [bold]{name}[/] → version {t.version}{was}"


@click.group()
@common_options
def models() -> None:
    """List registered models and their versions; write a model card; promote, roll back."""


@models.command("list")
@common_options
@json_option
@pass_state
def list_models(state: CliState, as_json: str | None) -> None:
    """List the registered models with their latest version and aliases."""
    with _registry(state) as registry:
        found = registry.overview()
    if as_json:
        echo_json(as_json, [m.to_dict() for m in found])
    elif not found:
        Console().print("no registered models")
    else:
        Console().print(_list_table(found))


@models.command("show")
@click.argument("ref", metavar="NAME[:VERSION]")
@common_options
@json_option
@pass_state
def show(state: CliState, ref: str, as_json: str | None) -> None:
    """Show one version (NAME:VERSION, NAME@ALIAS), or a model's versions and history (NAME)."""
    from driftline.registry import parse_model_ref

    parsed = parse_model_ref(ref)
    with _registry(state) as registry:
        if parsed.version is not None or parsed.alias is not None:
            version = registry.resolve(ref)
            if as_json:
                echo_json(as_json, version.to_dict())
            else:
                Console().print(_version_view(version))
            return
        versions = registry.versions(parsed.name)
        history = registry.history(parsed.name)
    aliases = {a: v.number for v in versions for a in v.aliases}
    if as_json:
        info = {
            "name": parsed.name,
            "versions": [v.to_dict() for v in versions],
            "aliases": dict(sorted(aliases.items())),
            "history": [t.to_dict() for t in history],
        }
        echo_json(as_json, info)
        return
    parts: list[RenderableType] = [_versions_table(parsed.name, versions)]
    if aliases:
        text = ", ".join(f"{escape(a)} → {n}" for a, n in sorted(aliases.items()))
        parts.append(f"[bold]aliases[/]: {text}")
    parts.append(_history_table(history))
    Console().print(Group(*parts))


@models.command("card")
@click.argument("ref", metavar="NAME[:VERSION|@ALIAS]")
@click.option(
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the Markdown card to FILE instead of printing it.",
)
@html_option("Write the card as a self-contained HTML page to FILE.")
@common_options
@json_option
@deprecated_alias(
    "--format",
    "--html FILE or --json [FILE]",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
)
@pass_state
def card(
    state: CliState,
    ref: str,
    output: Path | None,
    html_path: Path | None,
    as_json: str | None,
    fmt: str | None = None,
) -> None:
    """Write the model card of a version of NAME: signature, training data, evaluation, lineage.

    Prints Markdown; --output writes it to a file, --html an HTML page, --json JSON.
    """
    from driftline.registry import model_card

    if fmt == "html" and output is not None:  # the old spelling --format html --output FILE
        html_path, output = output, None
    elif fmt == "json":
        as_json = str(output) if output is not None else "-"
        output = None
    with _registry(state) as registry:
        found = model_card(registry, registry.resolve(ref))
    if as_json:
        echo_json(as_json, found.to_json())
    if html_path is not None:
        html_path.write_text(found.to_html(), encoding="utf-8")
        click.echo(f"wrote the card of {found.ref} to {html_path}", err=True)
    if as_json or html_path is not None:
        return
    text = found.to_html() if fmt == "html" else found.to_markdown()
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote the card of {found.ref} to {output}", err=True)


@models.command("promote")
@click.argument("ref", metavar="MODEL:VERSION")
@click.argument("version", type=click.IntRange(min=1), required=False, metavar="[VERSION]")
@click.option("--alias", default=CHAMPION, show_default=True, help="The alias to move.")
@click.option("--reason", default="", help="Why, recorded in the model's history.")
@common_options
@json_option
@pass_state
def promote(
    state: CliState, ref: str, version: int | None, alias: str, reason: str, as_json: str | None
) -> None:
    """Point an alias (the champion by default) of a model at the version MODEL:VERSION names.

    A separate [VERSION] (`churn 4`) is the old spelling, kept one release with a warning.
    """
    from driftline.cli.references import version_argument

    name, version = version_argument(ref, version, command="models promote")
    with _registry(state) as registry:
        before = registry.aliases(name).get(alias)
        change = registry.promote(name, version, alias=alias, reason=reason)
    if as_json:
        echo_json(as_json, {**change.to_dict(), "changed": before != version})
    else:
        Console().print(_change_line(change, before))


@models.command("rollback")
@click.argument("name")
@click.option("--alias", default=CHAMPION, show_default=True, help="The alias to roll back.")
@click.option("--reason", default="", help="Why, recorded in the model's history.")
@common_options
@json_option
@pass_state
def rollback(state: CliState, name: str, alias: str, reason: str, as_json: str | None) -> None:
    """Point an alias of model NAME (the champion by default) back to before its latest change."""
    with _registry(state) as registry:
        change = registry.rollback(name, alias=alias, reason=reason)
    if as_json:
        echo_json(as_json, change.to_dict())
    else:
        Console().print(_change_line(change, change.previous))
