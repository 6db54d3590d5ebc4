"""What a data source is read as: its formats, files, read options and column types.

:mod:`driftline.data.readers` reads sources with these; :mod:`driftline.data._csv` reads the CSV
files among them. Neither imports the other's internals: both import this module.

Examples:
    >>> ReadOptions(format=SourceFormat("csv")).forced_types()
    {}
    >>> SourceFile("day1.csv.gz", SourceFormat.CSV, 10).compression
    'gzip'

"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from driftline.data._arrow import pa
from driftline.data.errors import SourceError

__all__ = [
    "COMPRESSION",
    "SUFFIXES",
    "ProgressFn",
    "ReadOptions",
    "SourceFile",
    "SourceFormat",
    "arrow_type",
    "reading_with",
]

ProgressFn = Callable[[int, int], None]
"""Called after each batch with (bytes read so far, total bytes) of the source."""


class SourceFormat(StrEnum):
    """The file formats a source can be read from."""

    CSV = "csv"
    PARQUET = "parquet"
    ARROW = "arrow"


SUFFIXES = {
    ".csv": SourceFormat.CSV,
    ".tsv": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".parquet": SourceFormat.PARQUET,
    ".pq": SourceFormat.PARQUET,
    ".arrow": SourceFormat.ARROW,
    ".feather": SourceFormat.ARROW,
    ".ipc": SourceFormat.ARROW,
}
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}
_TYPES: dict[str, Any] = {
    "string": pa.string(),
    "large_string": pa.large_string(),
    "binary": pa.binary(),
    "bool": pa.bool_(),
    "boolean": pa.bool_(),
    **{f"int{b}": getattr(pa, f"int{b}")() for b in (8, 16, 32, 64)},
    **{f"uint{b}": getattr(pa, f"uint{b}")() for b in (8, 16, 32, 64)},
    "float32": pa.float32(),
    "float64": pa.float64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "date32": pa.date32(),
    "timestamp": pa.timestamp("us"),
    **{f"timestamp[{u}]": pa.timestamp(u) for u in ("ms", "us", "ns")},
}


def arrow_type(name: str, *, column: str = "?") -> Any:
    """The Arrow type named ``name`` (as ``--column-type COL=TYPE`` takes it).

    Raises:
        SourceError: an unknown name, naming the column and listing the known ones.

    Examples:
        >>> arrow_type("string"), arrow_type("timestamp[ms]")
        (DataType(string), TimestampType(timestamp[ms]))

    """
    found = _TYPES.get(str(name).strip().lower())
    if found is None:
        raise SourceError(
            f"unknown type {name!r} for column {column!r}; use one of: " + ", ".join(_TYPES)
        )
    return found


@dataclass(frozen=True)
class ReadOptions:
    """How to read files.

    Attributes:
        format: read every file as this format (default: from each file's suffix).
        encoding: the text encoding of CSV files (any Python codec, e.g. ``"latin-1"``).
        column_types: force column types by name, e.g. ``{"zip": "string"}`` (see
            :func:`arrow_type`).
        delimiter: the CSV field delimiter (default ``None``: detected, see
            :mod:`driftline.data.dialect`).
        header: whether a CSV file's first row names its columns (default ``None``: detected);
            without one, the columns are ``column_1`` .. ``column_N``.
        column_names: the CSV columns' names (the first row is skipped when it is a header).
        batch_rows: rows per batch for Parquet, Arrow and in-memory tables.

    """

    format: SourceFormat | None = None
    encoding: str = "utf-8"
    column_types: Mapping[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    batch_rows: int = 65_536
    header: bool | None = None
    column_names: tuple[str, ...] | None = None

    def forced_types(self) -> dict[str, Any]:
        """``column_types`` as Arrow types."""
        return {c: arrow_type(t, column=c) for c, t in self.column_types.items()}

    def check(self) -> ReadOptions:
        """Check the CSV options; return ``self``.

        Raises:
            SourceError: a delimiter that is not one character, or bad column names.

        Examples:
            >>> ReadOptions(delimiter="::").check()
            Traceback (most recent call last):
            ...
            driftline.data.errors.SourceError: the delimiter must be one character, got '::'

        """
        if self.delimiter is not None and (
            not isinstance(self.delimiter, str) or len(self.delimiter) != 1
        ):
            raise SourceError(f"the delimiter must be one character, got {self.delimiter!r}")
        if self.delimiter in ('"', "\n", "\r"):
            raise SourceError(f"the delimiter cannot be {self.delimiter!r}")
        if self.column_names is not None:
            names = list(self.column_names)
            if not names or not all(isinstance(n, str) and n for n in names):
                raise SourceError(f"column names must be non-empty strings, got {names!r}")
            if len(set(names)) != len(names):
                raise SourceError(f"column names must differ, got {', '.join(names)}")
        return self

    def resolved(self) -> ReadOptions:
        """These options, with :func:`reading_with`'s overrides where they were left open."""
        overrides = _OVERRIDES.get() or {}
        changes = {k: v for k, v in overrides.items() if getattr(self, k) == _OPEN[k]}
        return replace(self, **changes).check() if changes else self.check()


_OPEN: dict[str, Any] = {
    "delimiter": None,
    "header": None,
    "column_names": None,
    "encoding": "utf-8",
}
_OVERRIDES: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "driftline_read_overrides", default=None
)


@contextmanager
def reading_with(**overrides: Any) -> Iterator[None]:
    """Read files in this block with these CSV options where the reader left them open.

    ``delimiter``, ``header``, ``column_names`` and ``encoding`` (``None`` leaves one open). The
    command line uses this for the files that ``profile``, ``validate`` and ``drift`` read.

    Examples:
        >>> with reading_with(delimiter=";"):
        ...     ReadOptions().resolved().delimiter
        ';'
        >>> ReadOptions().resolved().delimiter is None
        True

    """
    unknown = set(overrides) - set(_OPEN)
    if unknown:
        raise ValueError(f"not a read override: {sorted(unknown)}")
    token = _OVERRIDES.set({k: v for k, v in overrides.items() if v is not None})
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: its path, format and size in bytes."""

    path: str
    format: SourceFormat
    size: int

    @property
    def compression(self) -> str | None:
        """``"gzip"``, ``"bz2"``, ``"zstd"`` or ``None``, from the suffix."""
        return COMPRESSION.get(Path(self.path).suffix.lower())
