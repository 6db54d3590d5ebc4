"""``kind = "drift"`` with ``source = "live"``: enough inputs of the newest live window drifted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.policy.observation import Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict
from driftline.policy.triggers.windowed import (
    DEFAULT_MIN_ROWS,
    judged,
    min_rows,
    once_per_window,
    window_evidence,
    window_name,
)

__all__ = ["LiveDriftTrigger"]


@dataclass(frozen=True)
class LiveDriftTrigger(Trigger):
    """Fires when the share of drifted inputs of the newest live window reaches ``share``.

    The window is the newest of the champion's version with at least ``min_rows`` rows; its
    inputs are compared with the version's training profile (:func:`driftline.drift.compare`,
    the rules spans use). Fires once per version and window (state ``fired_for``).

    Examples:
        >>> from datetime import datetime, timedelta, UTC
        >>> from driftline.monitor.window_metrics import WindowMetrics
        >>> from driftline.policy.observation import ChampionView, LiveWindows
        >>> now = datetime(2026, 1, 1, 12, tzinfo=UTC)
        >>> window = WindowMetrics(
        ...     model="m", version="1", start=now - timedelta(hours=1), end=now, rows=500,
        ...     drift=(), drift_share=0.5, drifted=("a", "b"), prediction_drift=None,
        ...     prediction_mix=None, prediction_quantiles=None, outlier_rate=None,
        ...     estimated_accuracy=None, realised_accuracy=None, labelled_rows=0, notes=())
        >>> seen = Observation(now, champion=ChampionView("m", 1, now - timedelta(days=1)),
        ...                    windows=LiveWindows((window,)))
        >>> fired = LiveDriftTrigger(0.3).decide(seen, {})
        >>> fired.fired, fired.reason
        (True, 'input drift share 0.50 in the window from 2026-01-01 11:00 UTC (500 rows) of \
m:1 (drifted: a, b), threshold 0.3')
        >>> LiveDriftTrigger(0.3).decide(seen, fired.state).fired
        False
        >>> LiveDriftTrigger(0.3, min_rows=1000).decide(seen, {}).skip
        'not_enough_rows'

    """

    share: float
    min_rows: int = DEFAULT_MIN_ROWS
    kind: ClassVar[str] = "drift"
    keys: ClassVar[tuple[str, ...]] = ("share", "source", "min_rows")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "windows"})

    @classmethod
    def read(cls, table: TableReader) -> LiveDriftTrigger:
        """``share`` (0 to 1, required), ``source = "live"``, ``min_rows`` (default 100)."""
        table.choice("source", ("spans", "live"))
        share = table.number("share", None, low=0.0, high=1.0)
        if share is None:
            raise table.error('(drift, source = "live") needs share')
        return cls(share, min_rows(table))

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Compare the newest full window's drifted share with ``share``; once per window."""
        found = judged(observation, self.min_rows)
        if isinstance(found, TriggerVerdict):
            return found
        champion, window = found
        evidence = {
            **window_evidence(champion, window, self.min_rows),
            "source": "live",
            "share": self.share,
            "share_drifted": window.drift_share,
            "drifted_columns": list(window.drifted),
        }
        if window.drift_share is None:
            why = "; ".join(window.notes) or "no input could be compared"
            text = f"no input drift for {window_name(window)} of {champion.ref}: {why}"
            return TriggerVerdict(False, text, evidence, skip="drift_unavailable")
        named = ", ".join(window.drifted[:5]) + (", ..." if len(window.drifted) > 5 else "")
        text = (
            f"input drift share {window.drift_share:.2f} in {window_name(window)} of "
            f"{champion.ref}{f' (drifted: {named})' if named else ''}, threshold {self.share:g}"
        )
        fired = window.drift_share >= self.share
        return once_per_window(fired, text, evidence, champion, window, state)
