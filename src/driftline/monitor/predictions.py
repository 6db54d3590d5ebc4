"""Reading the prediction log and the feedback labels back, and joining them.

The log is written by :class:`driftline.monitor.logs.predlog.PredictionLog` and
:class:`~.logs.feedback.FeedbackLog`, in any number of processes; these functions read
it from any other process. They see the segments recorded in the metadata store when they are
called: rows still queued in a writer (not yet flushed) are not visible, and each recorded row is
read exactly once. Every segment's bytes are checked against their SHA-256.

Time windows include ``since`` and exclude ``until``; naive datetimes are taken to be UTC.
:mod:`driftline.monitor.metrics` scores a :func:`joined` table per version.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     table = read_predictions(ws.metadata, ws.artifacts, "churn")
    >>> table.num_rows, table.column_names[:3]
    (0, ['request_id', 'row', 'time'])

"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.core.errors import InputError
from driftline.monitor.columns import require_columns
from driftline.monitor.logs.segments import (
    FEEDBACK_KIND,
    LABEL,
    MODEL,
    PREDICTION,
    PREDICTIONS_KIND,
    REQUEST_ID,
    ROW,
    TIME,
    VERSION,
    check_window,
    decode_segment,
    log_context,
    time_type,
)
from driftline.registry.versions import check_model_name
from driftline.store.queries import ArtifactQuery
from driftline.store.records import Artifact, ArtifactState

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["LABEL_TIME", "joined", "latest_feedback", "read_feedback", "read_predictions"]

LABEL_TIME = "label_time"
"""The column of :func:`joined` holding when the label used was recorded."""

_READERS = 8
_LIVE = frozenset({ArtifactState.LIVE})


def _version_text(version: int | str | None) -> str | None:
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int | str) or version == "":
        raise InputError(f"version must be an int or a non-empty string, got {version!r}")
    return str(version)


def _overlaps(props: Mapping[str, Any], lo: datetime | None, hi: datetime | None) -> bool:
    """Whether a segment's recorded time range can hold rows in ``[lo, hi)``."""
    try:
        first = datetime.fromisoformat(str(props["time_min"]))
        last = datetime.fromisoformat(str(props["time_max"]))
    except (KeyError, ValueError):
        return True  # no usable range recorded: read it and filter its rows
    return (lo is None or last >= lo) and (hi is None or first < hi)


def _segments(
    metadata: MetadataStore,
    kind: str,
    model: str,
    lo: datetime | None,
    hi: datetime | None,
    version: str | None,
) -> list[Artifact]:
    """The live segments of ``model`` that may hold rows in the window, oldest first, once each."""
    found = metadata.artifacts(
        ArtifactQuery(kind=kind, context=log_context(model), states=_LIVE, ascending=True)
    )
    chosen: dict[str, Artifact] = {}
    for artifact in found:  # segments, not rows
        props = artifact.properties
        if artifact.uri in chosen or props.get("model", model) != model:
            continue
        if not _overlaps(props, lo, hi):
            continue
        if version is not None and version not in props.get("versions", [version]):
            continue
        chosen[artifact.uri] = artifact  # a segment recorded twice is read once
    return list(chosen.values())


def _read_all(artifacts: ArtifactStore, segments: list[Artifact]) -> list[Any]:
    if len(segments) <= 1 or artifacts.is_local:
        return [decode_segment(artifacts, s) for s in segments]
    with ThreadPoolExecutor(max_workers=min(_READERS, len(segments))) as pool:
        return list(pool.map(lambda s: decode_segment(artifacts, s), segments))


def _window_mask(table: Any, lo: datetime | None, hi: datetime | None) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = None
    if lo is not None:
        mask = pc.greater_equal(table[TIME], pa.scalar(lo, time_type()))
    if hi is not None:
        upper = pc.less(table[TIME], pa.scalar(hi, time_type()))
        mask = upper if mask is None else pc.and_(mask, upper)
    return mask


def _concat(tables: list[Any], what: str, model: str) -> Any:
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(
            f"the {what} segments of model {model!r} have columns of incompatible types ({exc}); "
            "read one version (or a narrower time window) at a time"
        ) from exc


def _empty(columns: Mapping[str, Any]) -> Any:
    import pyarrow as pa

    return pa.schema(list(columns.items())).empty_table()


def _fixed_columns() -> dict[str, Any]:
    import pyarrow as pa

    return {
        REQUEST_ID: pa.string(),
        ROW: pa.int32(),
        TIME: time_type(),
        MODEL: pa.string(),
        VERSION: pa.string(),
    }


def _read(
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    kind: str,
    model: str,
    since: datetime | None,
    until: datetime | None,
    version: str | None,
    empty: Mapping[str, Any],
) -> Any:
    import pyarrow.compute as pc

    check_model_name(model)
    lo, hi = check_window(since, until)
    segments = _segments(metadata, kind, model, lo, hi, version)
    if not segments:
        return _empty(empty)
    table = _concat(_read_all(artifacts, segments), kind, model)
    mask = _window_mask(table, lo, hi)
    if version is not None:
        same = pc.equal(table[VERSION], version)
        mask = same if mask is None else pc.and_(mask, same)
    if mask is not None:
        table = table.filter(mask)
    # A stable sort: rows of one time keep the order in which their segments were recorded.
    return table.sort_by([(TIME, "ascending")])


def read_predictions(
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    model: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    version: int | str | None = None,
) -> Any:
    """The logged predictions of ``model`` in a time window (all of them by default).

    Args:
        metadata: the workspace's metadata store.
        artifacts: the workspace's artifact store.
        model: the model's name.
        since: the first time included (by the ``time`` column).
        until: the first time no longer included.
        version: only the rows answered by this version.

    Returns:
        A ``pyarrow.Table`` with the columns of a prediction segment (see
        :mod:`driftline.monitor.logs.segments`), sorted by time. Segments whose input columns differ
        are combined; a column missing from some holds nulls there.

    Raises:
        InputError: a bad model name, window or version; or segments whose columns cannot be
            combined (e.g. a version sent strings where another sent numbers).
        ArtifactCorruptError, ArtifactNotFoundError: a segment's file is damaged or gone.

    """
    import pyarrow as pa

    empty = {**_fixed_columns(), PREDICTION: pa.null()}
    return _read(
        metadata, artifacts, PREDICTIONS_KIND, model, since, until, _version_text(version), empty
    )


def read_feedback(
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    model: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """Every label recorded for ``model`` in a time window (by when it was recorded).

    Returns:
        A ``pyarrow.Table`` with ``request_id``, ``row``, ``time``, ``model`` and ``label``,
        sorted by time; a ``(request_id, row)`` labelled twice appears twice
        (:func:`latest_feedback` keeps the newest).

    Raises:
        InputError, ArtifactCorruptError, ArtifactNotFoundError: as :func:`read_predictions`.

    """
    import pyarrow as pa

    columns = {**_fixed_columns(), LABEL: pa.null()}
    del columns[VERSION]
    return _read(metadata, artifacts, FEEDBACK_KIND, model, since, until, None, columns)


def latest_feedback(feedback: Any) -> Any:
    """The newest label of each ``(request_id, row)`` of a :func:`read_feedback` table.

    Labels recorded at the same time are ordered as their segments were recorded, then as the
    rows within a segment. Returns ``request_id``, ``row``, ``label`` and ``label_time``.

    Raises:
        InputError: the table lacks a column of a feedback segment.

    Examples:
        >>> import pyarrow as pa
        >>> from datetime import datetime
        >>> t0, t1 = datetime(2026, 5, 1), datetime(2026, 5, 2)
        >>> fb = pa.table({"request_id": ["a", "a", "b"], "row": [0, 0, 0],
        ...                "time": [t0, t1, t0], "label": [1, 0, 1]})
        >>> latest = latest_feedback(fb).sort_by("request_id")
        >>> latest["request_id"].to_pylist(), latest["label"].to_pylist()
        (['a', 'b'], [0, 1])

    """
    require_columns(feedback, [REQUEST_ID, ROW, TIME, LABEL], "a feedback table")
    if feedback.num_rows == 0:
        empty = feedback.select([REQUEST_ID, ROW, LABEL, TIME])
        return empty.rename_columns([REQUEST_ID, ROW, LABEL, LABEL_TIME])
    ordered = feedback.select([REQUEST_ID, ROW, TIME, LABEL]).sort_by([(TIME, "ascending")])
    latest = ordered.group_by([REQUEST_ID, ROW], use_threads=False).aggregate(
        [(LABEL, "last"), (TIME, "last")]
    )
    return latest.rename_columns([REQUEST_ID, ROW, LABEL, LABEL_TIME]).select(
        [REQUEST_ID, ROW, LABEL, LABEL_TIME]
    )


def joined(
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    model: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    version: int | str | None = None,
) -> Any:
    """The predictions of a window, each with the newest label recorded for it (if any).

    Labels are looked for among those recorded from ``since`` on, at any later time (a label
    cannot come before its prediction): a label that arrives days later is found.

    Returns:
        The table of :func:`read_predictions` with two more columns: ``label`` (null where no
        label was recorded) and ``label_time``.

    Raises:
        InputError, ArtifactCorruptError, ArtifactNotFoundError: as :func:`read_predictions`.

    """
    import pyarrow as pa

    predictions = read_predictions(
        metadata, artifacts, model, since=since, until=until, version=version
    )
    latest = latest_feedback(read_feedback(metadata, artifacts, model, since=since))
    if predictions.num_rows == 0 or latest.num_rows == 0:
        n = predictions.num_rows
        label = pa.nulls(n, latest.schema.field(LABEL).type)
        return predictions.append_column(LABEL, label).append_column(
            LABEL_TIME, pa.nulls(n, time_type())
        )
    # Join only the keys and a position (Arrow's hash join carries no list columns), then put
    # the labels back in the predictions' order.
    keys = predictions.select([REQUEST_ID, ROW]).append_column(
        "__position", pa.array(np.arange(predictions.num_rows, dtype=np.int64))
    )
    matched = keys.join(latest, keys=[REQUEST_ID, ROW], join_type="left outer")
    matched = matched.sort_by([("__position", "ascending")])
    return predictions.append_column(LABEL, matched[LABEL]).append_column(
        LABEL_TIME, matched[LABEL_TIME]
    )
