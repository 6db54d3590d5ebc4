"""``kind = "drift"`` with ``detector``: fires when a detector sees the champion's errors change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from driftline.core.errors import ConfigError
from driftline.policy.observation import Observation, iso
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import (
    Trigger,
    TriggerVerdict,
    champion_evidence,
    no_champion,
    state_time,
)

if TYPE_CHECKING:
    from driftline.drift.detectors import DriftDetector

__all__ = ["DETECTORS", "DriftDetectorTrigger"]

DETECTORS = ("adwin", "ddm", "page_hinkley")
"""The detectors a ``drift`` trigger can run on the champion's error stream."""


@dataclass(frozen=True)
class DriftDetectorTrigger(Trigger):
    """Fires when ``detector`` signals a change in the champion's live error rate.

    The detector (``adwin``, ``ddm`` or ``page_hinkley``, with ``delta`` for ADWIN and
    Page-Hinkley) runs over the champion's errors since its promotion (0/1 per labelled
    prediction, in the order the labels arrived: the observation's ``live``). It fires for an
    alarm at a label that arrived after the last alarm it fired for (state ``last_alarm_at``).

    Examples:
        >>> from datetime import datetime, UTC
        >>> from driftline.policy.observation import ChampionView, LiveOutcomes
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> truth = np.ones(600, dtype=int)
        >>> predicted = np.r_[np.ones(500, dtype=int), np.zeros(100, dtype=int)]
        >>> times = np.datetime64("2026-01-01") + np.arange(600).astype("timedelta64[s]")
        >>> seen = Observation(now, champion=ChampionView("m", 1, now),
        ...                    live=LiveOutcomes(truth, predicted, times.astype("datetime64[us]")))
        >>> fired = DriftDetectorTrigger("ddm").decide(seen, {})
        >>> fired.fired, fired.state
        (True, {'last_alarm_at': '2026-01-01T00:08:20+00:00'})
        >>> DriftDetectorTrigger("ddm").decide(seen, fired.state).fired
        False

    """

    detector: str
    delta: float | None = None
    kind: ClassVar[str] = "drift"
    keys: ClassVar[tuple[str, ...]] = ("share", "detector", "delta")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "live"})

    @classmethod
    def read(cls, table: TableReader) -> DriftDetectorTrigger:
        """``detector`` (one of :data:`DETECTORS`), ``delta`` for adwin and page_hinkley."""
        if "share" in table.table:
            raise table.error("(drift) needs exactly one of share or detector")
        detector = table.choice("detector", DETECTORS)
        delta = table.number("delta", None)
        if detector == "ddm" and delta is not None:
            raise ConfigError(
                f"{table.where}: {table.prefix}.delta does not apply to the ddm detector (only "
                "to adwin and page_hinkley)"
            )
        return cls(detector, delta)

    def make(self) -> DriftDetector:
        """A fresh detector with this trigger's settings."""
        from driftline.drift.detectors import ADWIN, DDM, PageHinkley

        if self.detector == "ddm":
            return DDM()
        kind = ADWIN if self.detector == "adwin" else PageHinkley
        return kind() if self.delta is None else kind(delta=self.delta)

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Run the detector over the errors; fire for an alarm newer than the last one fired."""
        champion, live = observation.champion, observation.live
        if champion is None or live is None:
            return no_champion()
        errors = live.errors()
        alarms = self.make().update_many(errors).tolist() if len(errors) else []
        times = live.label_times
        timed = len(times) == len(errors)
        last = state_time(state, "last_alarm_at")
        stamp = None if last is None else np.datetime64(last.replace(tzinfo=None), "us")
        fresh = [i for i in alarms if stamp is None or (timed and times[i] > stamp)]
        evidence: dict[str, Any] = {
            **champion_evidence(champion),
            "detector": self.detector,
            "delta": self.delta,
            "labels": len(errors),
            "error_rate": float(errors.mean()) if len(errors) else None,
            "alarms": [
                {"at": iso(times[i]) if timed else None, "position": int(i)} for i in alarms
            ],
        }
        if not fresh:
            why = "no change" if not alarms else "no change since the last alarm it fired for"
            return TriggerVerdict(
                False,
                f"{self.detector} on {len(errors)} labelled predictions of {champion.ref}: {why}",
                evidence,
            )
        newest = fresh[-1]
        at = iso(times[newest]) if timed else iso(observation.now)
        return TriggerVerdict(
            True,
            f"{self.detector} signalled a change in {champion.ref}'s error rate at label "
            f"{newest + 1} of {len(errors)} ({at})",
            evidence,
            state={"last_alarm_at": at},
        )
