r"""How a CSV file is laid out: its delimiter, and whether its first row is a header.

:func:`sniff` looks at a sample of the file's first :data:`SAMPLE_BYTES` (as DuckDB's sniffer and
Python's ``csv.Sniffer`` do). The delimiter is the candidate (``,`` ``;`` tab ``|``) that splits
the sample's rows into the same number of fields, more than one: the most consistent first, then
the most fields, then the candidates' order (a tab first for ``.tsv`` files). The first row is a
header when its cells differ in type from the rest of their columns (a name above numbers, dates
or booleans); a first row of numbers like the rest is data. When the types cannot tell (every
column is text), the first row is taken as a header. Either can be given instead of detected.

:func:`check_text` refuses what is not text at all (random bytes, a Parquet, Arrow or gzip file
under a ``.csv`` name) before a CSV parser sees it.

Examples:
    >>> sniff("a;b;c\n1;2;3\n4;5;6\n")
    Dialect(delimiter=';', header=True, columns=3)
    >>> sniff("1,2\n3,4\n").describe()
    "delimiter ',', no header row, 2 columns"
    >>> sniff("x\ty\n1\t2\n", header=False).names()
    ['column_1', 'column_2']

"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftline.data.errors import SourceError

__all__ = ["DELIMITERS", "SAMPLE_BYTES", "Dialect", "check_text", "sniff"]

SAMPLE_BYTES = 1 << 16
"""Bytes of a file's start the sniffer looks at (more when its first rows are longer)."""

DELIMITERS = (",", ";", "\t", "|")
"""The delimiters the sniffer chooses from, in order of preference."""

_MAX_ROWS = 200
_MAX_CELLS = 50_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_MAGIC = (
    (b"PAR1", "a Parquet file", "name it .parquet or give --format parquet"),
    (b"ARROW1", "an Arrow file", "name it .arrow or give --format arrow"),
    (b"\x1f\x8b", "gzip-compressed", "name it with .gz at the end (e.g. day1.csv.gz)"),
    (b"BZh", "bzip2-compressed", "name it with .bz2 at the end (e.g. day1.csv.bz2)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "name it with .zst at the end (e.g. day1.csv.zst)"),
)


@dataclass(frozen=True)
class Dialect:
    """A CSV file's delimiter, whether its first row is a header, and its number of columns."""

    delimiter: str
    header: bool
    columns: int

    def names(self) -> list[str]:
        """Column names for a file without a header: ``column_1`` .. ``column_N``."""
        return [f"column_{i}" for i in range(1, self.columns + 1)]

    def describe(self) -> str:
        """What was detected, in words (``delimiter ';', header row, 9 columns``)."""
        header = "header row" if self.header else "no header row"
        plural = "" if self.columns == 1 else "s"
        return f"delimiter {self.delimiter!r}, {header}, {self.columns} column{plural}"

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready values (recorded in the ingest's parameters)."""
        return {"delimiter": self.delimiter, "header": self.header, "columns": self.columns}


def check_text(sample: bytes, where: str, encoding: str = "utf-8") -> None:
    r"""Refuse a sample that is not text: a known binary format, or mostly control bytes.

    Raises:
        SourceError: naming the file, what it looks like and what to do.

    Examples:
        >>> check_text(b"a,b\n1,2\n", "ok.csv")
        >>> check_text(bytes(range(256)) * 4, "noise.csv")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        driftline.data.errors.SourceError: noise.csv is not a text (CSV) file: 12% of its first ...

    """
    for magic, what, fix in _MAGIC:
        if sample.startswith(magic):
            raise SourceError(f"{where} is {what}, not a plain CSV file: {fix}")
    wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32", "utf16", "utf32"))
    if not sample or wide:
        return
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{where} is UTF-16 text: give its encoding (--encoding utf-16)")
    raw = np.frombuffer(sample, dtype=np.uint8)
    control = (raw < 32) & (raw != 9) & (raw != 10) & (raw != 13) | (raw == 127)
    share = float(np.count_nonzero(control)) / raw.size
    if 0.05 < share <= 0.3 and encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        decoded = sample.decode("utf-8", "replace")  # text with a few NUL cells is still text
        share = share if decoded.count("\ufffd") > 0.05 * len(decoded) else 0.0
    if share > 0.05:
        raise SourceError(
            f"{where} is not a text (CSV) file: {share:.0%} of its first {raw.size:,} bytes are "
            "control bytes (such as NUL); if it is Parquet or Arrow, name it .parquet or .arrow, "
            "or give --format"
        )


def _rows(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=False):
            if not row:
                continue
            rows.append(row)
            cells += len(row)
            if len(rows) > _MAX_ROWS or cells > _MAX_CELLS:
                truncated = True
                break
    except csv.Error:
        truncated = True
    if truncated and len(rows) > 1:
        rows.pop()  # the last row may be cut short by the sample's end
    return rows


def _consistency(rows: list[list[str]]) -> tuple[int, float]:
    """The most common number of fields per row, and the share of rows that have it."""
    if not rows:
        return 0, 0.0
    counts = Counter(len(r) for r in rows)
    width, seen = max(counts.items(), key=lambda item: (item[1], item[0]))
    return width, seen / len(rows)


def _kind(cell: str) -> str:
    text = cell.strip()
    if not text:
        return "empty"
    try:
        float(text.replace("_", "x"))
    except ValueError:
        pass
    else:
        return "number"
    if text.lower() in ("true", "false"):
        return "bool"
    return "date" if _DATE.match(text) else "text"


def _has_header(rows: list[list[str]]) -> bool:
    first = [_kind(c) for c in rows[0]]
    if all(k == "empty" for k in first) or all(k in ("number", "empty") for k in first):
        return False
    rest = rows[1:]
    if not rest:  # one row: a header unless it holds typed values
        return all(k in ("text", "empty") for k in first)
    votes = 0
    for j, kind in enumerate(first):
        below = {_kind(r[j]) for r in rest if j < len(r)} - {"empty"}
        if len(below) != 1 or below == {"text"}:
            continue
        votes += 1 if kind == "text" else -1 if kind in below else 0
    return votes >= 0


def sniff(
    text: str,
    *,
    delimiter: str | None = None,
    header: bool | None = None,
    truncated: bool = False,
    prefer: str = ",",
) -> Dialect:
    r"""The dialect of a CSV sample (decoded text); ``delimiter`` and ``header`` win when given.

    Args:
        text: the file's first bytes, decoded.
        delimiter: the delimiter, when known (not detected then).
        header: whether the first row is a header, when known.
        truncated: whether ``text`` stops before the file's end (its last row is then ignored).
        prefer: the delimiter preferred on a tie (a tab for ``.tsv`` files).

    Examples:
        >>> sniff("name|age\nann|31\n").delimiter, sniff("a,b\n").header
        ('|', True)
        >>> sniff("2024-01-01,3\n2024-01-02,4\n").header
        False

    """
    text = text.removeprefix("\ufeff")
    if delimiter is None:
        order = [prefer, *(d for d in DELIMITERS if d != prefer)]
        scored = []
        for rank, candidate in enumerate(order):
            width, share = _consistency(_rows(text, candidate, truncated))
            scored.append((width > 1, share, width, -rank, candidate))
        best = max(scored)
        delimiter = best[4] if best[0] else prefer
        if prefer == "\t" and scored[0][:2] == (True, 1.0):  # a .tsv keeps its tabs
            delimiter = prefer
    rows = _rows(text, delimiter, truncated)
    width = _consistency(rows)[0] if rows else 0
    if header is None:
        header = _has_header(rows) if rows else True
    if rows:  # the first row sets the columns (pyarrow holds every row to it)
        width = len(rows[0])
    return Dialect(delimiter=delimiter, header=header, columns=width)
