"""Options every command takes (--workspace, --debug, --json) and the shared CLI state."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from driftline.core.settings import Settings
from driftline.workspace import Workspace

__all__ = ["CliState", "common_options", "json_option", "pass_state"]

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


def json_option(func: F) -> F:
    """Add ``--json``: print machine-readable JSON instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )
