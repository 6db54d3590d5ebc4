"""The door check: whether a new span's columns fit the dataset, before anything is stored.

A new span is compared with what the dataset expects: its current schema, or, while it has
none, its previous span that is not quarantined (the first span of a dataset is admitted as it
is). Four changes are found, each naming the column:

==============  ==================================================================
change          what
==============  ==================================================================
``missing``     a column the dataset has is not in the new data
``new``         the new data has a column the dataset does not have
``retyped``     a column of another kind (numeric, categorical, boolean, datetime):
                ``int64`` read where ``double`` was stays numeric and is no change; a
                column without any value (Arrow type ``null``) has no kind to compare,
                and is left to validation (an empty column blocks there)
``label``       the dataset's label column is not in the new data, or another
                label column was named
==============  ==================================================================

Any change refuses the span (:class:`SchemaChangeError`, exit code 1) before its Parquet file is
written, so nothing is stored. With ``allow_schema_change`` the span is stored, the changes and
the permission are recorded with it, and it is **quarantined** (see
:mod:`driftline.data.quarantine`) until a user releases it.

Examples:
    >>> import pyarrow as pa
    >>> old = Expected("span d:1", (("x", "double", ColumnKind.NUMERIC),), label="y")
    >>> [str(c) for c in changes(old, pa.schema([("x", pa.int64()), ("z", pa.string())]), None)]
    ["'z': new, categorical (string)", "'y': the label is missing"]

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from driftline.data._arrow import pa
from driftline.data.errors import ColumnTypeError, ValidationFailedError
from driftline.data.kinds import ColumnKind, infer_kind
from driftline.data.quarantine import quarantined
from driftline.data.schema import Schema
from driftline.data.spans import dataset_context
from driftline.store.queries import ArtifactQuery
from driftline.store.stores import HasStores

__all__ = [
    "Admission",
    "ChangeKind",
    "ColumnChange",
    "Expected",
    "SchemaChangeError",
    "admit",
    "changes",
    "expected",
    "kind_of_type",
]

_SHOWN = 20
"""At most this many columns of each change are named in a message (the rest are counted)."""


class SchemaChangeError(ValidationFailedError):
    """New data whose columns do not fit the dataset (exit code 1); nothing was stored."""


class ChangeKind(StrEnum):
    """How a new span's column differs from what the dataset expects."""

    MISSING = "missing"
    NEW = "new"
    RETYPED = "retyped"
    LABEL = "label"


@dataclass(frozen=True)
class ColumnChange:
    """One column that changed, and how (``str()`` says it in words)."""

    column: str
    kind: ChangeKind
    detail: str

    def __str__(self) -> str:
        return f"{self.column!r}: {self.detail}"


@dataclass(frozen=True)
class Expected:
    """What a dataset expects of a new span: columns (name, type, kind) and the label.

    Attributes:
        against: what the expectation comes from, in words (``"schema version 2"``).
        columns: each column's name, Arrow type (text) and kind (``None``: unknown kind,
            compared by type).
        label: the dataset's label column, if it has one.
        schema_version: the schema's version, 0 when the expectation is a previous span.

    """

    against: str
    columns: tuple[tuple[str, str, ColumnKind | None], ...]
    label: str | None = None
    schema_version: int = 0


@dataclass(frozen=True)
class Admission:
    """The door check's verdict on one new span."""

    against: str
    changes: tuple[ColumnChange, ...] = ()
    allowed: bool = False

    def properties(self) -> dict[str, Any]:
        """What the span and its ``ingest`` execution record of the check."""
        return {
            "against": self.against,
            "changes": [str(c) for c in self.changes],
            "allow_schema_change": self.allowed,
        }

    @property
    def quarantine_reason(self) -> str | None:
        """Why the span is quarantined at ingest (``None``: it fits)."""
        if not self.changes:
            return None
        return (
            f"stored with --allow-schema-change although it does not fit {self.against}: "
            f"{_summary(self.changes)}"
        )


def _family(kind: ColumnKind | None) -> ColumnKind | None:
    return ColumnKind.CATEGORICAL if kind is ColumnKind.TEXT else kind


def kind_of_type(text: str) -> ColumnKind | None:
    """The kind of a column of the Arrow type written ``text`` (``None`` when unknown).

    Examples:
        >>> kind_of_type("int64"), kind_of_type("timestamp[us, tz=UTC]"), kind_of_type("?")
        (<ColumnKind.NUMERIC: 'numeric'>, <ColumnKind.DATETIME: 'datetime'>, None)

    """
    try:
        return _kind(pa.type_for_alias(text), "?")
    except (ValueError, TypeError):  # no alias: a parametrised type, read by its prefix
        pass
    prefixes = (
        (("timestamp", "date"), ColumnKind.DATETIME),
        (("decimal", "duration", "time"), ColumnKind.NUMERIC),
        (("dictionary", "string", "large_string", "binary"), ColumnKind.CATEGORICAL),
    )
    for starts, kind in prefixes:
        if text.startswith(starts):
            return kind
    return None


def expected(stores: HasStores, dataset: str) -> Expected | None:
    """What ``dataset`` expects of a new span (``None``: no schema and no usable span yet)."""
    metadata = stores.metadata
    context = dataset_context(dataset)
    schemas = metadata.artifacts(ArtifactQuery(kind="schema", context=context))
    newest = max(schemas, key=lambda a: int(a.properties.get("version", 0)), default=None)
    if newest is not None:
        label = f"schema of {dataset}"
        text = stores.artifacts.read_bytes(newest.uri, newest.sha256, label=label)
        schema = Schema.from_toml(text.decode("utf-8"), where=f"schema {newest.name}")
        version = int(newest.properties.get("version", 0))
        return from_schema(schema, version)
    held = quarantined(metadata, dataset)
    spans = [
        a
        for a in metadata.artifacts(ArtifactQuery(kind="span", context=context))
        if int(a.properties.get("number", 0)) not in held
    ]
    if not spans:
        return None
    last = max(spans, key=lambda a: int(a.properties.get("number", 0))).properties
    names, types = list(last.get("columns", [])), [str(t) for t in last.get("types", [])]
    return Expected(
        f"span {dataset}:{last.get('number')}",
        tuple((n, t, kind_of_type(t)) for n, t in zip(names, types, strict=True)),
        label=last.get("label"),
    )


def from_schema(schema: Schema, version: int) -> Expected:
    """What a dataset with ``schema`` (at ``version``) expects of a new span."""
    return Expected(
        f"schema version {version} of {schema.dataset!r}",
        tuple((c.name, c.type, c.kind) for c in schema.columns),
        label=schema.label,
        schema_version=version,
    )


def _words(kind: ColumnKind | None, type_: str) -> str:
    return f"{kind.value} ({type_})" if kind is not None else type_


def changes(want: Expected, schema: Any, label: str | None) -> list[ColumnChange]:
    """How the columns of ``schema`` (an Arrow schema) and ``label`` differ from ``want``."""
    have: Mapping[str, Any] = {f.name: f.type for f in schema}
    known = {name for name, _, _ in want.columns}
    out: list[ColumnChange] = []
    for name, type_, kind in want.columns:
        if name not in have:
            if name != want.label:
                out.append(
                    ColumnChange(name, ChangeKind.MISSING, f"missing (was {_words(kind, type_)})")
                )
            continue
        now = str(have[name])
        new_kind = _kind(have[name], name)
        if pa.types.is_null(have[name]):
            continue  # no value to type it by (an all-empty CSV column): validation judges it
        if now != type_ and (_family(new_kind) != _family(kind) or kind is None):
            detail = f"retyped from {_words(kind, type_)} to {_words(new_kind, now)}"
            out.append(ColumnChange(name, ChangeKind.RETYPED, detail))
    for name, arrow_type in have.items():
        if name not in known:
            detail = f"new, {_words(_kind(arrow_type, name), str(arrow_type))}"
            out.append(ColumnChange(name, ChangeKind.NEW, detail))
    if want.label is not None and want.label not in have:
        out.append(ColumnChange(want.label, ChangeKind.LABEL, "the label is missing"))
    elif want.label is not None and label is not None and label != want.label:
        detail = f"named as the label, but the label is {want.label!r}"
        out.append(ColumnChange(label, ChangeKind.LABEL, detail))
    return out


def _kind(arrow_type: Any, name: str) -> ColumnKind | None:
    try:
        return infer_kind(arrow_type, name=name)
    except ColumnTypeError:  # a type that cannot be profiled: compared by its type alone
        return None


def _summary(found: Sequence[ColumnChange]) -> str:
    parts = []
    for kind in ChangeKind:
        these = [c for c in found if c.kind is kind]
        if not these:
            continue
        shown = "; ".join(str(c) for c in these[:_SHOWN])
        more = f"; and {len(these) - _SHOWN} more" if len(these) > _SHOWN else ""
        parts.append(f"{len(these)} {kind.value}: {shown}{more}")
    return " | ".join(parts)


def admit(
    stores: HasStores,
    dataset: str,
    schema: Any,
    label: str | None,
    *,
    where: str,
    allow: bool = False,
) -> Admission | None:
    """Check a new span's columns (``schema``, an Arrow schema) at the door.

    Returns ``None`` for the first span of a dataset without a schema, else the verdict.

    Raises:
        SchemaChangeError: a column changed and ``allow`` is false, naming each column and what
            changed (nothing is stored).

    """
    want = expected(stores, dataset)
    if want is None:
        return None
    found = tuple(changes(want, schema, label))
    if found and not allow:
        raise SchemaChangeError(
            f"{where} does not fit dataset {dataset!r} ({want.against}), so nothing was stored: "
            f"{_summary(found)}. If the change is meant, update the schema (`driftline schema "
            f"set {dataset} FILE`), or ingest with --allow-schema-change: the span is stored "
            f"quarantined until `driftline spans release {dataset}:N`"
        )
    return Admission(want.against, found, allowed=bool(found))
