"""What a trigger decides on: an :class:`Observation` of the world at one moment.

The controller turns its stores into observations (the registry's champion, the prediction log
joined with feedback, the spans of the dataset, the files of a watched folder); the backtest turns
the replayed stream into the same observations. Triggers only read them
(:meth:`~driftline.policy.triggers.Trigger.decide`), so the rules exist once.

===========================  =====================================================================
part (``Trigger.observes``)  what it holds
===========================  =====================================================================
``champion``                 :class:`ChampionView`: the serving version and since when it serves
``live``                     :class:`LiveOutcomes`: its labelled predictions since then
``new_spans``                :class:`NewSpan` s newer than those the last retrain could see
``arrivals``                 :class:`Arrivals`: what a watched folder brought (controller only)
``drift``                    :class:`SpanDrift`: the newest span against the champion's training
                             profile
``windows``                  :class:`LiveWindows`: the metrics of the champion's live windows
                             since it serves (drift, outliers, estimated accuracy; controller only:
                             the backtest does not replay them)
===========================  =====================================================================

A part that could not be observed has a :class:`Gap` in ``gaps`` (its skip code and why).

Examples:
    >>> import numpy as np
    >>> from datetime import datetime, UTC
    >>> live = LiveOutcomes(np.array([1, 0, 1]), np.array([1.0, 1.0, 1.0]))
    >>> live.labels, live.errors().tolist()
    (3, [0.0, 1.0, 0.0])
    >>> Observation(datetime(2026, 1, 1, tzinfo=UTC)).champion is None
    True

"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.components.metrics import matches

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.monitor.window_metrics import WindowMetrics

__all__ = [
    "PARTS",
    "Arrivals",
    "ChampionView",
    "Gap",
    "LiveOutcomes",
    "LiveWindows",
    "NewSpan",
    "Observation",
    "SpanDrift",
    "iso",
]

PARTS = frozenset({"champion", "live", "new_spans", "arrivals", "drift", "windows"})
"""The parts of an observation a trigger may declare it observes."""


def iso(moment: Any) -> str:
    """A UTC ISO-8601 text of a datetime or a ``numpy.datetime64`` (naive means UTC)."""
    if isinstance(moment, np.datetime64):
        moment = datetime.fromisoformat(str(moment.astype("datetime64[us]")))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(moment.astimezone(UTC).isoformat())


@dataclass(frozen=True)
class Gap:
    """Why a part of an observation is missing: a skip code and one line."""

    code: str
    reason: str


@dataclass(frozen=True)
class ChampionView:
    """The version serving as champion, and since when (its promotion)."""

    name: str
    version: int
    since: datetime
    profile_id: int | None = None

    @property
    def ref(self) -> str:
        """``NAME:VERSION``."""
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class LiveOutcomes:
    """The champion's labelled predictions since its promotion, in the order the labels arrived.

    Attributes:
        truth: the labels.
        predicted: the predictions, one per label.
        label_times: when each label arrived (``datetime64[us]``, UTC; empty: not known).
        predictions: every prediction since the promotion, labelled or not.

    """

    truth: np.ndarray[Any, Any]
    predicted: np.ndarray[Any, Any]
    label_times: np.ndarray[Any, Any] = field(
        default_factory=lambda: np.empty(0, dtype="datetime64[us]")
    )
    predictions: int = 0

    @property
    def labels(self) -> int:
        """How many labelled predictions there are."""
        return len(self.truth)

    def errors(self) -> np.ndarray[Any, Any]:
        """1.0 for each wrong prediction, 0.0 for each right one (compared by value)."""
        if self.labels == 0:
            return np.empty(0, dtype=np.float64)
        return (~matches(self.truth, self.predicted)).astype(np.float64)


@dataclass(frozen=True)
class NewSpan:
    """A span newer than those the last retrain could see."""

    number: int
    rows: int
    labelled: bool = True


@dataclass(frozen=True)
class Arrivals:
    """What a watched folder brought at this moment: files ingested and files refused."""

    folder: str
    pattern: str
    ingested: tuple[Mapping[str, Any], ...] = ()
    refused: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class SpanDrift:
    """The newest span's drift from the champion's training profile."""

    span: int
    share_drifted: float
    compared_columns: tuple[str, ...]
    drifted_columns: tuple[str, ...]
    excluded_columns: tuple[str, ...] = ()
    reference_profile: int | None = None

    @classmethod
    def between(
        cls,
        reference: Profile,
        current: Profile,
        *,
        span: int,
        index: Iterable[str] = (),
        reference_profile: int | None = None,
    ) -> SpanDrift:
        """Compare two profiles with :func:`driftline.drift.compare` (index columns excluded)."""
        from driftline.drift.comparison import compare

        report = compare(reference, current, index=list(index))
        return cls(
            span=span,
            share_drifted=float(report.share_drifted),
            compared_columns=tuple(report.compared_columns),
            drifted_columns=tuple(report.drifted_columns),
            excluded_columns=tuple(report.excluded_columns),
            reference_profile=reference_profile,
        )


@dataclass(frozen=True)
class LiveWindows:
    """The metrics of the champion's live windows since it serves, oldest first.

    Each is a :class:`~driftline.monitor.window_metrics.WindowMetrics` of the champion's version
    (rows, input drift share, outlier rate, estimated accuracy...), ``window`` long.
    """

    windows: tuple[WindowMetrics, ...] = ()
    window: timedelta = timedelta(hours=1)

    def newest(self, min_rows: int) -> WindowMetrics | None:
        """The newest window with at least ``min_rows`` rows (``None`` when none has)."""
        full = [w for w in self.windows if w.rows >= min_rows]
        return max(full, key=lambda w: w.start) if full else None


@dataclass(frozen=True)
class Observation:
    """The world at ``now``, as far as the triggers that look need it (see the module docstring).

    ``seen_span`` is the newest span the last retrain could train on (0: none yet).
    """

    now: datetime
    seen_span: int = 0
    champion: ChampionView | None = None
    live: LiveOutcomes | None = None
    new_spans: tuple[NewSpan, ...] = ()
    arrivals: Arrivals | None = None
    drift: SpanDrift | None = None
    gaps: Mapping[str, Gap] = field(default_factory=dict)
    windows: LiveWindows | None = None
