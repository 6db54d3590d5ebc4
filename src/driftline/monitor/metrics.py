"""Live metrics per model version from predictions joined with their labels: :func:`live_metrics`.

The table comes from :func:`driftline.monitor.predictions.joined`; the scores are those of
:func:`driftline.components.metrics.scores`, limited to the metrics that need no probabilities
(:data:`METRICS`).

Examples:
    >>> import pyarrow as pa
    >>> t = pa.table({"version": ["1", "1"], "prediction": [3.0, 4.0], "label": [1.0, 4.0]})
    >>> live_metrics(t, "mae")
    {'1': {'rows': 2, 'rows_with_labels': 2, 'rmse': 1.4142135623730951, 'mae': 1.0}}

"""

from __future__ import annotations

from typing import Any

from driftline.components.metrics import LIVE_METRICS, Task, scores
from driftline.components.metrics import METRICS as ALL_METRICS
from driftline.core.errors import InputError
from driftline.monitor.columns import require_columns
from driftline.monitor.logs.segments import LABEL, PREDICTION, VERSION

__all__ = ["METRICS", "live_metrics"]

METRICS: dict[str, Task] = {m: ALL_METRICS[m] for m in LIVE_METRICS}
"""The metrics :func:`live_metrics` computes (those that need no probabilities), by task."""


def live_metrics(table: Any, metric: str = "accuracy") -> dict[str, dict[str, int | float]]:
    """Live metrics per model version, from a :func:`~driftline.monitor.predictions.joined` table.

    Args:
        table: predictions with their labels (``version``, ``prediction``, ``label``).
        metric: one of :data:`METRICS` (``accuracy``, ``balanced_accuracy``, ``f1``: a
            prediction is right when it equals its label by value; ``rmse``, ``mae``, ``r2``),
            computed by :func:`driftline.components.metrics.scores`.

    Returns:
        ``{version: {"rows": ..., "rows_with_labels": ..., "accuracy": ...}}``: the metric (for
        regression, ``rmse`` and ``mae`` always); a version without labels has only the two
        counts, and a metric that cannot be computed on its rows (``r2`` of a constant) is left
        out.

    Raises:
        InputError: an unknown metric, missing columns, a ``prediction`` column that is not one
            value per row, or (regression) values that are not numbers.

    Examples:
        >>> import pyarrow as pa
        >>> t = pa.table({"version": ["1", "1", "1", "2"], "prediction": [1, 0, 1, 1],
        ...               "label": [1, 1, None, None]})
        >>> live_metrics(t)
        {'1': {'rows': 3, 'rows_with_labels': 2, 'accuracy': 0.5}, '2': {'rows': 1, \
'rows_with_labels': 0}}

    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if metric not in METRICS:
        raise InputError(f"unknown live metric {metric!r}; metrics: {', '.join(METRICS)}")
    require_columns(table, [VERSION, PREDICTION, LABEL], "a joined table")
    if table.num_rows == 0:
        return {}
    kind = table.schema.field(PREDICTION).type
    if pa.types.is_nested(kind):
        raise InputError(
            f"live metrics need one prediction per row; the prediction column holds {kind} "
            "(turn probabilities into classes first)"
        )
    counts = table.group_by(VERSION).aggregate([(VERSION, "count"), (LABEL, "count")])
    labelled = table.filter(pc.is_valid(table[LABEL]))
    out: dict[str, dict[str, int | float]] = {}
    versions = counts[VERSION].to_pylist()
    rows = counts[f"{VERSION}_count"].to_pylist()
    with_labels = counts[f"{LABEL}_count"].to_pylist()
    for version, n, m in zip(versions, rows, with_labels, strict=True):  # versions, not rows
        entry: dict[str, int | float] = {"rows": int(n), "rows_with_labels": int(m)}
        if m:
            part = labelled.filter(pc.equal(labelled[VERSION], version))
            entry.update(_scores(part[PREDICTION], part[LABEL], metric))
        out[str(version)] = entry
    return dict(sorted(out.items()))


def _scores(predicted: Any, truth: Any, metric: str) -> dict[str, float]:
    task = METRICS[metric]
    found = scores(
        truth.to_numpy(zero_copy_only=False), predicted.to_numpy(zero_copy_only=False), task
    )
    wanted = {metric, "rmse", "mae"} if task == "regression" else {metric}
    return {k: v for k, v in found.items() if k in wanted}
