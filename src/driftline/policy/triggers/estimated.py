"""``kind = "metric"``, ``metric = "estimated_accuracy"``: the label-free estimate crossed a line.

Examples:
    >>> from driftline.policy.reader import TableReader
    >>> table = {"kind": "metric", "metric": "estimated_accuracy", "below": 0.8, "min_labels": 5}
    >>> EstimatedAccuracyTrigger.read(TableReader("p.toml", "trigger[0]", table, ("kind",
    ...     *EstimatedAccuracyTrigger.keys)))
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: p.toml: unknown key trigger[0].min_labels; allowed: kind, \
metric, below, above, min_rows

"""

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

__all__ = ["ESTIMATED_ACCURACY", "EstimatedAccuracyTrigger"]

ESTIMATED_ACCURACY = "estimated_accuracy"
"""The ``metric`` of a ``metric`` trigger on the label-free estimate."""


@dataclass(frozen=True)
class EstimatedAccuracyTrigger(Trigger):
    """Fires when the estimated accuracy of the newest live window is ``below`` (or ``above``).

    The estimate needs no labels: the mean calibrated confidence of the window's predictions
    (confidence-based performance estimation, the calibration fitted on the version's evaluation
    rows at training). The window is the newest of the champion's version with at least
    ``min_rows`` rows. A version without an estimate (no probabilities, no calibration, hashed
    inputs) is skipped (``no_estimate``). Fires once per version and window. The estimate cannot
    see a change of P(y | x) that leaves the inputs as they were: keep a ``metric`` trigger on
    live ``accuracy`` for that.

    Examples:
        >>> from datetime import datetime, timedelta, UTC
        >>> from driftline.monitor.window_metrics import WindowMetrics
        >>> from driftline.policy.observation import ChampionView, LiveWindows
        >>> now = datetime(2026, 1, 1, 12, tzinfo=UTC)
        >>> window = WindowMetrics(
        ...     model="m", version="1", start=now - timedelta(hours=1), end=now, rows=500,
        ...     drift=(), drift_share=None, drifted=(), prediction_drift=None,
        ...     prediction_mix=None, prediction_quantiles=None, outlier_rate=None,
        ...     estimated_accuracy=0.71, realised_accuracy=None, labelled_rows=0, notes=())
        >>> seen = Observation(now, champion=ChampionView("m", 1, now - timedelta(days=1)),
        ...                    windows=LiveWindows((window,)))
        >>> EstimatedAccuracyTrigger(below=0.8).decide(seen, {}).reason
        'estimated accuracy 0.7100 in the window from 2026-01-01 11:00 UTC (500 rows) of m:1, \
below 0.8'

    """

    below: float | None = None
    above: float | None = None
    min_rows: int = DEFAULT_MIN_ROWS
    metric: ClassVar[str] = ESTIMATED_ACCURACY
    kind: ClassVar[str] = "metric"
    keys: ClassVar[tuple[str, ...]] = ("metric", "below", "above", "min_rows")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "windows"})

    @classmethod
    def read(cls, table: TableReader) -> EstimatedAccuracyTrigger:
        """``metric = "estimated_accuracy"``, one of ``below``/``above`` (0 to 1), ``min_rows``."""
        table.choice("metric", (ESTIMATED_ACCURACY,))
        below = table.number("below", None, low=0.0, high=1.0)
        above = table.number("above", None, low=0.0, high=1.0)
        if (below is None) == (above is None):
            raise table.error("(metric) needs exactly one of below or above")
        return cls(below=below, above=above, min_rows=min_rows(table))

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Compare the newest full window's estimate with the threshold; once per window."""
        found = judged(observation, self.min_rows)
        if isinstance(found, TriggerVerdict):
            return found
        champion, window = found
        value = window.estimated_accuracy
        evidence = {
            **window_evidence(champion, window, self.min_rows),
            "metric": ESTIMATED_ACCURACY,
            "value": value,
            "below": self.below,
            "above": self.above,
        }
        if value is None:
            why = "; ".join(window.notes) or "the version gives no estimate"
            text = f"no estimated accuracy for {window_name(window)} of {champion.ref}: {why}"
            return TriggerVerdict(False, text, evidence, skip="no_estimate")
        if self.below is not None:
            fired, side, limit = value < self.below, "below", self.below
        else:
            assert self.above is not None  # read() demands one of them
            fired, side, limit = value > self.above, "above", self.above
        text = (
            f"estimated accuracy {value:.4f} in {window_name(window)} of {champion.ref}, "
            f"{side if fired else 'not ' + side} {limit:g}"
        )
        return once_per_window(fired, text, evidence, champion, window, state)
