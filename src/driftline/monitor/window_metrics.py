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

Everything that comes from a window's profile is computed once, when the update stores the
part, and kept in its properties (:mod:`~driftline.monitor.window_summary`): a window of one part
is read back from metadata alone (``compare`` takes some 20 to 50 ms for 20 inputs, so a month of
hourly windows would otherwise take tens of seconds on each call). A window of several parts (late
rows, a coarser window) is compared again from the merge of their profiles, so it never goes
stale. Hourly windows between a version's first and last window that got no rows are
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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from driftline.monitor.logs.segments import check_window
from driftline.monitor.window_accuracy import realised_accuracy
from driftline.monitor.window_groups import WindowGroup, load_window, version_text, window_groups
from driftline.monitor.window_rows import micros_to_time
from driftline.monitor.window_store import stored_parts
from driftline.monitor.window_summary import FeatureDrift, WindowSummary, summarise
from driftline.monitor.window_versions import VersionFacts, VersionLookup
from driftline.monitor.windows import DEFAULT_WINDOW, check_window_length, update_windows
from driftline.registry.versions import check_model_name
from driftline.store.stores import HasStores, Stores

__all__ = ["FeatureDrift", "WindowMetrics", "window_metrics"]


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


def _metrics(
    window: WindowGroup,
    model: str,
    found: tuple[int, float | None, int, WindowSummary, tuple[str, ...]],
    facts: VersionFacts,
    labels: tuple[int, float] | None,
) -> WindowMetrics:
    rows, confidence, confidence_rows, summary, merged = found
    notes = list(facts.notes)
    estimated = confidence / confidence_rows if confidence is not None and confidence_rows else None
    if estimated is not None and confidence_rows < rows:
        notes.append(f"the estimated accuracy covers {confidence_rows} of the {rows} rows")
    if estimated is None and facts.reference is not None:
        if facts.reference.calibration is None:
            notes.append(f"version {window.version} gives no probabilities: no estimated accuracy")
        else:
            notes.append("no row of this window could be scored again: no estimated accuracy")
    notes.extend(summary.notes)
    notes.extend(merged)
    compared = [d for d in summary.drift if d.status == "compared"]
    return WindowMetrics(
        model=model,
        version=window.version,
        start=micros_to_time(window.begin),
        end=micros_to_time(window.begin + window.size),
        rows=rows,
        drift=summary.drift,
        drift_share=sum(d.drifted for d in compared) / len(compared) if compared else None,
        drifted=tuple(d.feature for d in summary.drift if d.drifted),
        prediction_drift=summary.prediction_drift,
        prediction_mix=summary.prediction_mix,
        prediction_quantiles=summary.prediction_quantiles,
        outlier_rate=summary.outlier_rate,
        estimated_accuracy=estimated,
        realised_accuracy=None if labels is None else labels[1],
        labelled_rows=0 if labels is None else labels[0],
        notes=tuple(dict.fromkeys(notes)),
    )


def _summary(
    s: Stores, model: str, group: WindowGroup, facts: VersionFacts
) -> tuple[int, float | None, int, WindowSummary, tuple[str, ...]]:
    """``(rows, confidence sum, rows it covers, summary, merge notes)`` of a window.

    From the properties of its one part when they hold a summary against the same references,
    else from its parts' profiles, merged.
    """
    if len(group.parts) == 1:
        p = group.parts[0].properties
        stored = WindowSummary.stored(p.get("summary"), facts)
        if stored is not None:
            confidence = p.get("confidence_sum")
            found = None if confidence is None else float(confidence)
            return int(p["rows"]), found, int(p.get("confidence_rows", 0)), stored, ()
    window = load_window(s, model, group)
    summary = summarise(window.profile, facts, hashed=window.hashed, excluded=window.excluded)
    return window.rows, window.confidence_sum, window.confidence_rows, summary, window.notes


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
    seconds = check_window_length(window)
    groups = window_groups(s.metadata, model, version=wanted, since=lo, until=hi, seconds=seconds)
    if not groups:
        return []
    first = min(g.begin for g in groups)
    last = max(g.begin + g.size for g in groups)
    labels = realised_accuracy(
        s, model, wanted, micros_to_time(first), micros_to_time(last), window
    )
    lookup = VersionLookup(s, model)
    out: list[WindowMetrics] = []
    previous: WindowGroup | None = None
    for g in groups:  # windows, not rows
        if previous is not None and previous.version == g.version:
            gap = previous.begin + g.size
            while gap < g.begin:  # empty windows between two with rows
                start, end = micros_to_time(gap), micros_to_time(gap + g.size)
                out.append(_empty(model, g.version, start, end))
                gap += g.size
        facts = lookup.facts(g.version)
        found = _summary(s, model, g, facts)
        out.append(_metrics(g, model, found, facts, labels.get((g.version, g.begin))))
        previous = g
    return out
