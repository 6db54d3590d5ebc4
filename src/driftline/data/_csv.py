"""CSV files as Arrow record batches (``pyarrow.csv.open_csv``), with errors that name the column.

Used by :mod:`driftline.data.readers` (both take their types from :mod:`driftline.data.sources`);
pyarrow gets native file objects only (never Python ones).
"""

from __future__ import annotations

import csv as py_csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from driftline.data._arrow import pa
from driftline.data.errors import SourceError
from driftline.data.sources import ReadOptions, SourceFile

__all__ = ["check_encoding", "csv_batches", "first_line"]

_CONVERSION = re.compile(r"In CSV column #(\d+): CSV conversion error to ([^:]+): (.*)", re.S)


def csv_batches(f: SourceFile, options: ReadOptions, types: dict[str, Any]) -> Iterator[Any]:
    import pyarrow.csv as pacsv

    delimiter = options.delimiter or ("\t" if ".tsv" in Path(f.path).suffixes else ",")
    read_options = pacsv.ReadOptions(encoding=options.encoding)
    parse = pacsv.ParseOptions(delimiter=delimiter)
    convert = pacsv.ConvertOptions(column_types=types)
    raw = pa.OSFile(f.path)
    try:
        stream = pa.CompressedInputStream(raw, f.compression) if f.compression else raw
        names: list[str] | None = None
        try:
            reader = pacsv.open_csv(stream, read_options, parse, convert)
            names = list(reader.schema.names)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                yield batch, raw.tell()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, LookupError) as exc:
            raise _csv_error(f, options, names, exc) from exc
    finally:
        raw.close()


def _csv_error(
    f: SourceFile, options: ReadOptions, names: list[str] | None, exc: Exception
) -> SourceError:
    message = first_line(exc)
    if isinstance(exc, LookupError):
        return SourceError(f"{f.path}: unknown encoding {options.encoding!r}: {message}")
    if "Empty CSV file" in message:
        return SourceError(f"{f.path} is empty (no header line): there is nothing to read")
    match = _CONVERSION.match(message)
    if match is None:
        return SourceError(f"cannot read {f.path} as CSV: {message}")
    index, to_type, detail = int(match[1]), match[2], match[3].strip()
    names = names if names is not None else _header(f, options, delimiter=None)
    column = names[index] if index < len(names) else f"#{index}"
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


def _header(f: SourceFile, options: ReadOptions, delimiter: str | None) -> list[str]:
    try:
        raw = pa.OSFile(f.path)
        try:
            stream = pa.CompressedInputStream(raw, f.compression) if f.compression else raw
            line = stream.read(1 << 16).decode(options.encoding, "replace").splitlines()[0]
        finally:
            raw.close()
        return next(py_csv.reader(io.StringIO(line), delimiter=delimiter or ","))
    except (OSError, IndexError, StopIteration, LookupError, pa.ArrowInvalid):
        return []


def check_encoding(f: SourceFile, schema: Any, forced: dict[str, Any]) -> None:
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
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
