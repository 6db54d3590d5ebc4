"""How the commands that read data files take CSV options, and say what they detected.

``ingest``, ``profile``, ``validate`` and ``drift`` take ``--delimiter``, ``--header/--no-header``
and ``--column-names`` (:func:`read_options`); each is detected when not given (see
:mod:`driftline.data.dialect`), and what was detected is said on stderr (:func:`announce_reads`).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from driftline.data.profile import Profile

__all__ = ["announce_reads", "read_options", "read_overrides", "reading", "warn_infinite"]

F = TypeVar("F", bound=Callable[..., Any])


def read_options(*, encoding: bool) -> Callable[[F], F]:
    """Add ``--delimiter``, ``--header/--no-header``, ``--column-names`` (and ``--encoding``).

    The command gets them as ``delimiter``, ``header``, ``column_names`` (and ``encoding``):
    pass them to :func:`read_overrides` or :func:`reading`.
    """

    def add(func: F) -> F:
        if encoding:
            func = click.option(
                "--encoding", default=None, help="Text encoding of CSV files (default: utf-8)."
            )(func)
        func = click.option(
            "--column-names",
            metavar="A,B,...",
            default=None,
            help="Name the CSV columns (e.g. for a file without a header row).",
        )(func)
        func = click.option(
            "--header/--no-header",
            default=None,
            help="Whether the CSV's first row names the columns (default: detected); without "
            "one, the columns are column_1..column_N.",
        )(func)
        return click.option(
            "--delimiter",
            metavar="CHAR",
            default=None,
            help="The CSV delimiter, e.g. ';' or tab (default: detected among , ; tab |).",
        )(func)

    return add


def read_overrides(
    delimiter: str | None = None,
    header: bool | None = None,
    column_names: str | None = None,
    encoding: str | None = None,
) -> dict[str, Any]:
    r"""The CSV options given on the command line, as keywords of ``ReadOptions``.

    ``--delimiter '\t'`` (a backslash and a t, as a shell passes it) or ``tab`` means a tab;
    ``encoding`` is left out when not given.

    Examples:
        >>> read_overrides("\\t", False, "a, b")
        {'delimiter': '\t', 'header': False, 'column_names': ('a', 'b')}
        >>> read_overrides(encoding="latin-1")["encoding"]
        'latin-1'

    """
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    names = None
    if column_names is not None:
        names = tuple(n.strip() for n in column_names.split(","))
    out: dict[str, Any] = {"delimiter": delimiter, "header": header, "column_names": names}
    return out if encoding is None else {**out, "encoding": encoding}


def announce_reads(sources: list[str], overrides: dict[str, Any], fmt: str | None = None) -> None:
    """Print, on stderr, how each CSV file among ``sources`` is read (what was detected).

    Commands call it once their work succeeded (an error stays one line).

    References that are not paths, and files that cannot be read, are left to the command (which
    reports them): nothing is printed for them.
    """
    from driftline.core.errors import InputError
    from driftline.data.readers import describe_read, find_files, read_as
    from driftline.data.remote import is_url
    from driftline.data.sources import ReadOptions, SourceFormat

    paths = [s for s in sources if glob.has_magic(s) or os.path.exists(s) or is_url(s)]
    if not paths:
        return
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        options = ReadOptions(format=SourceFormat(fmt) if fmt else None, **given)
        entries = read_as(find_files(paths, options.format), options)
    except (InputError, OSError, ValueError):
        return
    lines = [describe_read(e) for e in entries if "delimiter" in e]  # CSV: what was sniffed
    for line in lines[:5]:
        click.echo(line, err=True)
    if len(lines) > 5:
        click.echo(f"... and {len(lines) - 5} more files", err=True)


@contextmanager
def reading(sources: list[str], given: dict[str, Any]) -> Iterator[Callable[[], None]]:
    """Read files in the block with the ``given`` options; give a function saying how they were.

    ``given`` holds the values of :func:`read_options`' options, as the command got them. The
    command calls the function once it succeeded (an error stays one line).
    """
    from driftline.data.sources import reading_with

    overrides = read_overrides(**given)
    with reading_with(**overrides):
        yield lambda: announce_reads(sources, overrides)


def warn_infinite(profile: Profile) -> None:
    """Warn, on stderr, of each column with infinite values (not in its mean and std)."""
    for c in profile.to_dict(top=0)["columns"]:
        if c.get("infinite"):
            click.echo(
                f"warning: column {c['name']!r} has {c['infinite']:,} infinite values "
                "(counted apart: not in its mean and std)",
                err=True,
            )
