r"""Ingest: turn a data source into the next numbered span of a dataset, with its profile.

One pass over the source, in bounded memory: each record batch is split (train/eval), appended to
the span's Parquet file as it streams into the artifact store, and fed to the profiler. Then one
``ingest`` execution records both artifacts with their lineage (see :mod:`driftline.data.spans`).

The split is deterministic: a row goes to eval when ``unit_interval(stable_hash64(v)) <
eval_fraction``, where ``v`` is the row's value in the ``key`` column, or, without a key, its
position in the source (0, 1, 2...). The same input always gives the same split; with a key, the
same key always lands on the same side, in every span.

Nothing is stored unless all of it is: a bad file, column or argument raises before anything is
recorded, and unfinished Parquet files are thrown away (they never leave the store's ``.tmp/``).
A source with no data rows (an empty file, a CSV with only a header) is refused: a span always
holds at least one row. A source whose columns do not fit the dataset (its schema, or its previous
span) is refused before anything is written, unless ``allow_schema_change``: then the span is
stored quarantined (see :mod:`driftline.data.admission`).

Examples:
    >>> import pathlib, tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.stores import Stores
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = pathlib.Path(tmp) / "day1.csv"
    ...     _ = csv.write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(100)))
    ...     with open_metadata_store("sqlite://", create=True) as meta:
    ...         stores = Stores(meta, ArtifactStore(f"{tmp}/artifacts").create())
    ...         span = ingest(stores, "demo", str(csv), IngestOptions(label="y"))
    >>> span.name, span.rows, span.train_rows + span.eval_rows, span.label
    ('demo#1', 100, 100, 'y')

"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from driftline.core.errors import InputError
from driftline.data._arrow import pa, pc
from driftline.data.admission import admit
from driftline.data.errors import SourceError, UnknownColumnError
from driftline.data.hashing import stable_hash64, unit_interval
from driftline.data.ingest_options import IngestOptions
from driftline.data.kinds import ColumnKind, infer_kind
from driftline.data.profile import Profile, listing
from driftline.data.profiling import profile_table
from driftline.data.readers import as_arrow, find_files, read_as, read_batches
from driftline.data.remote import is_url, sha256_any
from driftline.data.sources import ProgressFn, SourceFile
from driftline.data.spans import (
    SPLIT_COLUMN,
    Span,
    check_dataset,
    dataset_context,
    span_context,
    span_name,
)
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.store.numbering import claim_next_number
from driftline.store.queries import ArtifactQuery
from driftline.store.records import NewArtifact, NewExecution
from driftline.store.stores import HasStores

__all__ = ["ROW_GROUP_ROWS", "ingest", "next_span_number"]

ROW_GROUP_ROWS = 131_072
"""Rows per Parquet row group of a span (rows are buffered up to this many before writing)."""


@dataclass
class _Counts:
    rows: int = 0
    eval_rows: int = 0


def next_span_number(metadata: MetadataStore, dataset: str) -> int:
    """The number the next span of ``dataset`` would get (1 for a new dataset)."""
    found = metadata.artifacts(ArtifactQuery(kind="span", context=dataset_context(dataset)))
    return 1 + max((int(a.properties.get("number", 0)) for a in found), default=0)


def _check_columns(
    schema: Any,
    where: str,
    columns: Mapping[str, str | None],
    forced: Mapping[str, str],
) -> None:
    names = list(schema.names)
    if SPLIT_COLUMN in names:
        raise SourceError(f"{where} has a column named {SPLIT_COLUMN!r}, which spans reserve")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise SourceError(f"{where} has more than one column named {twice[0]!r}")
    for what, name in columns.items():
        if name is not None and name not in names:
            raise _unknown(where, f"{what} column", name, names)
    for name in forced:
        if name not in names:
            raise _unknown(where, "column (named by a column type)", name, names)
    time = columns.get("time")
    if time is not None:
        arrow_type = schema.field(time).type
        if infer_kind(arrow_type, name=time) not in (ColumnKind.DATETIME, ColumnKind.NUMERIC):
            raise SourceError(
                f"{where}: the time column {time!r} is {arrow_type}, not dates, timestamps or "
                f"numbers; force a type with --column-type {time}=timestamp"
            )
    key = columns.get("key")
    if key is not None:
        try:
            stable_hash64(pa.array([], type=schema.field(key).type))
        except InputError as exc:
            raise SourceError(f"{where}: the key column {key!r} cannot be hashed: {exc}") from exc


def _unknown(where: str, what: str, name: str, names: list[str]) -> UnknownColumnError:
    return UnknownColumnError(
        f"{where} has no {what} {name!r}; its columns are {listing(names, 50)}"
    )


def _storage_schema(schema: Any) -> Any:
    """The schema a Parquet file of ``schema`` reads back as (e.g. timestamp[s] → [ms])."""
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), sink)
    return pq.read_schema(pa.BufferReader(sink.getvalue())).remove_metadata()


def _time_value(profile: Profile, time: str | None, which: str) -> str | float | None:
    if time is None:
        return None
    column = profile[time]
    value = getattr(column.moments, which) if column.moments is not None else None
    if value is None or not math.isfinite(value):
        return None
    if column.kind is ColumnKind.DATETIME:
        return datetime.fromtimestamp(value, tz=UTC).isoformat()
    return float(value)


def _describe(source: Any, files: list[SourceFile] | None) -> list[dict[str, Any]]:
    if files is None:
        return [{"table": type(source).__module__.split(".")[0] + "." + type(source).__name__}]
    out = []
    for f in files:
        sha256, size = sha256_any(f.path)
        out.append(
            {
                "path": f.path if is_url(f.path) else os.path.abspath(f.path),
                "format": f.format.value,
                "size": size,
                "sha256": sha256,
            }
        )
    return out


def ingest(
    stores: HasStores,
    dataset: str,
    source: Any,
    options: IngestOptions | None = None,
    *,
    progress: ProgressFn | None = None,
) -> Span:
    """Ingest ``source`` as the next span of ``dataset``; return the recorded span.

    Args:
        stores: the stores (a :class:`~driftline.store.stores.Stores`, a workspace): the
            ``ingest`` execution is recorded in its metadata store, the span and its profile
            written to its artifact store.
        dataset: the dataset's name (a letter, then letters, digits, ``_``, ``-``, ``.``).
        source: a file, folder, glob or list of them, or an in-memory table (see
            :mod:`driftline.data.readers`).
        options: the label, key and time columns, the eval fraction, how to read the files
            (:class:`~driftline.data.ingest_options.IngestOptions`; its defaults when ``None``).
        progress: called with (bytes read, total bytes) after each batch.

    Raises:
        InputError: a bad option or dataset name; a column that does not exist
            (:class:`~driftline.data.errors.UnknownColumnError`, listing the columns); a source
            that cannot be read (:class:`~driftline.data.errors.SourceError`, naming the file
            and column). Nothing is stored.
        SchemaChangeError: the source's columns do not fit the dataset and
            ``allow_schema_change`` is false (:mod:`driftline.data.admission`). Nothing is stored.

    """
    started = datetime.now(tz=UTC)
    metadata, artifacts = stores.metadata, stores.artifacts
    check_dataset(dataset)
    chosen = (options if options is not None else IngestOptions()).check()
    label, key, time = chosen.label, chosen.key, chosen.time
    eval_fraction = chosen.eval_fraction
    read = chosen.read_options()
    table = as_arrow(source)
    files = None if table is not None else find_files(source, read.format)
    where = "the table" if files is None else (files[0].path if len(files) == 1 else "the source")
    sources = _describe(source, files)
    batches = read_batches(files if files is not None else table, read, progress)
    first = next(batches, None)
    if first is None or first.num_rows == 0:
        raise SourceError(f"{where} has no data rows (only a header, or nothing): nothing stored")
    admission = admit(
        stores, dataset, first.schema, label, where=where, allow=chosen.allow_schema_change
    )
    columns = {"label": label, "key": key, "time": time}
    _check_columns(first.schema, where, columns, read.column_types)
    storage = _storage_schema(first.schema)
    counts = _Counts()
    parquet, profile = _write_span(
        artifacts, dataset, _chain(first, batches), storage, key, eval_fraction, counts, where
    )
    stored = artifacts.put_bytes(
        artifacts.new_key("profile", f"{dataset}.profile"), profile.to_bytes()
    )
    span_props: dict[str, Any] = {
        "dataset": dataset,
        "rows": counts.rows,
        "train_rows": counts.rows - counts.eval_rows,
        "eval_rows": counts.eval_rows,
        "columns": list(storage.names),
        "types": [str(t) for t in storage.types],
        "label": label,
        "key": key,
        "time": time,
        "time_min": _time_value(profile, time, "min"),
        "time_max": _time_value(profile, time, "max"),
        "eval_fraction": float(eval_fraction),
        "split_column": SPLIT_COLUMN,
        "admission": admission.properties() if admission is not None else None,
    }
    reason = admission.quarantine_reason if admission is not None else None
    if reason is not None:  # stored with the span itself: no moment when it is not held
        span_props["quarantine"] = reason
    parameters = {
        "dataset": dataset,
        "label": label,
        "key": key,
        "time": time,
        "eval_fraction": float(eval_fraction),
        "format": read.format,
        "encoding": read.encoding,
        "column_types": dict(read.column_types),
        "sources": sources,
        "read_as": read_as(files, read) if files is not None else [],
        "allow_schema_change": chosen.allow_schema_change,
    }
    done: dict[str, Any] = {"dataset": dataset, "rows": counts.rows}
    if reason is not None:
        done["schema_change"] = admission.properties() if admission is not None else None

    def record(number: int) -> Span:
        props = {**span_props, "number": number}
        recorded = metadata.record_execution(
            NewExecution(
                "ingest",
                parameters=parameters,
                started_at=started,
                properties={**done, "span": number},
            ),
            outputs={
                "span": NewArtifact(
                    "span",
                    parquet.uri,
                    parquet.sha256,
                    parquet.size,
                    name=span_name(dataset, number),
                    properties=props,
                ),
                "profile": NewArtifact(
                    "profile",
                    stored.uri,
                    stored.sha256,
                    stored.size,
                    name=f"{span_name(dataset, number)}/profile",
                    properties={"dataset": dataset, "span": number, "rows": counts.rows},
                ),
            },
            contexts=[dataset_context(dataset)],
            new_contexts=[span_context(dataset, number)],
        )
        return Span.from_artifacts(recorded.outputs["span"][0], recorded.outputs["profile"][0])

    return claim_next_number(
        record,
        taken=lambda: [next_span_number(metadata, dataset) - 1],
        what=f"a new span of {dataset!r}",
    )


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _write_span(
    artifacts: ArtifactStore,
    dataset: str,
    batches: Iterator[Any],
    storage: Any,
    key: str | None,
    eval_fraction: float,
    counts: _Counts,
    where: str,
) -> tuple[Any, Profile]:
    import pyarrow.parquet as pq

    schema = storage.append(pa.field(SPLIT_COLUMN, pa.string()))
    with artifacts.writer(artifacts.new_key("span", f"{dataset}.parquet")) as out:
        writer = pq.ParquetWriter(out, schema)
        try:
            profile = profile_table(_split(batches, storage, writer, key, eval_fraction, counts))
        finally:
            writer.close()
        if counts.rows == 0:
            raise SourceError(f"{where} has no data rows (only a header): nothing was stored")
    return out.result, profile


def _split(
    batches: Iterator[Any],
    storage: Any,
    writer: Any,
    key: str | None,
    eval_fraction: float,
    counts: _Counts,
) -> Iterator[Any]:
    """Cast, split and write each batch (buffered into row groups); yield it to the profiler."""
    pending: list[Any] = []
    buffered = 0
    for batch in batches:
        batch = batch if batch.schema.equals(storage) else batch.cast(storage)
        n = batch.num_rows
        if key is not None:
            hashes = stable_hash64(batch.column(key))
        else:
            hashes = stable_hash64(np.arange(counts.rows, counts.rows + n, dtype=np.int64))
        to_eval = unit_interval(hashes) < eval_fraction
        counts.rows += n
        counts.eval_rows += int(np.count_nonzero(to_eval))
        split = pc.if_else(pa.array(to_eval, type=pa.bool_()), "eval", "train")
        pending.append(batch.append_column(SPLIT_COLUMN, split))
        buffered += n
        if buffered >= ROW_GROUP_ROWS:
            writer.write_table(pa.Table.from_batches(pending), row_group_size=ROW_GROUP_ROWS)
            pending, buffered = [], 0
        yield batch
    if pending:
        writer.write_table(pa.Table.from_batches(pending), row_group_size=ROW_GROUP_ROWS)
