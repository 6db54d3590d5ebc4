"""Write the command reference of docs/cli.md from the click tree itself.

``python -m driftline.cli.reference --write docs/cli.md`` keeps the file's hand-written head
(everything above :data:`MARKER`) and rewrites the tables below it: one per command, a row per
argument and visible option (name, short alias, value, default, help). ``--check`` exits 1
when the file differs from what would be written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

__all__ = ["MARKER", "commands", "render", "write"]

MARKER = "<!-- generated below: python -m driftline.cli.reference --write docs/cli.md -->"
"""The line below which docs/cli.md is generated."""

_UNSET = getattr(click.core, "UNSET", None)
_GLOBAL = {"workspace", "debug", "help"}


def commands(root: click.Command, path: str = "driftline") -> Iterator[tuple[str, click.Command]]:
    """Every command under ``root`` (itself first), with its full path, in name order.

    >>> group = click.Group("tool", commands=[click.Command("b"), click.Command("a")])
    >>> [p for p, _ in commands(group, "tool")]
    ['tool', 'tool a', 'tool b']
    """
    yield path, root
    if isinstance(root, click.Group):
        for name in sorted(root.commands):
            yield from commands(root.commands[name], f"{path} {name}")


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _value(param: click.Parameter) -> str:
    if isinstance(param, click.Option) and param.is_flag:
        return ""
    if isinstance(param, click.Argument):
        return ""
    if param.metavar:
        return param.metavar
    if isinstance(param.type, click.Choice):
        return "|".join(str(c) for c in param.type.choices)
    return param.type.name.upper()


def _default(param: click.Parameter) -> str:
    value = param.default
    if value is None or value is _UNSET or callable(value) or value in ((), False):
        return ""
    if isinstance(param, click.Option) and param.is_flag and value is True:
        return param.opts[0] if not param.secondary_opts else "yes"
    return f"`{value}`"


def _rows(command: click.Command) -> list[str]:
    rows = []
    for param in command.params:
        if param.name in _GLOBAL or getattr(param, "hidden", False):
            continue
        if isinstance(param, click.Argument):
            name, aliases, what = param.human_readable_name, "", "argument"
            text = "required" if param.required else "optional"
            what = f"{what}, {text}" + (", repeatable" if param.nargs == -1 else "")
        else:
            assert isinstance(param, click.Option)
            longs = [o for o in param.opts if o.startswith("--")]
            name = "/".join(longs + list(param.secondary_opts))
            aliases = ", ".join(o for o in param.opts if not o.startswith("--"))
            what = (param.help or "") + (" (repeatable)" if param.multiple else "")
        value = f"`{_cell(_value(param))}`" if _value(param) else ""
        rows.append(f"| `{name}` | {aliases} | {value} | {_default(param)} | {_cell(what)} |")
    return rows


def render(root: click.Command) -> str:
    """The generated part of docs/cli.md (what follows :data:`MARKER`)."""
    out = [MARKER, ""]
    for path, command in commands(root):
        if path == "driftline":
            continue
        out += [f"### `{path}`", "", _cell(command.get_short_help_str(limit=300)), ""]
        usage = " ".join(
            p.get_usage_pieces(click.Context(command))[0]
            for p in command.params
            if isinstance(p, click.Argument)
        )
        out += [f"`{path} [OPTIONS]{(' ' + usage) if usage else ''}`", ""]
        rows = _rows(command)
        if rows:
            out += ["| Name | Short | Value | Default | Help |", "|---|---|---|---|---|", *rows, ""]
    return "\n".join(out).rstrip() + "\n"


def write(target: Path, root: click.Command) -> bool:
    """Rewrite ``target`` below :data:`MARKER` (kept head); return whether it changed."""
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    head = text.split(MARKER)[0] if MARKER in text else text.rstrip() + "\n\n"
    new = head + render(root)
    if new == text:
        return False
    target.write_text(new, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """``--write FILE`` rewrites FILE; ``--check FILE`` exits 1 when FILE is out of date."""
    from driftline.cli.main import cli

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in {"--write", "--check"}:
        print(
            "usage: python -m driftline.cli.reference --write|--check docs/cli.md", file=sys.stderr
        )
        return 2
    target = Path(args[1])
    if args[0] == "--check":
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        fresh = MARKER in text and text.split(MARKER)[1] == render(cli).split(MARKER)[1]
        if not fresh:
            print(
                f"{target} is out of date: run python -m driftline.cli.reference --write {target}"
            )
        return 0 if fresh else 1
    print(f"{'wrote' if write(target, cli) else 'unchanged:'} {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
