"""Batch predictions into the prediction log, so live windows cover them: :func:`log_batch`.

``batch_predict`` (:mod:`driftline.components.batch`) scores whole files; its output keeps the
predictions (and labels) but not the inputs. To monitor a batch like served traffic, log the
inputs it scored and its predictions here: they become ordinary prediction segments (the same
format, the same privacy options) stamped with the time they were predicted, with request ids
``ID:0``, ``ID:1``... (one per :data:`CHUNK_ROWS` rows). Labels, when given, are recorded as
feedback for those rows, so the windows' realised accuracy counts them.
:func:`~driftline.monitor.windows.update_windows` then profiles them like any other segment.

Examples:
    >>> import tempfile
    >>> from datetime import datetime, timezone
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.monitor.window_metrics import window_metrics
    >>> from driftline.workspace import Workspace
    >>> at = datetime(2026, 5, 1, 3, 0, tzinfo=timezone.utc)
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     n = log_batch(ws, "churn", 2, pa.table({"x": [0.1, 0.2, 0.3]}), np.array([0, 1, 1]),
    ...                   at=at, request_id="nightly", labels=np.array([0, 1, 0]))
    ...     [m] = window_metrics(ws, "churn")
    >>> n, m.rows, m.start.isoformat(), m.labelled_rows, round(m.realised_accuracy, 3)
    (3, 3, '2026-05-01T03:00:00+00:00', 3, 0.667)

"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from driftline.core.errors import InputError
from driftline.store.stores import HasStores, Stores

__all__ = ["CHUNK_ROWS", "log_batch"]

CHUNK_ROWS = 100_000
"""Rows per logged request (a request id per chunk)."""


def log_batch(
    stores: HasStores,
    model: str,
    version: int | str,
    inputs: Any,
    predictions: Any,
    *,
    at: datetime | None = None,
    request_id: str | None = None,
    labels: Any = None,
    exclude: tuple[str, ...] = (),
    hash_columns: tuple[str, ...] = (),
) -> int:
    """Log a batch's inputs and predictions as prediction segments; return the rows logged.

    Args:
        stores: the workspace's stores.
        model: the model's name.
        version: the version that predicted.
        inputs: the rows it scored (a ``pyarrow.Table``).
        predictions: one prediction per row (a numpy or pyarrow array).
        at: when it predicted (default: now).
        request_id: the batch's id (default: ``batch-`` and a random hex).
        labels: the true labels, one per row, when known (recorded as feedback).
        exclude: input columns never written.
        hash_columns: input columns written as their hashes.

    Raises:
        InputError: a bad argument (naming it), or rows that were not all written.

    """
    import uuid

    import numpy as np
    import pyarrow as pa

    from driftline.monitor.logs.feedback import FeedbackLog
    from driftline.monitor.logs.predlog import PredictionLog

    if not isinstance(inputs, pa.Table):
        raise InputError(f"inputs must be a pyarrow.Table, got {type(inputs).__name__}")
    s = Stores.of(stores)
    base = request_id if request_id is not None else f"batch-{uuid.uuid4().hex[:12]}"
    n = int(inputs.num_rows)
    if labels is not None and len(labels) != n:
        raise InputError(f"{n} input rows but {len(labels)} labels")
    queue = max(n + 1, 1_000_000)
    with PredictionLog(
        s.metadata,
        s.artifacts,
        flush_rows=CHUNK_ROWS * 10,
        flush_seconds=3600,
        queue_rows=queue,
        exclude=exclude,
        hash_columns=hash_columns,
    ) as log:
        for i, lo in enumerate(range(0, n, CHUNK_ROWS)):  # chunks, not rows
            part = predictions[lo : lo + CHUNK_ROWS]
            if not log.log(model, version, f"{base}:{i}", inputs.slice(lo, CHUNK_ROWS), part, at):
                raise InputError(f"the prediction log refused batch {base!r}")
    written = int(log.stats().written_rows)
    if written != n:
        raise InputError(f"only {written} of the {n} rows of batch {base!r} were logged")
    if labels is not None and n:
        chunk = np.arange(n) // CHUNK_ROWS
        ids = pa.array([f"{base}:{c}" for c in range((n - 1) // CHUNK_ROWS + 1)]).take(
            pa.array(chunk)
        )
        table = pa.table(
            {"request_id": ids, "row": pa.array(np.arange(n) % CHUNK_ROWS), "label": labels}
        )
        with FeedbackLog(s.metadata, s.artifacts, flush_seconds=3600, queue_rows=queue) as fb:
            fb.record(model, table, at=at)
    return n
