"""What a window's profile says of the model's outputs: prediction mix or quantiles, outliers.

Predictions that are labels (text, booleans, or numbers with at most :data:`MAX_CLASSES` distinct
values, all whole) are summarised by their mix, class → share; other numbers (scores, regression
outputs) by the quantiles ``p05``, ``p25``, ``p50``, ``p75`` and ``p95``. Both come from the
profile's sketches: the mix is exact while the frequent-items sketch is.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> labels = profile_table(pa.table({"prediction": [1.0, 0.0, 1.0, 1.0],
    ...                                  "outlier": [False, True, False, False]}))
    >>> prediction_summary(labels), outlier_rate(labels)
    (({'0': 0.25, '1': 0.75}, None), 0.25)
    >>> scores = profile_table(pa.table({"prediction": [i / 100 for i in range(101)]}))
    >>> prediction_summary(scores)[1]["p50"]
    0.5

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftline.data.kinds import ColumnKind
from driftline.monitor.logs.segments import PREDICTION
from driftline.monitor.window_rows import OUTLIER

if TYPE_CHECKING:
    from driftline.data.profile import Profile

__all__ = ["MAX_CLASSES", "QUANTILES", "outlier_rate", "prediction_summary"]

MAX_CLASSES = 20
"""Numeric predictions with at most this many distinct whole values are taken as class labels."""

QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
"""The quantiles reported for scores and regression outputs."""


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def prediction_summary(
    profile: Profile,
) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """``(mix, quantiles)`` of the ``prediction`` column: one of them, or neither without one."""
    if PREDICTION not in profile:
        return None, None
    column = profile[PREDICTION]
    frequent = column.frequent
    if column.count == 0:
        return None, None
    labels = column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    if column.kind is ColumnKind.NUMERIC and frequent is not None and frequent.is_exact:
        values = frequent.items.to_pylist()
        labels = len(values) <= MAX_CLASSES and all(
            isinstance(v, int) or (isinstance(v, float) and v.is_integer()) for v in values
        )
    if labels and frequent is not None:
        total = float(sum(int(c) for c in frequent.counts))
        mix = {
            _label(v): int(c) / total
            for v, c in zip(frequent.items.to_pylist(), frequent.counts.tolist(), strict=True)
        }
        return dict(sorted(mix.items())), None
    if column.quantiles is None or column.quantiles.n == 0:
        return None, None
    sketch = column.quantiles
    return None, {k: float(sketch.quantile(q)) for k, q in QUANTILES.items()}


def outlier_rate(profile: Profile) -> float | None:
    """The share of rows flagged as outliers (``None``: the window has no flags)."""
    if OUTLIER not in profile:
        return None
    column = profile[OUTLIER]
    if column.count == 0 or column.moments is None or column.moments.mean is None:
        return None
    return float(column.moments.mean)
