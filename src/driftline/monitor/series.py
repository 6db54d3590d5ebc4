"""Input drift over time as a typed query: :func:`drift_series`.

One row per live window and input: when, which version, which feature, the method, statistic
and p-value, and whether it drifted (``status`` says why an input was not compared). Filter by
model, version, feature and time range; the result is a ``pyarrow.Table`` ready to plot or to
hand to polars or pandas.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     table = drift_series(ws, "churn")
    >>> table.num_rows, table.column_names
    (0, ['start', 'end', 'version', 'feature', 'method', 'statistic', 'p_value', 'drifted', \
'status'])

"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from driftline.core.errors import InputError
from driftline.monitor.window_metrics import window_metrics
from driftline.monitor.windows import DEFAULT_WINDOW
from driftline.store.stores import HasStores

__all__ = ["SERIES_COLUMNS", "drift_series"]

SERIES_COLUMNS = (
    "start",
    "end",
    "version",
    "feature",
    "method",
    "statistic",
    "p_value",
    "drifted",
    "status",
)
"""The columns of :func:`drift_series`, in order."""


def _schema() -> Any:
    import pyarrow as pa

    when = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("start", when),
            ("end", when),
            ("version", pa.string()),
            ("feature", pa.string()),
            ("method", pa.string()),
            ("statistic", pa.float64()),
            ("p_value", pa.float64()),
            ("drifted", pa.bool_()),
            ("status", pa.string()),
        ]
    )


def drift_series(
    stores: HasStores,
    model: str,
    *,
    feature: str | None = None,
    version: str | int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    update: bool = True,
) -> Any:
    """The drift of each input in each live window, as a time series (see the module docstring).

    Args:
        stores: the workspace's stores.
        model: the model's name.
        feature: only this input.
        version: only this version.
        since: the first instant of interest.
        until: the first instant no longer of interest.
        window: the windows' length (a multiple of the stored one).
        update: first profile what was logged since the last update.

    Returns:
        A ``pyarrow.Table`` with :data:`SERIES_COLUMNS`, by version, then time, then input.

    Raises:
        InputError: a bad argument (as :func:`~driftline.monitor.window_metrics.window_metrics`),
            or a ``feature`` that is not a non-empty string.

    """
    import pyarrow as pa

    if feature is not None and (not isinstance(feature, str) or not feature):
        raise InputError(f"feature must be a non-empty string or None, got {feature!r}")
    found = window_metrics(
        stores, model, version=version, since=since, until=until, window=window, update=update
    )
    rows: dict[str, list[Any]] = {name: [] for name in SERIES_COLUMNS}
    for metrics in found:  # windows, not rows
        for d in metrics.drift:  # inputs
            if feature is not None and d.feature != feature:
                continue
            for name, value in zip(
                SERIES_COLUMNS,
                (metrics.start, metrics.end, metrics.version, d.feature, d.method or None,
                 d.statistic, d.p_value, d.drifted, d.status),
                strict=True,
            ):  # fmt: skip
                rows[name].append(value)
    return pa.table(rows, schema=_schema())
