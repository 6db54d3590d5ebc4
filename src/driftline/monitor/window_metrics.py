"""Metrics of live windows: :func:`window_metrics`.

Input drift, output drift and mix, outliers, estimated and realised accuracy, per window.

For each live window of a version (:func:`~driftline.monitor.windows.live_windows`):

* **input drift**: :func:`driftline.drift.compare` of the version's training profile with the
  window's profile over the model's inputs (the same rules and statistics as spans);
* **output drift**: ``compare`` of the profile of the predictions the version made on its
  evaluation rows (its monitor reference) with the window's ``prediction`` column;
* **prediction mix** (class → share) for labels, or **quantiles** (``p05`` … ``p95``) for scores
  and regression outputs;
* **outlier rate**: the share of rows the server flagged (when it scores outliers);
* **estimated accuracy** (CBPE): the mean calibrated confidence of the window's rows;
* **realised accuracy**: from the labels recorded so far (late labels count).

Drift is computed again from the stored profiles on each call rather than stored: ``compare``
reads only sketches (a few milliseconds for 20 inputs), so a series never goes stale when a late
part arrives. Hourly windows between a version's first and last window that got no rows are
listed with ``rows = 0`` and a note. A part that is missing (no training profile, no monitor
reference, no probabilities, hashed or excluded inputs) is never an error: each window's
``notes`` say it once.

Examples:
    >>> import tempfile
    >>> from datetime import datetime, timezone
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.monitor.logs.predlog import PredictionLog
    >>> from driftline.workspace import Workspace
    >>> at = datetime(2026, 5, 1, 9, 15, tzinfo=timezone.utc)
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     with PredictionLog(ws.metadata, ws.artifacts) as log:
    ...         _ = log.log("churn", 1, "r1", pa.table({"x": [0.5, 1.5]}), np.array([0, 1]), at)
    ...     [m] = window_metrics(ws, "churn")
    >>> m.rows, m.prediction_mix, m.drift_share
    (2, {'0': 0.5, '1': 0.5}, None)
    >>> m.notes[0]
    "model 'churn' is not registered: no training profile or monitor reference for version 1"

"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.monitor.logs.segments import PREDICTION, check_window
from driftline.monitor.window_accuracy import realised_accuracy
from driftline.monitor.window_outputs import outlier_rate, prediction_summary
from driftline.monitor.window_rows import OUTLIER, OUTLIER_SCORE, micros_to_time, time_to_micros
from driftline.monitor.window_store import stored_parts
from driftline.monitor.window_versions import VersionFacts, VersionLookup
from driftline.monitor.windows import (
    DEFAULT_WINDOW,
    LiveWindow,
    check_window_length,
    live_windows,
    update_windows,
    version_text,
)
from driftline.registry.versions import check_model_name
from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.drift.column import ColumnDrift

__all__ = ["FeatureDrift", "WindowMetrics", "window_metrics"]

_OUTPUTS = (PREDICTION, OUTLIER_SCORE, OUTLIER)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class FeatureDrift:
    """The drift of one column in one window.

    Attributes:
        feature: the column.
        method: the statistic's method (``ks``, ``wasserstein``, ``jensenshannon``...; empty when
            not compared).
        statistic: its value (``None``: not compared).
        p_value: the p-value of a test method, else ``None``.
        threshold: the threshold it is judged against (``None``: not compared).
        drifted: whether it drifted.
        status: ``compared``, or why not (``hashed``, ``excluded``, ``missing``, ``empty``...).

    """

    feature: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drifted: bool
    status: str

    @classmethod
    def of(cls, column: ColumnDrift) -> FeatureDrift:
        """The drift of a column of a :class:`~driftline.drift.DriftReport`."""
        return cls(
            feature=column.column,
            method="" if column.method is None else column.method.value,
            statistic=_finite(column.statistic),
            p_value=_finite(column.p_value),
            threshold=_finite(column.threshold),
            drifted=bool(column.drifted),
            status=column.status.value,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "feature": self.feature,
            "method": self.method,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "status": self.status,
        }


@dataclass(frozen=True)
class WindowMetrics:
    """What one live window of one version shows (see the module docstring).

    Attributes:
        model: the model's name.
        version: the version that answered.
        start: the window's first instant (UTC).
        end: the first instant after it.
        rows: rows logged in it.
        drift: the drift of each input.
        drift_share: drifted inputs / compared inputs (``None``: none compared).
        drifted: the inputs that drifted.
        prediction_drift: the drift of the predictions against the evaluation-time ones.
        prediction_mix: class → share of the predictions (labels), else ``None``.
        prediction_quantiles: ``p05``, ``p25``, ``p50``, ``p75``, ``p95`` (scores, regression).
        outlier_rate: the share of rows flagged as outliers (``None``: none were scored).
        estimated_accuracy: the label-free estimate (CBPE), or ``None``.
        realised_accuracy: the accuracy on the labelled rows, or ``None`` without labels.
        labelled_rows: how many of its rows have a label so far.
        notes: what could not be measured, and why, once each.

    """

    model: str
    version: str
    start: datetime
    end: datetime
    rows: int
    drift: tuple[FeatureDrift, ...]
    drift_share: float | None
    drifted: tuple[str, ...]
    prediction_drift: FeatureDrift | None
    prediction_mix: dict[str, float] | None
    prediction_quantiles: dict[str, float] | None
    outlier_rate: float | None
    estimated_accuracy: float | None
    realised_accuracy: float | None
    labelled_rows: int
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601)."""
        return {
            "model": self.model,
            "version": self.version,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "rows": self.rows,
            "drift": [d.to_dict() for d in self.drift],
            "drift_share": self.drift_share,
            "drifted": list(self.drifted),
            "prediction_drift": None
            if self.prediction_drift is None
            else self.prediction_drift.to_dict(),
            "prediction_mix": self.prediction_mix,
            "prediction_quantiles": self.prediction_quantiles,
            "outlier_rate": self.outlier_rate,
            "estimated_accuracy": self.estimated_accuracy,
            "realised_accuracy": self.realised_accuracy,
            "labelled_rows": self.labelled_rows,
            "notes": list(self.notes),
        }


def _input_drift(
    window: LiveWindow, facts: VersionFacts, notes: list[str]
) -> tuple[FeatureDrift, ...]:
    from driftline.drift import compare

    reference = facts.reference
    logged = [n for n in window.profile.names if n not in _OUTPUTS]
    features = list(reference.features) if reference is not None else logged
    if facts.training is None:
        return ()
    out: dict[str, FeatureDrift] = {}
    for name in features:  # columns, not rows
        why = None
        if name in window.hashed:
            why = "hashed"
            notes.append(
                f"input {name!r} is hashed in the log: its hashes cannot be compared "
                "with the training values, so it is skipped"
            )
        elif name in window.excluded:
            why = "excluded"
            notes.append(f"input {name!r} is excluded from the log: skipped")
        elif name not in window.profile:
            why = "missing"
            notes.append(f"input {name!r} was not logged in this window: skipped")
        elif name not in facts.training:
            why = "new"
            notes.append(f"input {name!r} is not in the training profile: skipped")
        if why is not None:
            out[name] = FeatureDrift(name, "", None, None, None, False, why)
    compared = [n for n in features if n not in out]
    if compared:
        report = compare(facts.training, window.profile, columns=compared)
        out.update((c.column, FeatureDrift.of(c)) for c in report.columns)
    return tuple(out[n] for n in features)


def _prediction_drift(
    window: LiveWindow, facts: VersionFacts, notes: list[str]
) -> FeatureDrift | None:
    from driftline.drift import compare

    if facts.reference is None or PREDICTION not in window.profile:
        return None
    reference = facts.reference.predictions
    if PREDICTION not in reference:
        notes.append("the monitor reference holds no prediction profile: no output drift")
        return None
    report = compare(reference, window.profile, columns=[PREDICTION], detect_index=False)
    return FeatureDrift.of(report[PREDICTION])


def _metrics(
    window: LiveWindow,
    facts: VersionFacts,
    labels: tuple[int, float] | None,
) -> WindowMetrics:
    notes = list(facts.notes)
    drift = _input_drift(window, facts, notes)
    compared = [d for d in drift if d.status == "compared"]
    share = sum(d.drifted for d in compared) / len(compared) if compared else None
    mix, quantiles = prediction_summary(window.profile)
    estimated = window.estimated_accuracy
    if estimated is not None and window.confidence_rows < window.rows:
        notes.append(
            f"the estimated accuracy covers {window.confidence_rows} of the {window.rows} rows"
        )
    if estimated is None and facts.reference is not None:
        if facts.reference.calibration is None:
            notes.append(f"version {window.version} gives no probabilities: no estimated accuracy")
        else:
            notes.append("no row of this window could be scored again: no estimated accuracy")
    rate = outlier_rate(window.profile)
    if rate is None and facts.reference is not None and facts.reference.outliers is not None:
        notes.append("the server logged no outlier flags in this window")
    notes.extend(window.notes)
    return WindowMetrics(
        model=window.model,
        version=window.version,
        start=window.start,
        end=window.end,
        rows=window.rows,
        drift=drift,
        drift_share=share,
        drifted=tuple(d.feature for d in drift if d.drifted),
        prediction_drift=_prediction_drift(window, facts, notes),
        prediction_mix=mix,
        prediction_quantiles=quantiles,
        outlier_rate=rate,
        estimated_accuracy=estimated,
        realised_accuracy=None if labels is None else labels[1],
        labelled_rows=0 if labels is None else labels[0],
        notes=tuple(dict.fromkeys(notes)),
    )


def _empty(model: str, version: str, start: datetime, end: datetime) -> WindowMetrics:
    return WindowMetrics(
        model, version, start, end, 0, (), None, (), None, None, None, None, None, None, 0,
        ("no rows were logged in this window",),
    )  # fmt: skip


def base_window(stores: HasStores, model: str, window: timedelta) -> timedelta:
    """The stored window length a ``window`` is built from.

    One already stored that divides it, else :data:`DEFAULT_WINDOW` when it divides it, else
    ``window`` itself.
    """
    seconds = check_window_length(window)
    found = {
        int(p.properties.get("window_seconds", 0))
        for p in stored_parts(Stores.of(stores).metadata, model)
    }
    fits = [f for f in found if f > 0 and seconds % f == 0]
    if fits:
        return timedelta(seconds=max(fits))
    default = int(DEFAULT_WINDOW.total_seconds())
    return DEFAULT_WINDOW if seconds % default == 0 else window


def window_metrics(
    stores: HasStores,
    model: str,
    *,
    version: str | int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    update: bool = True,
) -> list[WindowMetrics]:
    """The metrics of each live window of ``model`` (by version, then time).

    Args:
        stores: the workspace's stores (a workspace, a :class:`~driftline.store.stores.Stores`).
        model: the model's name.
        version: only this version's windows.
        since: the first instant of interest (windows overlapping it are whole).
        until: the first instant no longer of interest.
        window: the windows' length: a multiple of the stored one (a day of hourly windows).
        update: first profile what was logged since the last update
            (:func:`~driftline.monitor.windows.update_windows`).

    Raises:
        InputError: a bad model name, version, window or time range.
        ArtifactCorruptError, ArtifactNotFoundError: stored bytes are damaged or gone.

    """
    check_model_name(model)
    check_window_length(window)
    wanted = version_text(version)
    lo, hi = check_window(since, until)
    s = Stores.of(stores)
    if update:
        update_windows(s, model, window=base_window(s, model, window))
    windows = live_windows(s, model, version=wanted, since=lo, until=hi, window=window)
    if not windows:
        return []
    first = min(w.start for w in windows)
    last = max(w.end for w in windows)
    labels = realised_accuracy(s, model, wanted, first, last, window)
    lookup = VersionLookup(s, model)
    size = check_window_length(window) * 1_000_000
    out: list[WindowMetrics] = []
    previous: LiveWindow | None = None
    for w in windows:  # windows, not rows
        if previous is not None and previous.version == w.version:
            gap = time_to_micros(previous.end)
            while gap < time_to_micros(w.start):  # empty windows between two with rows
                out.append(
                    _empty(model, w.version, micros_to_time(gap), micros_to_time(gap + size))
                )
                gap += size
        key = (w.version, time_to_micros(w.start))
        out.append(_metrics(w, lookup.facts(w.version), labels.get(key)))
        previous = w
    return out
