"""Saying on stderr how a reference was read: a spelling kept one release, another reading.

The grammar is :mod:`driftline.core.refs` (``docs/references.md``); commands call these once they
have the reference, so a note comes before the command's output.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from driftline.core.errors import InputError
from driftline.core.refs import ALL_KINDS, RefKind, parse_ref

__all__ = ["say_notes", "say_ref_notes"]


def say_notes(notes: Iterable[str]) -> None:
    """Print each note on stderr, as ``note: ...``."""
    for note in notes:
        click.echo(f"note: {note}", err=True)


def say_ref_notes(*texts: str, accept: Iterable[RefKind] = ALL_KINDS) -> None:
    r"""Say the notes of references given as text (a bad one is left to the command to report).

    Examples:
        >>> from click.testing import CliRunner
        >>> CliRunner().invoke(click.command()(lambda: say_ref_notes("3", "elec2:3"))).stderr
        "note: a bare number names an artifact for one more release: write '#3'\n"

    """
    wanted = frozenset(accept)
    for text in texts:
        try:
            note = parse_ref(text, wanted).note
        except InputError:
            continue
        say_notes([note] if note else [])
