"""The monitor: turns prediction logs and feedback labels into live metrics.

Importing this package is cheap; names load on first use. The prediction log and the feedback
labels are written by the model server (:mod:`driftline.monitor.logs.predlog`,
:mod:`driftline.monitor.logs.feedback`) as Parquet segments in the artifact store, recorded in the
metadata store; these functions read them back from any process.

===================================  ==============================================================
:func:`read_predictions`             the logged predictions of a model in a time window
:func:`read_feedback`                the labels recorded for a model
:func:`latest_feedback`              the newest label of each ``(request_id, row)``
:func:`joined`                       predictions with their newest labels
:func:`live_metrics`                 accuracy (or RMSE and MAE) per version from a joined table
:func:`update_windows`               profile what was logged since the last update, by window
:func:`live_windows`                 the profiled windows of a model (merged from their parts)
:mod:`~driftline.monitor.window_metrics`   per window: input and output drift, outliers, accuracy
:func:`drift_series`                 input drift per window and feature, as a table
:func:`log_batch`                    batch predictions into the log, so windows cover them
:mod:`~driftline.monitor.logs.segments`   the segment format: kinds, columns, properties
===================================  ==============================================================

Examples:
    >>> import driftline.monitor as monitor
    >>> monitor.PREDICTIONS_KIND, monitor.log_context("churn").kind
    ('predictions', 'prediction_log')

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "FEEDBACK_KIND",
    "LOG_CONTEXT_KIND",
    "PREDICTIONS_KIND",
    "DEFAULT_WINDOW",
    "WINDOW_PROFILE_KIND",
    "LiveWindow",
    "WindowMetrics",
    "WindowUpdate",
    "drift_series",
    "joined",
    "latest_feedback",
    "live_metrics",
    "live_windows",
    "log_batch",
    "log_context",
    "read_feedback",
    "read_predictions",
    "update_windows",
]

_LAZY = {
    "FEEDBACK_KIND": "driftline.monitor.logs.segments",
    "LOG_CONTEXT_KIND": "driftline.monitor.logs.segments",
    "PREDICTIONS_KIND": "driftline.monitor.logs.segments",
    "DEFAULT_WINDOW": "driftline.monitor.windows",
    "WINDOW_PROFILE_KIND": "driftline.monitor.window_store",
    "LiveWindow": "driftline.monitor.windows",
    "WindowMetrics": "driftline.monitor.window_metrics",
    "WindowUpdate": "driftline.monitor.windows",
    "drift_series": "driftline.monitor.series",
    "live_windows": "driftline.monitor.windows",
    "log_batch": "driftline.monitor.batch_log",
    "update_windows": "driftline.monitor.windows",
    "joined": "driftline.monitor.predictions",
    "latest_feedback": "driftline.monitor.predictions",
    "live_metrics": "driftline.monitor.metrics",
    "log_context": "driftline.monitor.logs.segments",
    "read_feedback": "driftline.monitor.predictions",
    "read_predictions": "driftline.monitor.predictions",
}

if TYPE_CHECKING:
    from driftline.monitor.batch_log import log_batch
    from driftline.monitor.logs.segments import (
        FEEDBACK_KIND,
        LOG_CONTEXT_KIND,
        PREDICTIONS_KIND,
        log_context,
    )
    from driftline.monitor.metrics import live_metrics
    from driftline.monitor.predictions import (
        joined,
        latest_feedback,
        read_feedback,
        read_predictions,
    )
    from driftline.monitor.series import drift_series
    from driftline.monitor.window_metrics import WindowMetrics
    from driftline.monitor.window_store import WINDOW_PROFILE_KIND
    from driftline.monitor.windows import (
        DEFAULT_WINDOW,
        LiveWindow,
        WindowUpdate,
        live_windows,
        update_windows,
    )

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
