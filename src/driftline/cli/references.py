"""References on the command line: saying how one was read, and the span arguments.

The grammar is :mod:`driftline.core.refs` (``docs/references.md``). Commands say a reference's
notes (a spelling kept one release, the other reading of a name) on stderr before their output.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from driftline.core.errors import InputError
from driftline.core.refs import ALL_KINDS, RefKind, parse_ref

if TYPE_CHECKING:
    from driftline.workspace.finding import Found

__all__ = [
    "say_found",
    "say_notes",
    "say_ref_notes",
    "say_warning",
    "span_argument",
    "version_argument",
]


def say_notes(notes: Iterable[str]) -> None:
    """Print each note on stderr, as ``note: ...``."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


def say_warning(text: str) -> None:
    """Print a spelling kept one release on stderr, as ``warning: ...``."""
    click.echo(f"warning: {text}", err=True)


def say_found(found: Found) -> None:
    """Say how a reference was read: a warning for an old spelling, then the notes."""
    if found.ref.note:
        say_warning(found.ref.note)
    say_notes(found.notes)


def say_ref_notes(*texts: str, accept: Iterable[RefKind] = ALL_KINDS) -> None:
    r"""Warn of old spellings among references given as text (a bad one is left to the command).

    Examples:
        >>> from click.testing import CliRunner
        >>> CliRunner().invoke(click.command()(lambda: say_ref_notes("3", "elec2:3"))).stderr
        "warning: a bare number names an artifact for one more release: write '#3'\n"

    """
    wanted = frozenset(accept)
    for text in texts:
        try:
            note = parse_ref(text, wanted).note
        except InputError:
            continue
        if note:
            say_warning(note)


def span_argument(ref: str, number: int | None = None, *, command: str) -> tuple[str, int | None]:
    """The dataset and span number of a ``DATASET[:N]`` argument (``None``: the latest span).

    ``number`` is the value of a deprecated ``--span N`` option, said on stderr.

    Raises:
        InputError: ``ref`` is no span reference, or it and ``number`` name two spans.

    Examples:
        >>> span_argument("elec2:3", command="schema infer")
        ('elec2', 3)

    """
    parsed = parse_ref(ref, {RefKind.SPAN})
    dataset = str(parsed.name)
    if number is None:
        return dataset, parsed.number
    say_warning(f"--span is deprecated and will be removed; use `{command} {dataset}:{number}`")
    if parsed.number not in (None, number):
        raise InputError(f"{ref!r} and --span {number} name two spans; give one")
    return dataset, number


def version_argument(ref: str, number: int | None = None, *, command: str) -> tuple[str, int]:
    """The model and version of a ``MODEL:VERSION`` argument.

    ``number`` is a version given as a second argument (``MODEL VERSION``), the spelling kept
    one release: said on stderr.

    Raises:
        InputError: ``ref`` is no model reference, names no version, or it and ``number``
            name two versions.

    Examples:
        >>> version_argument("churn:4", command="models promote")
        ('churn', 4)

    """
    from driftline.registry.versions import parse_model_ref

    parsed = parse_model_ref(ref)
    if parsed.alias is not None:
        raise InputError(
            f"{ref!r} names an alias; `{command}` takes a version: MODEL:VERSION (e.g. "
            f"{parsed.name}:2)"
        )
    if number is None:
        if parsed.version is None:
            raise InputError(
                f"{ref!r} names no version; `{command}` takes MODEL:VERSION (e.g. {parsed.name}:2)"
            )
        return parsed.name, parsed.version
    if parsed.version is not None:
        raise InputError(f"{ref!r} and {number} name two versions; give MODEL:VERSION alone")
    say_warning(
        f"MODEL VERSION is the old spelling and will be removed; use "
        f"`{command} {parsed.name}:{number}`"
    )
    return parsed.name, number
