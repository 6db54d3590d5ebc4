"""A model at a glance, for the overview: its champion's live accuracy trend and newest window.

Read from the monitor's stored windows only (:func:`driftline.monitor.window_metrics` without an
update: never a log is profiled here), over the newest :data:`TREND_WINDOWS` windows. The
newest window is found from the newest stored parts (a bounded query), not by listing them all.

Reading a model's windows costs a listing of its window parts and, for the realised accuracy,
the labelled predictions of the range; an overview asked for again while nothing new was stored
(no new part, segment or label, the same champion) reuses what it found, for at most
:data:`REUSE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore
    from driftline.ui.context import Services

__all__ = [
    "NEWEST_PARTS",
    "REUSE_SECONDS",
    "TREND_WINDOWS",
    "ModelHealth",
    "forget_health",
    "model_health",
]

TREND_WINDOWS = 24
"""How many of the newest live windows the accuracy trend shows."""

NEWEST_PARTS = 16
"""How many of the newest stored window parts are read to find the newest window."""

REUSE_SECONDS = 60.0
"""How long a model's health is reused while nothing new was stored for it."""

_KEEP = 256
_found: OrderedDict[tuple[Any, ...], tuple[float, ModelHealth]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class ModelHealth:
    """A model at a glance: its champion, accuracy trend and newest window's figures."""

    name: str
    champion: int | None
    versions: int
    trend: dict[str, list[Any]]
    rows: int | None
    drift_share: float | None
    drifted: tuple[str, ...]
    outlier_rate: float | None
    realised_accuracy: float | None
    estimated_accuracy: float | None
    window_start: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "champion": self.champion,
            "versions": self.versions,
            "trend": self.trend,
            "newest_window": {
                "start": self.window_start,
                "rows": self.rows,
                "drift_share": self.drift_share,
                "drifted": list(self.drifted),
                "outlier_rate": self.outlier_rate,
                "realised_accuracy": self.realised_accuracy,
                "estimated_accuracy": self.estimated_accuracy,
            },
        }


def newest_window(
    metadata: MetadataStore, model: str
) -> tuple[timedelta | None, datetime | None, str | None]:
    """The shortest window length, newest window's end and newest part's URI of ``model``.

    Among the :data:`NEWEST_PARTS` newest stored parts; ``None`` s when it has no window.
    """
    from driftline.monitor.window_store import WINDOW_PROFILE_KIND, windows_context
    from driftline.store.queries import ArtifactQuery
    from driftline.store.records import ArtifactState

    query = ArtifactQuery(
        kind=WINDOW_PROFILE_KIND,
        context=windows_context(model),
        states=frozenset({ArtifactState.LIVE}),
        limit=NEWEST_PARTS,
    )
    parts = metadata.artifacts(query)
    seconds = [int(p.properties.get("window_seconds") or 0) for p in parts]
    if not parts or max(seconds) <= 0:
        return None, None, None
    base = min(s for s in seconds if s > 0)
    ends = [
        datetime.fromisoformat(str(p.properties["start"])) + timedelta(seconds=base)
        for p, s in zip(parts, seconds, strict=True)
        if s == base and p.properties.get("start")
    ]
    return timedelta(seconds=base), (max(ends) if ends else None), parts[0].uri


def _newest_logged(metadata: MetadataStore, model: str) -> str | None:
    from driftline.monitor.logs.segments import log_context
    from driftline.store.queries import ArtifactQuery

    newest = metadata.artifacts(ArtifactQuery(context=log_context(model), limit=1))
    return newest[0].uri if newest else None


def _read(
    services: Services,
    name: str,
    champion: int | None,
    versions: int,
    window: tuple[timedelta | None, datetime | None],
) -> ModelHealth:
    from driftline.monitor.window_metrics import window_metrics

    length, newest = window
    windows = []
    if length is not None and newest is not None and champion is not None:
        windows = window_metrics(
            services.stores,
            name,
            version=champion,
            since=newest - length * TREND_WINDOWS,
            until=newest,
            window=length,
            update=False,
        )
    trend: dict[str, list[Any]] = {
        "start": [w.start for w in windows],
        "realised": [w.realised_accuracy for w in windows],
        "estimated": [w.estimated_accuracy for w in windows],
    }
    last = next((w for w in reversed(windows) if w.rows), None)
    return ModelHealth(
        name=name,
        champion=champion,
        versions=versions,
        trend=trend,
        rows=None if last is None else last.rows,
        drift_share=None if last is None else last.drift_share,
        drifted=() if last is None else last.drifted,
        outlier_rate=None if last is None else last.outlier_rate,
        realised_accuracy=None if last is None else last.realised_accuracy,
        estimated_accuracy=None if last is None else last.estimated_accuracy,
        window_start=None if last is None else last.start,
    )


def model_health(services: Services, name: str, champion: int | None, versions: int) -> ModelHealth:
    """``name`` at a glance: the champion's trend over the newest windows (see the module)."""
    length, newest, part = newest_window(services.metadata, name)
    if part is None or champion is None:
        return _read(services, name, champion, versions, (length, newest))
    key = (  # URIs hold a random part: unique across workspaces
        name,
        champion,
        versions,
        part,
        _newest_logged(services.metadata, name),
    )
    now = time.monotonic()
    with _lock:
        kept = _found.get(key)
    if kept is not None and now - kept[0] <= REUSE_SECONDS:
        return kept[1]
    health = _read(services, name, champion, versions, (length, newest))
    with _lock:
        _found[key] = (now, health)
        while len(_found) > _KEEP:
            _found.popitem(last=False)
    return health


def forget_health() -> None:
    """Reuse nothing found before: the next overview reads every model's windows again."""
    with _lock:
        _found.clear()
