"""A model's live series over time, per version: what the model page plots.

From the monitor's stored windows only (:func:`driftline.monitor.window_metrics` without an
update: a page never profiles logs): realised and estimated accuracy per version, the
prediction mix, the outlier rate, and input drift per feature (a heat map feature x window).

The window length defaults to the shortest one stored; the range to the newest
:data:`DEFAULT_WINDOWS` windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.monitor.window_metrics import WindowMetrics
    from driftline.ui.context import Services

__all__ = [
    "DEFAULT_WINDOWS",
    "LATENCY_NOTE",
    "SERIES_KINDS",
    "ModelSeries",
    "model_series",
]

DEFAULT_WINDOWS = 48
"""How many of the newest windows a page shows unless a range is asked for."""

SERIES_KINDS = ("accuracy", "predictions", "outliers", "drift", "latency")
"""The series ``/api/models/{name}/series?kind=`` answers."""

LATENCY_NOTE = (
    "Latency and error rate are not stored in the workspace (the prediction log holds no timing "
    "and no failed request): the model server reports them on its /metrics endpoint (Prometheus)."
)
"""Why the ``latency`` series is empty."""


@dataclass(frozen=True)
class ModelSeries:
    """The live windows of a model in a range, per version.

    Attributes:
        model: the model.
        window: the windows' length.
        since: the first instant shown.
        until: the first instant no longer shown.
        windows: each window's metrics (by version, then time).
        notes: what could not be shown, and why.

    Examples:
        >>> empty = ModelSeries("churn", None, None, None, (), ("no live window",))
        >>> empty.to_dict("latency")["latency"]["recorded"], empty.drift()["features"]
        (False, [])

    """

    model: str
    window: timedelta | None
    since: datetime | None
    until: datetime | None
    windows: tuple[WindowMetrics, ...]
    notes: tuple[str, ...]

    def versions(self) -> list[str]:
        """The versions with a window in range, in order."""
        return sorted({w.version for w in self.windows}, key=lambda v: (len(v), v))

    def accuracy(self) -> dict[str, dict[str, list[Any]]]:
        """Per version: window starts, realised and estimated accuracy."""
        out: dict[str, dict[str, list[Any]]] = {}
        for w in self.windows:
            line = out.setdefault(w.version, {"start": [], "realised": [], "estimated": []})
            line["start"].append(w.start)
            line["realised"].append(w.realised_accuracy)
            line["estimated"].append(w.estimated_accuracy)
        return out

    def predictions(self) -> dict[str, dict[str, list[Any]]]:
        """Per predicted class: window starts and its share of the window's predictions."""
        starts = sorted({w.start for w in self.windows})
        rows = dict.fromkeys(starts, 0)
        counts: dict[str, dict[datetime, float]] = {}
        for w in self.windows:
            rows[w.start] += w.rows
            for label, share in (w.prediction_mix or {}).items():
                per = counts.setdefault(label, {})
                per[w.start] = per.get(w.start, 0.0) + share * w.rows
        return {
            label: {
                "start": starts,
                "share": [per.get(s, 0.0) / rows[s] if rows[s] else None for s in starts],
            }
            for label, per in sorted(counts.items())
        }

    def outliers(self) -> dict[str, dict[str, list[Any]]]:
        """Per version: window starts and the share of rows flagged as outliers."""
        out: dict[str, dict[str, list[Any]]] = {}
        for w in self.windows:
            line = out.setdefault(w.version, {"start": [], "rate": [], "rows": []})
            line["start"].append(w.start)
            line["rate"].append(w.outlier_rate)
            line["rows"].append(w.rows)
        return out

    def drift(self) -> dict[str, Any]:
        """Input drift per feature and window (statistic / threshold: >= 1 drifted).

        Each window shows the version that answered most of its rows.
        """
        busiest: dict[datetime, WindowMetrics] = {}
        for w in self.windows:
            if w.start not in busiest or w.rows > busiest[w.start].rows:
                busiest[w.start] = w
        starts = sorted(busiest)
        features = sorted({d.feature for w in busiest.values() for d in w.drift})
        score: dict[str, list[float | None]] = {f: [None] * len(starts) for f in features}
        for j, start in enumerate(starts):
            for d in busiest[start].drift:
                if d.statistic is not None and d.threshold:
                    score[d.feature][j] = d.statistic / d.threshold
        return {
            "start": starts,
            "features": features,
            "score": [score[f] for f in features],
            "drift_share": [busiest[s].drift_share for s in starts],
        }

    def latency(self) -> dict[str, Any]:
        """Latency and error rate: not recorded in the workspace (:data:`LATENCY_NOTE`)."""
        return {"recorded": False, "note": LATENCY_NOTE}

    def to_dict(self, kind: str | None = None) -> dict[str, Any]:
        """A JSON-ready dict: one ``kind`` of :data:`SERIES_KINDS`, or all of them."""
        head: dict[str, Any] = {
            "model": self.model,
            "window_seconds": None if self.window is None else int(self.window.total_seconds()),
            "since": self.since,
            "until": self.until,
            "notes": list(self.notes),
        }
        kinds = SERIES_KINDS if kind is None else (kind,)
        for k in kinds:
            head[k] = getattr(self, k)()
        return head


def _window(text: str | None, stored: timedelta | None) -> timedelta | None:
    if text is None:
        return stored
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    named = {"hour": "1h", "day": "1d"}.get(text, text)
    number, unit = named[:-1], named[-1:]
    if unit not in units or not number.isdigit() or int(number) < 1:
        raise InputError(
            f"query parameter 'window': {text!r} is not a length like 10m, 1h, 1d, hour or day"
        )
    return timedelta(seconds=int(number) * units[unit])


def model_series(
    services: Services,
    model: str,
    *,
    version: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window: str | None = None,
) -> ModelSeries:
    """The live windows of ``model`` in ``[since, until)`` (default: the newest ones).

    Raises:
        ModelNotFoundError, VersionNotFoundError: no such model, or no such version of it.
        InputError: a malformed window, or one that is no multiple of a stored length.

    """
    from driftline.monitor.window_metrics import window_metrics
    from driftline.ui.views.overview_model import newest_window

    if version is None:
        services.registry.aliases(model)  # a 404 naming an unknown model
    else:
        services.registry.version(model, version)  # a 404 naming the model or the version
    stored, newest, _ = newest_window(services.metadata, model)  # a bounded query
    length = _window(window, stored)
    if length is None or newest is None:
        note = "no live window is stored yet (they appear once predictions are logged)"
        return ModelSeries(model, None, since, until, (), (note,))
    if since is None and until is None:
        until = newest
        since = newest - length * DEFAULT_WINDOWS
    windows = window_metrics(
        services.stores,
        model,
        version=version,
        since=since,
        until=until,
        window=length,
        update=False,
    )
    notes = sorted({n for w in windows for n in w.notes})
    return ModelSeries(model, length, since, until, tuple(windows), tuple(notes))
