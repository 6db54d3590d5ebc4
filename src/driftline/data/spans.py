"""Spans: the immutable, numbered batches of a dataset, and how they are named and stored.

A dataset ``elec2`` has spans 1, 2, 3... Each span is recorded by one ``ingest`` execution with
two output artifacts:

* ``span`` (kind ``span``, name ``elec2#3``): **one Parquet file** holding the rows in source
  order, plus a column :data:`SPLIT_COLUMN` (``"train"`` or ``"eval"``). Read a part with
  ``Workspace.read_span(span, "train")``: the split column is dropped. One file keeps the source
  order (a backtest replays rows in order) and keeps a span one artifact; Parquet stores the
  split column in a few bytes per row group.
* ``profile`` (kind ``profile``, name ``elec2#3/profile``): the :class:`~driftline.data.Profile`
  of all the span's rows (without the split column), so drift never needs the rows again.

Both are attributed to the contexts ``dataset:elec2`` and ``span:elec2#3``. The span context is
created by the same transaction that records the execution and must not exist yet, so two
processes ingesting at once get distinct, consecutive numbers.

Examples:
    >>> span_name("elec2", 3), parse_span_ref("elec2:3"), parse_span_ref("elec2")
    ('elec2#3', ('elec2', 3), ('elec2', None))
    >>> check_dataset("my data")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: a dataset name must start with a letter and hold only \
letters, digits, '_', '-' and '.' (at most 100 characters), got 'my data'

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.core.refs import RefKind, parse_ref
from driftline.store.records import Artifact, ContextRef

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore

__all__ = [
    "SPLIT_COLUMN",
    "Span",
    "SpanPart",
    "check_dataset",
    "dataset_context",
    "parse_span_ref",
    "read_span_file",
    "span_context",
    "span_name",
]

SPLIT_COLUMN = "__split__"
"""The column of a span's Parquet file that says whether a row is ``train`` or ``eval``."""

_DATASET = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,99}$")


class SpanPart(StrEnum):
    """Which rows of a span to read."""

    TRAIN = "train"
    EVAL = "eval"
    ALL = "all"


def check_dataset(name: object) -> str:
    """Check a dataset name; return it.

    Raises:
        InputError: naming the rule and the value.

    """
    if not isinstance(name, str) or not _DATASET.match(name):
        raise InputError(
            "a dataset name must start with a letter and hold only letters, digits, '_', '-' "
            f"and '.' (at most 100 characters), got {name!r}"
        )
    return name


def span_name(dataset: str, number: int) -> str:
    """The name of span ``number`` of ``dataset`` (its context and its artifact)."""
    return f"{dataset}#{number}"


def dataset_context(dataset: str) -> ContextRef:
    """The context that groups every artifact and execution of a dataset."""
    return ContextRef("dataset", check_dataset(dataset))


def span_context(dataset: str, number: int) -> ContextRef:
    """The context of one span (created once, by the ingest that makes the span)."""
    return ContextRef("span", span_name(dataset, number), {"dataset": dataset, "number": number})


def parse_span_ref(ref: str) -> tuple[str, int | None] | None:
    """``"DATASET"`` → ``(dataset, None)``; ``"DATASET:N"`` → ``(dataset, N)``; else ``None``.

    The grammar is :mod:`driftline.core.refs` (``DATASET:latest`` and ``DATASET#N`` too).
    """
    try:
        parsed = parse_ref(ref, {RefKind.SPAN})
    except InputError:
        return None
    return (parsed.name, parsed.number) if parsed.name is not None else None


@dataclass(frozen=True)
class Span:
    """One immutable, numbered batch of a dataset, as recorded.

    Attributes:
        dataset: the dataset's name.
        number: 1, 2, 3... within the dataset.
        rows: all rows; ``train_rows + eval_rows``.
        train_rows: rows in the train part.
        eval_rows: rows in the eval part.
        columns: the column names, in order (without the split column).
        types: the Arrow type of each column, as text.
        label: the label column, if one was named.
        key: the column whose hash decided the split, or ``None`` (row position).
        time: the event-time column, if one was named.
        time_min: the earliest event time (ISO-8601 text for dates and timestamps, a number
            otherwise), ``None`` without a time column.
        time_max: the latest event time, likewise.
        eval_fraction: the share of rows meant for eval.
        artifact_id: the ``span`` artifact (the Parquet file).
        uri: where the Parquet file is.
        sha256: its SHA-256, checked on every read.
        profile_id: the ``profile`` artifact.
        profile_uri: where the profile is.
        profile_sha256: its SHA-256.
        created_at: when the span was recorded.

    """

    dataset: str
    number: int
    rows: int
    train_rows: int
    eval_rows: int
    columns: tuple[str, ...]
    types: tuple[str, ...]
    label: str | None
    key: str | None
    time: str | None
    time_min: str | float | None
    time_max: str | float | None
    eval_fraction: float
    artifact_id: int
    uri: str
    sha256: str
    profile_id: int
    profile_uri: str
    profile_sha256: str
    created_at: datetime

    @property
    def name(self) -> str:
        """``DATASET#N``."""
        return span_name(self.dataset, self.number)

    @property
    def ref(self) -> str:
        """``DATASET:N``, the form the CLI and :meth:`Workspace.load_profile` take."""
        return f"{self.dataset}:{self.number}"

    @classmethod
    def from_artifacts(cls, span: Artifact, profile: Artifact) -> Span:
        """Rebuild a span from its two artifacts (their properties hold the rest)."""
        p: Mapping[str, Any] = span.properties
        return cls(
            dataset=str(p["dataset"]),
            number=int(p["number"]),
            rows=int(p["rows"]),
            train_rows=int(p["train_rows"]),
            eval_rows=int(p["eval_rows"]),
            columns=tuple(p["columns"]),
            types=tuple(p["types"]),
            label=p.get("label"),
            key=p.get("key"),
            time=p.get("time"),
            time_min=p.get("time_min"),
            time_max=p.get("time_max"),
            eval_fraction=float(p["eval_fraction"]),
            artifact_id=span.id,
            uri=span.uri,
            sha256=span.sha256,
            profile_id=profile.id,
            profile_uri=profile.uri,
            profile_sha256=profile.sha256,
            created_at=span.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary.

        Examples:
            >>> from datetime import UTC, datetime
            >>> s = Span("d", 1, 10, 8, 2, ("x",), ("int64",), None, None, None, None, None,
            ...          0.2, 1, "file:///s", "0" * 64, 2, "file:///p", "1" * 64,
            ...          datetime(2026, 1, 1, tzinfo=UTC))
            >>> s.to_dict()["span"], s.to_dict()["created_at"]
            ('d:1', '2026-01-01T00:00:00+00:00')

        """
        return {
            "span": self.ref,
            "dataset": self.dataset,
            "number": self.number,
            "rows": self.rows,
            "train_rows": self.train_rows,
            "eval_rows": self.eval_rows,
            "columns": list(self.columns),
            "types": list(self.types),
            "label": self.label,
            "key": self.key,
            "time": self.time,
            "time_min": self.time_min,
            "time_max": self.time_max,
            "eval_fraction": self.eval_fraction,
            "artifact_id": self.artifact_id,
            "uri": self.uri,
            "sha256": self.sha256,
            "profile_id": self.profile_id,
            "profile_uri": self.profile_uri,
            "profile_sha256": self.profile_sha256,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Span:
        """Rebuild a span from :meth:`to_dict` (e.g. from a stored window of spans)."""
        return cls(
            dataset=str(d["dataset"]),
            number=int(d["number"]),
            rows=int(d["rows"]),
            train_rows=int(d["train_rows"]),
            eval_rows=int(d["eval_rows"]),
            columns=tuple(d["columns"]),
            types=tuple(d["types"]),
            label=d.get("label"),
            key=d.get("key"),
            time=d.get("time"),
            time_min=d.get("time_min"),
            time_max=d.get("time_max"),
            eval_fraction=float(d["eval_fraction"]),
            artifact_id=int(d["artifact_id"]),
            uri=str(d["uri"]),
            sha256=str(d["sha256"]),
            profile_id=int(d["profile_id"]),
            profile_uri=str(d["profile_uri"]),
            profile_sha256=str(d["profile_sha256"]),
            created_at=datetime.fromisoformat(str(d["created_at"])),
        )


def read_span_file(artifacts: ArtifactStore, span: Span, part: SpanPart | str = "train") -> Any:
    """The rows of one part of a span (``"train"``, ``"eval"`` or ``"all"``), in source order.

    The file's SHA-256 is checked first. Returns a ``pyarrow.Table`` without the split column.

    Raises:
        InputError: an unknown part.
        ArtifactCorruptError, ArtifactNotFoundError: the stored file is damaged or gone.

    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        which = SpanPart(part)
    except ValueError:
        raise InputError(f"part must be 'train', 'eval' or 'all', got {part!r}") from None
    label = f"span {span.name}"
    path = artifacts.local_path(span.uri, span.sha256, label=label)
    if path is not None:
        table = pq.ParquetFile(path).read()
    else:
        data = artifacts.read_bytes(span.uri, span.sha256, label=label)
        table = pq.ParquetFile(pa.BufferReader(data)).read()
    if which is not SpanPart.ALL:
        table = table.filter(pc.equal(table[SPLIT_COLUMN], which.value))
    return table.drop_columns([SPLIT_COLUMN])
