"""``kind = "outliers"``: too many rows of the newest live window were outliers."""

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

__all__ = ["OutlierTrigger"]


@dataclass(frozen=True)
class OutlierTrigger(Trigger):
    """Fires when the outlier rate of the newest live window is above ``rate_above``.

    The window is the newest of the champion's version with at least ``min_rows`` rows; a row is
    an outlier when the version's outlier detector flagged it as it was served (the logged
    ``outlier`` column). A version served without a detector is skipped
    (``no_outlier_scores``). Fires once per version and window (state ``fired_for``).

    Examples:
        >>> from datetime import datetime, timedelta, UTC
        >>> from driftline.monitor.window_metrics import WindowMetrics
        >>> from driftline.policy.observation import ChampionView, LiveWindows
        >>> now = datetime(2026, 1, 1, 12, tzinfo=UTC)
        >>> window = WindowMetrics(
        ...     model="m", version="1", start=now - timedelta(hours=1), end=now, rows=500,
        ...     drift=(), drift_share=None, drifted=(), prediction_drift=None,
        ...     prediction_mix=None, prediction_quantiles=None, outlier_rate=0.08,
        ...     estimated_accuracy=None, realised_accuracy=None, labelled_rows=0, notes=())
        >>> seen = Observation(now, champion=ChampionView("m", 1, now - timedelta(days=1)),
        ...                    windows=LiveWindows((window,)))
        >>> OutlierTrigger(0.05).decide(seen, {}).reason
        'outlier rate 0.0800 in the window from 2026-01-01 11:00 UTC (500 rows) of m:1, above 0.05'
        >>> OutlierTrigger(0.1).decide(seen, {}).fired
        False

    """

    rate_above: float
    min_rows: int = DEFAULT_MIN_ROWS
    kind: ClassVar[str] = "outliers"
    keys: ClassVar[tuple[str, ...]] = ("rate_above", "min_rows")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "windows"})

    @classmethod
    def read(cls, table: TableReader) -> OutlierTrigger:
        """``rate_above``: a share from 0 to 1 (required); ``min_rows`` (default 100)."""
        rate = table.number("rate_above", None, low=0.0, high=1.0, closed="left")
        if rate is None:
            raise table.error("(outliers) needs rate_above (a share of rows, e.g. 0.05)")
        return cls(rate, min_rows(table))

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Compare the newest full window's outlier rate with ``rate_above``; once per window."""
        found = judged(observation, self.min_rows)
        if isinstance(found, TriggerVerdict):
            return found
        champion, window = found
        evidence = {
            **window_evidence(champion, window, self.min_rows),
            "outlier_rate": window.outlier_rate,
            "rate_above": self.rate_above,
        }
        if window.outlier_rate is None:
            text = (
                f"{window_name(window)} of {champion.ref} has no outlier scores (the version "
                "serves without an outlier detector)"
            )
            return TriggerVerdict(False, text, evidence, skip="no_outlier_scores")
        fired = window.outlier_rate > self.rate_above
        text = (
            f"outlier rate {window.outlier_rate:.4f} in {window_name(window)} of "
            f"{champion.ref}, {'above' if fired else 'not above'} {self.rate_above:g}"
        )
        return once_per_window(fired, text, evidence, champion, window, state)
