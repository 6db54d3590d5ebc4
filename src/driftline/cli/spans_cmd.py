"""``driftline spans``: list a dataset's spans (``spans DATASET``), release a quarantined one.

``driftline spans DATASET`` is ``driftline spans list DATASET`` (see
:mod:`driftline.cli.data_cmds`); ``driftline spans release DATASET:N`` records a ``release``
execution (who, why) and the span is used again by training windows, drift checks and drift
references (see :mod:`driftline.data.quarantine` and ``docs/data.md``).
"""

from __future__ import annotations

import getpass

import click
from rich.console import Console
from rich.markup import escape

from driftline.cli.data_cmds import spans as _list_command
from driftline.cli.options import CliState, common_options, echo_json, json_option, pass_state
from driftline.core.errors import InputError
from driftline.core.refs import RefKind, parse_ref

__all__ = ["spans"]


class _SpansGroup(click.Group):
    """A group whose first argument, when it is no subcommand, is the dataset to list."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            return "list", self.commands["list"], args
        return super().resolve_command(ctx, args)


@click.group(cls=_SpansGroup)
@common_options
def spans() -> None:
    """The spans of a dataset: `spans DATASET` lists them, `spans release DATASET:N` frees one."""


spans.add_command(_list_command, name="list")


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "unknown"


@spans.command()
@click.argument("ref", metavar="DATASET:N")
@click.option("--reason", default="", help="Why the span is released (recorded).")
@common_options
@json_option
@pass_state
def release(state: CliState, ref: str, reason: str, as_json: str | None) -> None:
    """Release quarantined span DATASET:N: training windows and drift checks use it again."""
    from driftline.data.quarantine import quarantined
    from driftline.data.quarantine import release as release_span

    parsed = parse_ref(ref, {RefKind.SPAN})
    if parsed.name is None or parsed.number is None:
        raise InputError(f"spans release takes DATASET:N (e.g. elec2:3), got {ref!r}")
    dataset = parsed.name
    with state.open_workspace() as ws:
        span = ws.span(dataset, parsed.number)
        held = quarantined(ws.metadata, dataset)
        if span.number not in held:
            raise InputError(f"span {span.ref} is not quarantined: there is nothing to release")
        by = _who()
        release_span(ws.metadata, span, reason, by, ws.data.schema_version(dataset))
    if as_json:
        echo_json(as_json, {"span": span.ref, "released": True, "was": held[span.number]})
    else:
        Console().print(
            f"released [bold]{span.ref}[/] (by {escape(by)}): it was quarantined because "
            f"{escape(held[span.number])}"
        )
