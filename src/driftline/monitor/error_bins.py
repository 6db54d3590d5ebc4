"""Error rate by bins of one input, the bins taken from the training profile: :func:`error_by_bin`.

A numeric input is cut at its training quantiles (five bins of about equal training rows by
default); a categorical or boolean input gets one bin per frequent training value and one
``other``. Rows with no value fall in a ``missing`` bin. Counting is vectorised (``bincount``):
no loop over rows.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> training = profile_table(pa.table({"x": np.arange(100.0)}))["x"]
    >>> values = pa.array([5.0, 15.0, 95.0, 96.0, None])
    >>> wrong = np.array([False, True, True, True, False])
    >>> for b in error_by_bin(values, wrong, training, bins=2):
    ...     print(b)
    {'bin': '< 49', 'rows': 2, 'errors': 1, 'error_rate': 0.5}
    {'bin': '>= 49', 'rows': 2, 'errors': 2, 'error_rate': 1.0}
    {'bin': 'missing', 'rows': 1, 'errors': 0, 'error_rate': 0.0}

"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.core.errors import InputError
from driftline.data.kinds import ColumnKind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from driftline.data.column_profile import ColumnProfile
    from driftline.store.stores import Stores

__all__ = ["DEFAULT_BINS", "MISSING", "OTHER", "error_by_bin", "labelled_errors"]

DEFAULT_BINS = 5
"""Bins per input: quantile bins of a numeric input, frequent values (and ``other``) else."""

MISSING = "missing"
OTHER = "other"


def _number(value: float) -> str:
    return f"{value:.4g}"


def _numeric(values: Any, column: ColumnProfile, bins: int) -> tuple[Any, list[str]]:
    """Each row's bin (the last one: missing) and the bins' names."""
    import pyarrow.compute as pc

    if column.quantiles is None or column.quantiles.is_empty:
        raise InputError(f"input {column.name!r} has no training quantiles to cut bins at")
    qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    edges = np.unique(column.quantiles.quantiles(qs))
    x = np.asarray(pc.fill_null(pc.cast(values, "float64"), np.nan), dtype=np.float64)
    index = np.searchsorted(edges, x, side="right")
    index[np.isnan(x)] = len(edges) + 1
    names = [f"< {_number(edges[0])}"] if len(edges) else ["all"]
    names += [f"[{_number(a)}, {_number(b)})" for a, b in itertools.pairwise(edges)]
    if len(edges):
        names.append(f">= {_number(edges[-1])}")
    return index, [*names, MISSING]


def _categorical(values: Any, column: ColumnProfile, bins: int) -> tuple[Any, list[str]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.frequent is None:
        raise InputError(f"input {column.name!r} has no training values to bin by")
    top = column.frequent.items.slice(0, max(bins - 1, 1))
    if values.type != top.type:
        values, top = pc.cast(values, pa.large_string()), pc.cast(top, pa.large_string())
    found = pc.index_in(values, value_set=top)
    index = np.asarray(pc.fill_null(found, len(top)), dtype=np.int64)
    index[np.asarray(pc.is_null(values))] = len(top) + 1
    names = [str(v) for v in top.to_pylist()]
    return index, [*names, OTHER, MISSING]


def error_by_bin(
    values: Any, wrong: np.ndarray[Any, Any], column: ColumnProfile, *, bins: int = DEFAULT_BINS
) -> list[dict[str, Any]]:
    """The rows and error rate of each bin of one input (see the module docstring).

    Args:
        values: the input's values (a pyarrow array), one per labelled row.
        wrong: whether each row's prediction was wrong (a boolean per row).
        column: the input's training profile, which sets the bins.
        bins: how many bins (2 or more).

    Returns:
        One ``{"bin", "rows", "errors", "error_rate"}`` per bin, in the bins' order; bins with
        no rows are left out.

    Raises:
        InputError: lengths that differ, ``bins`` below 2, or an input whose kind has no bins
            (text, datetime) or whose profile has no sketch to cut them from.

    """
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    wrong = np.asarray(wrong, dtype=bool)
    if len(values) != len(wrong):
        raise InputError(f"{len(values)} values of {column.name!r} but {len(wrong)} outcomes")
    if bins < 2:
        raise InputError(f"bins must be at least 2, got {bins}")
    if column.kind is ColumnKind.NUMERIC:
        index, names = _numeric(values, column, bins)
    elif column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        index, names = _categorical(values, column, bins)
    else:
        raise InputError(f"input {column.name!r} is {column.kind.value}: it has no error bins")
    rows = np.bincount(index, minlength=len(names))
    errors = np.bincount(index, weights=wrong.astype(np.float64), minlength=len(names))
    return [
        {"bin": name, "rows": int(n), "errors": int(e), "error_rate": float(e / n)}
        for name, n, e in zip(names, rows.tolist(), errors.tolist(), strict=True)  # bins
        if n
    ]


def _predicted(column: Any, classes: Sequence[Any] | None) -> tuple[Any, str]:
    """One predicted value per row (probabilities turned into classes), or ``None`` and why."""
    import pyarrow as pa

    if not pa.types.is_nested(column.type):
        return column.to_numpy(zero_copy_only=False), ""
    if classes is None:
        return None, "the predictions are probabilities and the version's classes are unknown"
    width = len(classes)
    flat = np.asarray(column.combine_chunks().flatten().to_numpy(zero_copy_only=False))
    if flat.size != width * len(column):
        return None, f"the predictions do not hold {width} probabilities per row"
    picked = flat.reshape(-1, width).argmax(axis=1)
    return np.asarray(list(classes), dtype=object)[picked], ""


def labelled_errors(
    stores: Stores, window: Any, classes: Sequence[Any] | None = None
) -> tuple[Any, Any, str]:
    """The labelled rows of one live window and whether each prediction was wrong.

    Args:
        stores: the workspace's stores.
        window: the window (anything with ``model``, ``version``, ``start`` and ``end``).
        classes: the version's classes, in the order of its probabilities (needed only when
            probabilities were logged).

    Returns:
        ``(rows, wrong, "")``: the joined rows that have a label, and a boolean per row; or
        ``(None, None, why)`` when there is nothing to bin (no labels, a regression model,
        probabilities without classes).

    """
    import pyarrow.compute as pc

    from driftline.models.monitoring.agreement import agree
    from driftline.models.monitoring.importance import is_regression
    from driftline.monitor.logs.segments import LABEL, PREDICTION
    from driftline.monitor.predictions import joined

    table = joined(
        stores.metadata,
        stores.artifacts,
        window.model,
        since=window.start,
        until=window.end,
        version=window.version,
    )
    table = table.filter(pc.is_valid(table[LABEL]))
    if table.num_rows == 0:
        return None, None, "no labels in the window where accuracy fell: no error bins"
    truth = table[LABEL].to_numpy(zero_copy_only=False)
    if is_regression(np.asarray(truth)):
        return None, None, "error bins are for classifiers; the labels are numbers to predict"
    predicted, why = _predicted(table[PREDICTION], classes)
    if predicted is None:
        return None, None, f"no error bins: {why}"
    wrong = ~agree(np.asarray(truth), np.asarray(predicted))
    return table, wrong, ""
