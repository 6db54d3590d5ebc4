"""Options the commands share, one name per job, and the shared CLI state.

One job, one spelling: ``--json [FILE]`` for JSON output, ``--html FILE`` for an HTML report,
``--limit N`` for a row count, ``--param/-p KEY=VALUE`` for parameters, ``--policy FILE`` for
the policy file, ``--workspace/-w PATH`` for the workspace. Old spellings stay one release as
hidden options that warn (:func:`deprecated_alias`).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from driftline.core.settings import Settings
from driftline.workspace import Workspace

__all__ = [
    "CliState",
    "common_options",
    "deprecated_alias",
    "echo_json",
    "html_option",
    "json_option",
    "limit_option",
    "param_option",
    "pass_state",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    """What the options of one invocation chose; filled in as click parses them."""

    workspace: str | None = None
    debug: bool = False
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def settings(self) -> Settings:
        """The settings of the chosen workspace (reads the environment: this is the edge)."""
        return Settings.load(self.workspace, env=self.env)

    def env_debug(self) -> bool:
        """Whether ``DRIFTLINE_DEBUG`` asks for tracebacks."""
        return self.env.get("DRIFTLINE_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}

    def open_workspace(self) -> Workspace:
        """Open the chosen workspace."""
        return Workspace.open(self.workspace, env=self.env)


pass_state = click.make_pass_decorator(CliState, ensure=True)


def _set_workspace(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(CliState).workspace = value
    return value


def _set_debug(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(CliState).debug = True
    return value


def common_options(func: F) -> F:
    """Add ``--workspace`` and ``--debug`` to a command (they may also come before it)."""
    func = click.option(
        "--workspace",
        "-w",
        metavar="PATH",
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_set_workspace,
        help="Workspace folder (default: $DRIFTLINE_WORKSPACE or ./.driftline).",
    )(func)
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show the full traceback on errors.",
    )(func)


def _json_target(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """Refuse a ``--json`` FILE that is not ``-`` or a ``.json`` file.

    A bare ``--json`` written before an argument takes that argument as its FILE; writing JSON
    over it (a data file, say) would destroy it, so only a name ending in ``.json`` is written.
    """
    if value is None or value == "-" or value.lower().endswith(".json"):
        return value
    raise click.BadParameter(
        f"{value!r} is not a .json file: --json writes to FILE.json, or to stdout with '-' or "
        "with --json after the arguments (nothing was written)",
        param_hint="'--json'",
    )


def json_option(func: F) -> F:
    """Add ``--json [FILE]``: JSON instead of a table, to stdout, or to FILE (``-`` is stdout).

    The command receives ``as_json``: None without the option, ``"-"`` for the bare flag, else
    the file name (always ending in ``.json``); hand it to :func:`echo_json`.
    """
    return click.option(
        "--json",
        "as_json",
        is_flag=False,
        flag_value="-",
        default=None,
        metavar="[FILE]",
        callback=_json_target,
        help="Print JSON instead of a table; with FILE.json, write it there ('-' is stdout).",
    )(func)


def echo_json(target: str | None, data: Any) -> None:
    """Write ``data`` as JSON to stdout (``target`` None or ``-``) or to the file ``target``.

    A ``str`` is written as it is (already JSON); anything else goes through ``json.dumps``.

    >>> echo_json("-", {"a": 1})
    {
      "a": 1
    }
    """
    text = data if isinstance(data, str) else json.dumps(data, indent=2, default=str)
    if target is None or target == "-":
        click.echo(text)
        return
    Path(target).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    click.echo(f"wrote {target}", err=True)


def html_option(help: str = "Write a self-contained HTML report to FILE.") -> Callable[[F], F]:
    """Add ``--html FILE`` (the command receives ``html_path``, a Path or None)."""
    return click.option(
        "--html",
        "html_path",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=help,
    )


def limit_option(default: int, help: str, *, minimum: int = 0) -> Callable[[F], F]:
    """Add ``--limit N``, a row count (the command receives ``limit``)."""
    return click.option(
        "--limit",
        "limit",
        metavar="N",
        type=click.IntRange(minimum, 10_000),
        default=default,
        show_default=True,
        help=help,
    )


def param_option(help: str) -> Callable[[F], F]:
    """Add ``--param/-p KEY=VALUE``, repeatable (the command receives ``params``, a tuple)."""
    return click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help=help)


def deprecated_alias(
    old: str, new: str, dest: str, *, convert: Callable[[Any], Any] | None = None, **kw: Any
) -> Callable[[F], F]:
    """A hidden old spelling ``old`` of the option ``new``, kept for one release.

    When given, it prints one warning line on stderr naming ``new`` and hands its value
    (through ``convert``, if any) to the command's parameter ``dest``. ``kw`` goes to
    ``click.option`` (``type``, ``is_flag``...). Put it below ``@click.command``.
    """
    key = "deprecated_" + old.lstrip("-").replace("-", "_")

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = kwargs.pop(key, None)
            if value is not None:
                click.echo(f"warning: {old} is deprecated and will be removed; use {new}", err=True)
                kwargs[dest] = convert(value) if convert is not None else value
            return func(*args, **kwargs)

        return click.option(old, key, hidden=True, default=None, **kw)(wrapper)  # type: ignore[return-value]

    return decorate
