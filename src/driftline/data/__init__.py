"""Data: mergeable profiles of tables, their sketches, and a stable value hash.

Importing this package is cheap (no numpy, no pyarrow); names load on first use.

=================================  ================================================================
:func:`profile_table`              profile a pyarrow Table or a stream of record batches in one pass
:class:`Profile`                   column profiles + row count; ``merge``, ``to_bytes``, ``to_dict``
:class:`ColumnProfile`             one column: counts, moments, quantiles, frequent values, distinct
:class:`ColumnKind`                NUMERIC, CATEGORICAL, BOOLEAN, DATETIME, TEXT (from the type)
:class:`SketchParams`              sketch sizes (``k``, ``capacity``, ``precision``)
:func:`stable_hash64`              a hash of values stable across processes and versions
:mod:`driftline.data.sketches`     the sketches: Moments, KLLSketch, FrequentItems, HyperLogLog
:class:`Span`, :class:`SpanPart`    numbered, immutable batches of a dataset (:mod:`.spans`)
:class:`DataCatalog`               ingest, spans, profiles, schemas, validations (:mod:`.catalog`)
:class:`IngestOptions`             how a source is ingested: label, key, time, split, reading
:class:`Reference`                 what names a profile's data, one meaning per form (:mod:`.refs`)
:class:`Schema`                    a dataset's schema as editable TOML; :func:`infer_schema`
:class:`ColumnSchema`              one column's contract and observation; ``Bounds``, ``ColumnRole``
:func:`validate`                   anomalies of a profile against a schema (:mod:`.anomalies`)
=================================  ================================================================

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> p = profile_table(pa.table({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]}))
    >>> p["x"].quantiles.quantile(0.5), p["c"].frequent.top(1)[0].value
    (2.0, 'a')

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "Anomaly",
    "AnomalyKind",
    "Bounds",
    "ColumnKind",
    "ColumnProfile",
    "ColumnRole",
    "ColumnSchema",
    "ColumnTypeError",
    "DataCatalog",
    "FormatError",
    "IngestOptions",
    "MergeError",
    "Profile",
    "Reference",
    "Schema",
    "SchemaError",
    "Severity",
    "SketchParams",
    "SourceError",
    "Span",
    "SpanPart",
    "UnknownColumnError",
    "ValidationFailedError",
    "ValidationReport",
    "infer_schema",
    "profile_table",
    "stable_hash64",
    "validate",
]

_LAZY = {
    "ColumnKind": "driftline.data.kinds",
    "ColumnProfile": "driftline.data.column_profile",
    "ColumnTypeError": "driftline.data.errors",
    "FormatError": "driftline.data.errors",
    "MergeError": "driftline.data.errors",
    "UnknownColumnError": "driftline.data.errors",
    "Profile": "driftline.data.profile",
    "profile_table": "driftline.data.profiling",
    "SketchParams": "driftline.data.params",
    "stable_hash64": "driftline.data.hashing",
    "Anomaly": "driftline.data.anomalies",
    "AnomalyKind": "driftline.data.anomalies",
    "Severity": "driftline.data.anomalies",
    "ValidationReport": "driftline.data.anomalies",
    "DataCatalog": "driftline.data.catalog",
    "IngestOptions": "driftline.data.ingest_options",
    "Reference": "driftline.data.refs",
    "Schema": "driftline.data.schema",
    "Bounds": "driftline.data.column_schema",
    "ColumnRole": "driftline.data.column_schema",
    "ColumnSchema": "driftline.data.column_schema",
    "infer_schema": "driftline.data.schema",
    "SchemaError": "driftline.data.errors",
    "SourceError": "driftline.data.errors",
    "ValidationFailedError": "driftline.data.errors",
    "Span": "driftline.data.spans",
    "SpanPart": "driftline.data.spans",
    "validate": "driftline.data.validation",
}

if TYPE_CHECKING:
    from driftline.data.anomalies import Anomaly, AnomalyKind, Severity, ValidationReport
    from driftline.data.catalog import DataCatalog
    from driftline.data.column_profile import ColumnProfile
    from driftline.data.column_schema import Bounds, ColumnRole, ColumnSchema
    from driftline.data.errors import (
        ColumnTypeError,
        FormatError,
        MergeError,
        SchemaError,
        SourceError,
        UnknownColumnError,
        ValidationFailedError,
    )
    from driftline.data.hashing import stable_hash64
    from driftline.data.ingest_options import IngestOptions
    from driftline.data.kinds import ColumnKind
    from driftline.data.params import SketchParams
    from driftline.data.profile import Profile
    from driftline.data.profiling import profile_table
    from driftline.data.refs import Reference
    from driftline.data.schema import Schema, infer_schema
    from driftline.data.spans import Span, SpanPart
    from driftline.data.validation import validate


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
