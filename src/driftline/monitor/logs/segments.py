"""The format of prediction-log and feedback segments, shared by their writers and readers.

A **segment** is one Parquet file in the artifact store holding a batch of logged rows, recorded
in the metadata store as an artifact (kind ``predictions`` or ``feedback``) attributed to the
context ``prediction_log`` named after the model. Writers in any number of processes add
segments; a reader lists the segments of a model and reads them. Nothing else is shared.

A **prediction segment** has one row per predicted row:

==================  ===========================  ==============================================
column              type                         holds
==================  ===========================  ==============================================
``request_id``      string                       the request's id
``row``             int32                        the row's position in its request (0, 1, ...)
``time``            timestamp[us, UTC]           when the request was predicted
``model``           string                       the model's name
``version``         string                       the version that answered
``input.NAME``      as sent (hashed: uint64)     each input column not excluded, under its name
``prediction``      the output's type            a 1-D output as is; a 2-D output (n, k) as a
                                                 ``list`` column of k values per row
``outlier_score``   float64 (null: not scored)   the row's outlier score, when the version that
                                                 answered has an outlier detector
``outlier``         bool (null: not scored)      whether the score is above the detector's
                                                 threshold (both absent without a detector)
==================  ===========================  ==============================================

Segments written before outliers were scored have neither column; readers treat them as absent.

A **feedback segment** has one row per label: ``request_id``, ``row``, ``time`` (when the label
was recorded), ``model`` and ``label``. A later label for the same ``(request_id, row)``
overrides an earlier one.

The artifact's properties describe the segment without reading it: ``model``, ``versions``,
``rows``, ``requests``, ``time_min`` and ``time_max`` (ISO 8601, UTC), ``columns``, ``excluded``
and ``hashed`` (input columns left out or hashed), and ``format`` (:data:`SEGMENT_FORMAT`).

Examples:
    >>> log_context("churn")
    ContextRef(kind='prediction_log', name='churn', properties={})
    >>> input_column("age"), PREDICTION
    ('input.age', 'prediction')

"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.core.clock import utc
from driftline.core.errors import InputError, IntegrityError
from driftline.store.records import ContextRef

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.records import Artifact

__all__ = [
    "FEEDBACK_KIND",
    "INPUT_PREFIX",
    "LABEL",
    "LOG_CONTEXT_KIND",
    "MAX_REQUEST_ID",
    "MODEL",
    "OUTLIER",
    "OUTLIER_SCORE",
    "PREDICTION",
    "PREDICTIONS_KIND",
    "REQUEST_ID",
    "ROW",
    "SEGMENT_FORMAT",
    "TIME",
    "VERSION",
    "check_window",
    "decode_segment",
    "encode_segment",
    "input_column",
    "log_context",
    "time_type",
]

PREDICTIONS_KIND = "predictions"
"""The artifact kind of a prediction segment (its key starts with ``predictions/``)."""

FEEDBACK_KIND = "feedback"
"""The artifact kind of a feedback segment (its key starts with ``feedback/``)."""

LOG_CONTEXT_KIND = "prediction_log"
"""The kind of the context (named after the model) every segment of a model is attributed to."""

SEGMENT_FORMAT = 1
"""The version of the segment layout, recorded in each segment's properties."""

REQUEST_ID = "request_id"
ROW = "row"
TIME = "time"
MODEL = "model"
VERSION = "version"
PREDICTION = "prediction"
LABEL = "label"
OUTLIER_SCORE = "outlier_score"
"""The segment column of each row's outlier score (float64; null when scoring failed)."""
OUTLIER = "outlier"
"""The segment column of each row's outlier flag (bool; null when scoring failed)."""
INPUT_PREFIX = "input."

MAX_REQUEST_ID = 256
"""The longest request id, in characters."""


def input_column(name: str) -> str:
    """The segment column that holds the input column ``name``."""
    return INPUT_PREFIX + name


def log_context(model: str) -> ContextRef:
    """The context that the segments of ``model`` are attributed to."""
    return ContextRef(LOG_CONTEXT_KIND, model)


def time_type() -> Any:
    """The Arrow type of the ``time`` column: ``timestamp[us, tz=UTC]``."""
    import pyarrow as pa

    return pa.timestamp("us", tz="UTC")


def check_window(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Check a time window (``since`` included, ``until`` excluded); return it in UTC.

    Naive datetimes are taken to be UTC.

    Raises:
        InputError: a bound is not a datetime, or ``until`` is not after ``since``.

    Examples:
        >>> check_window(datetime(2026, 5, 1), None)[0].isoformat()
        '2026-05-01T00:00:00+00:00'

    """
    for what, value in (("since", since), ("until", until)):
        if value is not None and not isinstance(value, datetime):
            raise InputError(f"{what} must be a datetime or None, got {value!r}")
    lo = None if since is None else utc(since)
    hi = None if until is None else utc(until)
    if lo is not None and hi is not None and hi <= lo:
        raise InputError(f"until ({hi.isoformat()}) must be after since ({lo.isoformat()})")
    return lo, hi


def encode_segment(table: Any) -> bytes:
    """The Parquet bytes of a segment table: LZ4, dictionaries for every column but floats.

    A segment is written once and read by every monitor update, so it is encoded for reading:
    LZ4 decodes about three times faster than zstd, and logged floats (inputs, scores) are nearly
    all distinct, so a dictionary only costs a lookup per value. Together the files come out a
    little smaller than zstd with dictionaries. Segments written with other codecs read the same.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    keyed = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="lz4", use_dictionary=keyed)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def decode_segment(artifacts: ArtifactStore, artifact: Artifact) -> Any:
    """The table of a stored segment; its bytes are checked against the recorded SHA-256.

    Raises:
        IntegrityError: the segment was written by a newer driftline (unknown ``format``).
        ArtifactCorruptError, ArtifactNotFoundError: the stored file is damaged or gone.

    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    version = _properties(artifact).get("format", SEGMENT_FORMAT)
    if version != SEGMENT_FORMAT:
        raise IntegrityError(
            f"artifact {artifact.id} ({artifact.kind} segment) has format {version!r}; this "
            f"driftline reads format {SEGMENT_FORMAT}"
        )
    label = f"artifact {artifact.id} ({artifact.kind} segment)"
    data = artifacts.read_bytes(artifact.uri, artifact.sha256, label=label)
    return pq.ParquetFile(pa.BufferReader(data)).read()


def _properties(artifact: Artifact) -> Mapping[str, Any]:
    return artifact.properties if isinstance(artifact.properties, Mapping) else {}
