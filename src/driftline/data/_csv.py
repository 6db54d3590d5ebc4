"""CSV files as Arrow record batches (``pyarrow.csv.open_csv``), with errors in the user's terms.

Each file's dialect (delimiter, header) is sniffed from its first bytes (:mod:`.dialect`) unless
the read options give it. A row longer than the read block is read by growing the block (doubling,
up to :data:`MAX_BLOCK`) and reading again past the rows already given. Used by
:mod:`driftline.data.readers` (both take their types from :mod:`driftline.data.sources`); pyarrow
gets native file objects only (never Python ones).
"""

from __future__ import annotations

import csv as py_csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from driftline.data._arrow import pa
from driftline.data.dialect import SAMPLE_BYTES, Dialect, check_text, sniff
from driftline.data.errors import SourceError
from driftline.data.sources import ReadOptions, SourceFile

__all__ = ["MAX_BLOCK", "check_encoding", "csv_batches", "file_dialect", "first_line"]

MAX_BLOCK = 256 << 20
"""The largest read block (and so the longest row) tried before a long row is refused."""

_FIRST_BLOCK = 1 << 20
_MAX_SAMPLE = 16 << 20
_CONVERSION = re.compile(r"In CSV column #(\d+): CSV conversion error to ([^:]+): (.*)", re.S)
_RAGGED = re.compile(r"CSV parse error: Expected (\d+) columns, got (\d+)")


def _open(f: SourceFile) -> tuple[Any, Any]:
    from driftline.data.remote import open_input

    raw = open_input(f.path)  # a local file, or one behind an fsspec URL
    return raw, (pa.CompressedInputStream(raw, f.compression) if f.compression else raw)


def _sample(f: SourceFile) -> tuple[bytes, bool]:
    """The file's first bytes (decompressed), at least two lines' worth; whether there is more."""
    size = SAMPLE_BYTES
    while True:
        try:
            raw, stream = _open(f)
            try:
                data = stream.read(size + 1)
            finally:
                raw.close()
        except (OSError, pa.ArrowInvalid) as exc:
            how = f" as {f.compression}" if f.compression else ""
            raise SourceError(f"cannot read {f.path}{how}: {first_line(exc)}") from exc
        more = len(data) > size
        if not more or data.count(b"\n") >= 2 or size >= _MAX_SAMPLE:
            return data[:size], more
        size *= 4


def file_dialect(f: SourceFile, options: ReadOptions) -> Dialect:
    """The dialect ``f`` is read with: ``options``' delimiter and header, the rest sniffed.

    Raises:
        SourceError: a file that is not text, or an unknown encoding (naming the file).

    """
    data, more = _sample(f)
    check_text(data, f.path, options.encoding)
    try:
        text = data.decode(options.encoding, "replace")
    except LookupError as exc:
        raise SourceError(f"{f.path}: unknown encoding {options.encoding!r}: {exc}") from exc
    prefer = "\t" if ".tsv" in [s.lower() for s in Path(f.path).suffixes] else ","
    dialect = sniff(
        text, delimiter=options.delimiter, header=options.header, truncated=more, prefer=prefer
    )
    if options.column_names:
        if dialect.columns and len(options.column_names) != dialect.columns:
            raise SourceError(
                f"{f.path} has {dialect.columns} columns ({dialect.describe()}) but "
                f"{len(options.column_names)} column names were given"
            )
        return Dialect(dialect.delimiter, dialect.header, len(options.column_names))
    return dialect


def csv_batches(f: SourceFile, options: ReadOptions, types: dict[str, Any]) -> Iterator[Any]:
    """``(batch, bytes read)`` of one CSV file, read with its dialect (see :func:`file_dialect`).

    Raises:
        SourceError: naming the file, and the line or column, with what to do.

    """
    dialect = file_dialect(f, options)
    given = 0
    block = _FIRST_BLOCK
    schema: Any = None
    while True:
        try:
            skip = given
            for batch, where in _read(f, options, dialect, types, block):
                if schema is None:
                    schema = batch.schema
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                batch, skip = batch.slice(skip), 0
                given += batch.num_rows
                yield batch, where
            if schema is None:  # a header and no rows: the columns, without rows
                yield _empty(f, options, dialect, types), f.size
            return
        except _Straddle:
            if block >= MAX_BLOCK:
                raise SourceError(
                    f"{f.path}: a row after data row {given:,} is longer than "
                    f"{MAX_BLOCK >> 20} MiB; check its quotes (an unclosed quote makes the rest of "
                    "the file one field)"
                ) from None
            block *= 2
            if schema is not None:
                types = {**{n: schema.field(n).type for n in schema.names}, **types}


class _Straddle(Exception):
    """A row longer than the read block."""


def _pyarrow_options(options: ReadOptions, dialect: Dialect, block: int) -> tuple[Any, Any]:
    import pyarrow.csv as pacsv

    names = list(options.column_names or ()) or (None if dialect.header else dialect.names())
    read = pacsv.ReadOptions(
        encoding=options.encoding,
        block_size=block,
        column_names=names,
        skip_rows=1 if (names is not None and dialect.header) else 0,
    )
    return read, pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True)


def _read(
    f: SourceFile, options: ReadOptions, dialect: Dialect, types: dict[str, Any], block: int
) -> Iterator[tuple[Any, int]]:
    import pyarrow.csv as pacsv

    read, parse = _pyarrow_options(options, dialect, block)
    convert = pacsv.ConvertOptions(column_types=types)
    raw, stream = _open(f)
    names: list[str] | None = None
    try:
        try:
            reader = pacsv.open_csv(stream, read, parse, convert)
            try:
                names = list(reader.schema.names)
            except UnicodeDecodeError:
                raise SourceError(
                    f"{f.path}: the header row is not valid {options.encoding} text; give the "
                    "file's encoding (--encoding latin-1, or encoding='latin-1' in Python)"
                ) from None
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                yield batch, raw.tell()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, LookupError, OSError) as exc:
            if "straddling object" in str(exc):
                raise _Straddle from exc
            raise _csv_error(f, options, dialect, names, exc) from exc
    finally:
        raw.close()


def _empty(f: SourceFile, options: ReadOptions, dialect: Dialect, types: dict[str, Any]) -> Any:
    names = list(options.column_names or ()) or (_header(f, options, dialect) or dialect.names())
    fields = [pa.field(n, types.get(n, pa.string())) for n in names]
    return pa.RecordBatch.from_pylist([], schema=pa.schema(fields))


def _csv_error(
    f: SourceFile, options: ReadOptions, dialect: Dialect, names: list[str] | None, exc: Exception
) -> SourceError:
    message = first_line(exc)
    if isinstance(exc, LookupError):
        return SourceError(f"{f.path}: unknown encoding {options.encoding!r}: {message}")
    if "Empty CSV file" in message:
        return SourceError(f"{f.path} is empty (no header line): there is nothing to read")
    ragged = _RAGGED.match(message)
    if ragged is not None:
        return _ragged_error(f, options, dialect, int(ragged[1]), int(ragged[2]))
    match = _CONVERSION.match(message)
    if match is None:
        return SourceError(f"cannot read {f.path} as CSV ({dialect.describe()}): {message}")
    index, to_type, detail = int(match[1]), match[2], match[3].strip()
    names = names if names is not None else _header(f, options, dialect)
    column = names[index] if index < len(names) else f"#{index + 1}"
    if "invalid UTF8" in detail:
        return SourceError(
            f"{f.path}: column {column!r} is not valid {options.encoding} text; give the file's "
            "encoding (--encoding latin-1, or encoding='latin-1' in Python)"
        )
    return SourceError(
        f"{f.path}: column {column!r} is not all {to_type} ({detail}); the column type was "
        f"guessed from the first rows: force it with --column-type {column}=string "
        f"(or column_types={{{column!r}: 'string'}} in Python)"
    )


def _ragged_error(
    f: SourceFile, options: ReadOptions, dialect: Dialect, expected: int, got: int
) -> SourceError:
    line = _ragged_line(f, options, dialect, expected)
    at = f"line {line:,}" if line is not None else "a row"
    first = "the header has" if dialect.header else "the first row has"
    return SourceError(
        f"{f.path}: {at} has {got} fields where {first} {expected} (delimiter "
        f"{dialect.delimiter!r}); fix that row, or give the delimiter with --delimiter if "
        f"{dialect.delimiter!r} is not it"
    )


def _ragged_line(
    f: SourceFile, options: ReadOptions, dialect: Dialect, expected: int
) -> int | None:
    """The line where the first row with a wrong number of fields starts (on errors only)."""
    raw, stream = _open(f)
    try:
        text = io.TextIOWrapper(
            io.BufferedReader(_Readable(stream)), encoding=options.encoding, errors="replace"
        )
        reader = py_csv.reader(text, delimiter=dialect.delimiter, strict=False)
        start = 1
        for row in reader:
            if row and len(row) != expected:
                return start
            start = reader.line_num + 1
    except (OSError, py_csv.Error, pa.ArrowInvalid):
        return None
    finally:
        raw.close()
    return None


class _Readable(io.RawIOBase):
    """A pyarrow input stream as a Python binary file (for the error path only)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _header(f: SourceFile, options: ReadOptions, dialect: Dialect) -> list[str]:
    if not dialect.header:
        return dialect.names()
    try:
        data, _ = _sample(f)
        line = data.decode(options.encoding, "replace").removeprefix("\ufeff")
        return next(py_csv.reader(io.StringIO(line), delimiter=dialect.delimiter))
    except (SourceError, StopIteration, LookupError, py_csv.Error):
        return []


def check_encoding(f: SourceFile, schema: Any, forced: dict[str, Any]) -> None:
    """Refuse binary columns of a CSV file (text that is not in its encoding), naming them."""
    if f.format.value != "csv":
        return
    for field_ in schema:
        if pa.types.is_binary(field_.type) and field_.name not in forced:
            raise SourceError(
                f"{f.path}: column {field_.name!r} is not valid UTF-8 text; give the file's "
                "encoding (--encoding latin-1, or encoding='latin-1' in Python), or keep the "
                f"raw bytes with --column-type {field_.name}=binary"
            )


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type's name)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
