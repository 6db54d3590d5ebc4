r"""Reading data sources as a stream of Arrow record batches, in bounded memory.

A *source* is one of:

* a path to a file: CSV (``.csv``, ``.tsv``, also compressed ``.gz``, ``.bz2``, ``.zst``),
  Parquet (``.parquet``, ``.pq``) or Arrow IPC / Feather (``.arrow``, ``.feather``, ``.ipc``);
* a folder (every data file under it, recursively, in sorted order; hidden files skipped);
* a glob pattern (``data/2024-*.csv.gz``, ``**`` allowed), matched in sorted order;
* a list of any of these (read in order);
* an in-memory table: a ``pyarrow.Table``, ``RecordBatch`` or ``RecordBatchReader``, a pandas or a
  polars ``DataFrame`` (converted through Arrow; pandas and polars are never imported otherwise).

Files are read batch by batch (``pyarrow.csv.open_csv``, ``ParquetFile.iter_batches``, IPC
batches), never whole. Every batch has the schema of the first one: CSV files after the first are
parsed with its column types, other batches are cast to them. Types of CSV columns are inferred
from the first block of the first file; ``column_types`` forces them (see :func:`arrow_type`).
Each CSV file's delimiter and header are detected unless given (see :mod:`driftline.data.dialect`
and :func:`read_as`, which says what was detected).

Every problem raises :class:`~driftline.data.errors.SourceError` naming the file, and the column
where there is one, with a suggested fix.

Examples:
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "a.csv"
    ...     _ = path.write_text("x,y\n1,a\n2,b\n")
    ...     files = find_files(str(path))
    ...     batches = list(read_batches(files, ReadOptions()))
    >>> files[0].format.value, batches[0].num_rows, batches[0].schema.names
    ('csv', 2, ['x', 'y'])

"""

from __future__ import annotations

import glob
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from driftline.data._arrow import pa
from driftline.data._csv import check_encoding, csv_batches, file_dialect, first_line
from driftline.data.dialect import Dialect
from driftline.data.errors import SourceError
from driftline.data.remote import is_url, open_input, remote_files
from driftline.data.sources import (
    COMPRESSION,
    SUFFIXES,
    ProgressFn,
    ReadOptions,
    SourceFile,
    SourceFormat,
    arrow_type,
)

__all__ = [
    "ProgressFn",
    "ReadOptions",
    "SourceFile",
    "SourceFormat",
    "arrow_type",
    "as_arrow",
    "describe_read",
    "find_files",
    "read_as",
    "read_batches",
]


def _format_of(path: Path, forced: SourceFormat | None) -> SourceFormat | None:
    if forced is not None:
        return forced
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSION:
        suffixes = suffixes[:-1]
    return SUFFIXES.get(suffixes[-1]) if suffixes else None


def _file(path: Path, forced: SourceFormat | None) -> SourceFile:
    fmt = _format_of(path, forced)
    if fmt is None:
        raise SourceError(
            f"{path}: unknown file type; name it with a suffix ("
            + ", ".join(SUFFIXES)
            + ", optionally + .gz) or give the format (--format csv|parquet|arrow)"
        )
    return SourceFile(str(path), fmt, path.stat().st_size)


def _in_folder(folder: Path, forced: SourceFormat | None) -> list[SourceFile]:
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
        and _format_of(p, forced) is not None
    )
    if not found:
        raise SourceError(f"the folder {folder} holds no data files (" + ", ".join(SUFFIXES) + ")")
    return [_file(p, forced) for p in found]


def _remote(url: str, forced: SourceFormat | None) -> list[SourceFile]:
    found = remote_files(url)
    for name, _ in found:
        if _format_of(Path(name), forced) is None:
            raise SourceError(
                f"{name}: unknown file type; name it with a suffix ("
                + ", ".join(SUFFIXES)
                + ", optionally + .gz) or give the format (--format csv|parquet|arrow)"
            )
    return [
        SourceFile(name, _format_of(Path(name), forced) or SourceFormat.CSV, size)
        for name, size in found
    ]


def find_files(source: Any, format: SourceFormat | str | None = None) -> list[SourceFile]:
    """The files a path, folder, glob or list of them names, in reading order.

    Raises:
        SourceError: a path that does not exist, a glob that matches nothing, a folder without
            data files, or a file of unknown type (each named).

    Examples:
        >>> find_files("no/such/file.csv")
        Traceback (most recent call last):
        ...
        driftline.data.errors.SourceError: no/such/file.csv does not exist

    """
    forced = SourceFormat(format) if format is not None else None
    if isinstance(source, str | os.PathLike):
        items = [os.fspath(source)]
    elif isinstance(source, Sequence) and not isinstance(source, bytes):
        items = [os.fspath(s) for s in source]
        if not items:
            raise SourceError("no source paths were given")
    else:
        raise SourceError(f"a source must be a path, a glob or a list of them, got {source!r}")
    out: list[SourceFile] = []
    for item in items:
        if is_url(item):  # s3://, gs://, https://...: through fsspec
            out.extend(_remote(item, forced))
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            out.extend(_in_folder(path, forced))
        elif path.is_file():
            out.append(_file(path, forced))
        elif glob.has_magic(item):
            matched = sorted(p for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
            if not matched:
                raise SourceError(f"the pattern {item!r} matches no file")
            out.extend(_file(Path(p), forced) for p in matched)
        elif path.is_symlink():
            raise SourceError(f"{item} is a symbolic link to nothing (a broken link or a loop)")
        elif path.exists():
            raise SourceError(f"{item} is not a regular file or folder")
        else:
            raise SourceError(f"{item} does not exist")
    return out


def read_as(files: Sequence[SourceFile], options: ReadOptions) -> list[dict[str, Any]]:
    r"""How each file is read: its path and format, and for CSV the detected dialect.

    Raises:
        SourceError: a CSV file that is not text (naming it).

    Examples:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "day1.csv"
        ...     _ = path.write_text("a;b\n1;2\n")
        ...     found = read_as(find_files(str(path)), ReadOptions())
        >>> describe_read(found[0])
        "read day1.csv as CSV: delimiter ';', header row, 2 columns"

    """
    options = options.resolved()
    out: list[dict[str, Any]] = []
    for f in files:
        entry: dict[str, Any] = {"path": f.path, "format": f.format.value}
        if f.format is SourceFormat.CSV and f.size > 0:
            entry.update(file_dialect(f, options).to_dict())
        out.append(entry)
    return out


def describe_read(entry: dict[str, Any]) -> str:
    """One entry of :func:`read_as` in words."""
    name = Path(entry["path"]).name
    if "delimiter" not in entry:
        return f"read {name} as {entry['format'].capitalize()}"
    dialect = Dialect(entry["delimiter"], entry["header"], entry["columns"])
    return f"read {name} as CSV: {dialect.describe()}"


def as_arrow(data: Any) -> Any:
    """An in-memory table as a ``pyarrow.Table`` or ``RecordBatchReader``; ``None`` otherwise.

    pandas and polars are imported only by their own conversion, for their own objects.

    Examples:
        >>> as_arrow(pa.table({"x": [1]})).num_rows, as_arrow("file.csv") is None
        (1, True)

    """
    if isinstance(data, pa.Table | pa.RecordBatchReader):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas" and type(data).__name__ == "DataFrame":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars" and type(data).__name__ == "DataFrame":
        return data.to_arrow()
    return None


def read_batches(
    source: Sequence[SourceFile] | Any,
    options: ReadOptions,
    progress: ProgressFn | None = None,
) -> Iterator[Any]:
    """Record batches of ``source`` (files from :func:`find_files`, or an in-memory table).

    Every batch has the schema of the first; ``progress`` hears the bytes read after each batch.

    Raises:
        SourceError: naming the file (and column) that cannot be read, with a fix.

    """
    table = None if _is_files(source) else as_arrow(source)
    if table is not None:
        yield from _table_batches(table, options, progress)
        return
    files: list[SourceFile] = list(source)
    options = options.resolved()
    total = sum(f.size for f in files)
    done = 0
    target: Any = None
    columns_only: Any = None  # a header without rows: given only when no file has rows
    forced = options.forced_types()
    for f in files:
        if f.size == 0:
            raise SourceError(f"{f.path} is empty (0 bytes): there is nothing to read")
        for batch, read in _file_batches(f, options, forced, target):
            if batch.num_rows == 0 and target is None:
                columns_only = batch if columns_only is None else columns_only
                continue
            if target is None:
                target = batch.schema
                _check_names(f, target)
                check_encoding(f, target, forced)
            batch = _conform(batch, target, f.path)
            if progress is not None:
                progress(done + min(read, f.size), total)
            yield batch
        done += f.size
    if target is None and columns_only is not None:
        _check_names(files[0], columns_only.schema)
        yield columns_only


def _check_names(f: SourceFile, schema: Any) -> None:
    twice = sorted(n for n, seen in Counter(schema.names).items() if seen > 1)
    if twice:
        raise SourceError(
            f"{f.path} has more than one column named {twice[0]!r}; rename one in the file, "
            "or name the columns with --column-names (column_names=[...] in Python)"
        )


def _is_files(source: Any) -> bool:
    return isinstance(source, list | tuple) and all(isinstance(s, SourceFile) for s in source)


def _table_batches(table: Any, options: ReadOptions, progress: ProgressFn | None) -> Iterator[Any]:
    forced = options.forced_types()
    if isinstance(table, pa.Table):
        total = int(table.nbytes)
        batches: Any = table.to_batches(max_chunksize=options.batch_rows)
    else:
        total, batches = 0, table
    done = 0
    for batch in batches:
        if forced:
            batch = _cast(batch, {**_types(batch.schema), **forced}, "the table")
        done += int(batch.nbytes)
        if progress is not None:
            progress(done, max(total, done))
        yield batch


def _types(schema: Any) -> dict[str, Any]:
    return {f.name: f.type for f in schema}


def _file_batches(
    f: SourceFile, options: ReadOptions, forced: dict[str, Any], target: Any
) -> Iterator[tuple[Any, int]]:
    if f.format is SourceFormat.CSV:
        types = {**(_types(target) if target is not None else {}), **forced}
        yield from csv_batches(f, options, types)
        return
    try:
        if f.format is SourceFormat.PARQUET:
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(open_input(f.path) if is_url(f.path) else f.path)
            total_rows, rows = max(parquet.metadata.num_rows, 1), 0
            for batch in parquet.iter_batches(batch_size=options.batch_rows):
                rows += batch.num_rows
                yield (
                    _cast(batch, {**_types(batch.schema), **forced}, f.path),
                    (f.size * rows // total_rows),
                )
            if parquet.metadata.num_rows == 0:  # the columns, without rows
                empty = pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow)
                yield _cast(empty, {**_types(empty.schema), **forced}, f.path), f.size
            return
        with open_input(f.path) if is_url(f.path) else pa.memory_map(f.path) as source:
            try:
                reader: Any = pa.ipc.open_file(source)
                count = reader.num_record_batches
                parts: Iterator[Any] = (reader.get_batch(i) for i in range(count))
            except pa.ArrowInvalid:
                source.seek(0)
                reader = pa.ipc.open_stream(source)
                parts = iter(reader)
            given = 0
            for batch in parts:
                given += 1
                yield _cast(batch, {**_types(batch.schema), **forced}, f.path), source.tell()
            if not given:  # the columns, without rows
                empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
                yield _cast(empty, {**_types(empty.schema), **forced}, f.path), f.size
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"cannot read {f.path} as {f.format.value}: {first_line(exc)}") from exc


def _conform(batch: Any, target: Any, where: str) -> Any:
    if batch.schema.equals(target):
        return batch
    if batch.schema.names != target.names:
        have, want = set(batch.schema.names), set(target.names)
        parts = []
        if want - have:
            parts.append("it lacks " + ", ".join(repr(n) for n in sorted(want - have)))
        if have - want:
            parts.append("it adds " + ", ".join(repr(n) for n in sorted(have - want)))
        detail = "; ".join(parts) or "its columns come in another order"
        raise SourceError(f"{where} does not have the columns of the first file: {detail}")
    return _cast(batch, _types(target), where)


def _cast(batch: Any, types: dict[str, Any], where: str) -> Any:
    if all(batch.schema.field(i).type == types[n] for i, n in enumerate(batch.schema.names)):
        return batch
    columns = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            columns.append(column if column.type == types[name] else column.cast(types[name]))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SourceError(
                f"{where}: column {name!r} of type {column.type} cannot become {types[name]} "
                f"({first_line(exc)}); force one type with --column-type {name}=string"
            ) from exc
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
