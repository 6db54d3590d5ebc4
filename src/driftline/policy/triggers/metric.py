"""``kind = "metric"``: fires when the champion's live metric crosses a threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.components.metrics import LIVE_METRICS, METRICS, needs_probabilities, scores
from driftline.core.errors import ConfigError
from driftline.policy.observation import Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import (
    Trigger,
    TriggerVerdict,
    champion_evidence,
    no_champion,
)

__all__ = ["MetricTrigger"]


@dataclass(frozen=True)
class MetricTrigger(Trigger):
    """Fires when the champion's live ``metric`` is ``below`` (or ``above``) a threshold.

    The metric is computed by :func:`driftline.components.metrics.scores` on the champion's
    labelled predictions since its promotion (the observation's ``live``), once there are
    ``min_labels`` of them; it may be any metric computed from predictions and labels alone
    (:data:`~driftline.components.metrics.LIVE_METRICS`: ``accuracy``, ``balanced_accuracy``,
    ``f1``, ``rmse``, ``mae``, ``r2``).

    Examples:
        >>> import numpy as np
        >>> from datetime import datetime, UTC
        >>> from driftline.policy.observation import ChampionView, LiveOutcomes
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> seen = Observation(now, champion=ChampionView("m", 2, now),
        ...                    live=LiveOutcomes(np.array([1, 1, 0, 1]), np.array([1, 0, 0, 0])))
        >>> MetricTrigger(below=0.8, min_labels=4).decide(seen, {}).reason
        'live accuracy of m:2 is 0.5000 on 4 labels, below 0.8'
        >>> MetricTrigger(below=0.8, min_labels=5).decide(seen, {}).skip
        'not_enough_labels'

    """

    metric: str = "accuracy"
    below: float | None = None
    above: float | None = None
    min_labels: int = 100
    kind: ClassVar[str] = "metric"
    keys: ClassVar[tuple[str, ...]] = ("metric", "below", "above", "min_labels")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "live"})

    @classmethod
    def read(cls, table: TableReader) -> MetricTrigger:
        """``metric`` (default ``accuracy``), exactly one of ``below``/``above``, ``min_labels``."""
        metric = table.choice("metric", (*METRICS, "estimated_accuracy"), "accuracy")
        if metric == "estimated_accuracy":  # read_trigger makes an EstimatedAccuracyTrigger
            raise table.error("(metric): estimated_accuracy is read by EstimatedAccuracyTrigger")
        if needs_probabilities(metric):
            raise ConfigError(
                f"{table.where}: {table.prefix}.metric {metric!r} is not computed live from "
                f"feedback (it needs probabilities, which the prediction log does not keep); "
                f"live metrics: {', '.join(LIVE_METRICS)}; or estimated_accuracy (the label-free "
                "estimate of each live window)"
            )
        below, above = table.number("below", None), table.number("above", None)
        if (below is None) == (above is None):
            raise table.error("(metric) needs exactly one of below or above")
        return cls(
            metric=metric,
            below=below,
            above=above,
            min_labels=int(table.integer("min_labels", 100, low=1) or 100),
        )

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Compare the live metric with the threshold, once there are ``min_labels`` labels."""
        champion, live = observation.champion, observation.live
        if champion is None or live is None:
            return no_champion()
        labels = live.labels
        evidence: dict[str, Any] = {
            **champion_evidence(champion),
            "metric": self.metric,
            "predictions": max(live.predictions, labels),
            "labels": labels,
            "min_labels": self.min_labels,
            "below": self.below,
            "above": self.above,
        }
        if labels < self.min_labels:
            return TriggerVerdict(
                False,
                f"{champion.ref} has {labels} labelled predictions since its promotion; "
                f"{self.min_labels} are needed",
                evidence,
                skip="not_enough_labels",
            )
        found = scores(live.truth, live.predicted, METRICS[self.metric])
        if self.metric not in found:
            return TriggerVerdict(
                False,
                f"live {self.metric} of {champion.ref} cannot be computed on its {labels} labels",
                evidence,
                skip="metric_unavailable",
            )
        value = found[self.metric]
        evidence["value"] = value
        if self.below is not None:
            fired, side, limit = value < self.below, "below", self.below
        else:
            assert self.above is not None  # read() demands one of them
            fired, side, limit = value > self.above, "above", self.above
        verdict = side if fired else f"not {side}"
        return TriggerVerdict(
            fired,
            f"live {self.metric} of {champion.ref} is {value:.4f} on {labels} labels, "
            f"{verdict} {limit:g}",
            evidence,
        )
