"""``kind = "drift"`` with ``share``: fires when enough columns of the newest span drifted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.policy.observation import Gap, Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict, no_champion

__all__ = ["DriftShareTrigger"]

_NO_DATA = Gap("no_data", "there is no span to compare yet")


@dataclass(frozen=True)
class DriftShareTrigger(Trigger):
    """Fires when the share of drifted columns reaches ``share``; once per champion and span.

    The share is that of the observation's ``drift``: the newest span's profile against the
    champion's training profile (:func:`driftline.drift.compare`; index columns such as a time or
    an id are excluded). State ``fired_for``: the ``[version, span]`` it last fired for.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from driftline.policy.observation import ChampionView, SpanDrift
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> seen = Observation(now, champion=ChampionView("m", 1, now),
        ...                    drift=SpanDrift(4, 0.5, ("a", "b"), ("a",)))
        >>> fired = DriftShareTrigger(0.5).decide(seen, {})
        >>> fired.fired, fired.state
        (True, {'fired_for': [1, 4]})
        >>> DriftShareTrigger(0.5).decide(seen, fired.state).fired
        False

    """

    share: float
    kind: ClassVar[str] = "drift"
    keys: ClassVar[tuple[str, ...]] = ("share", "detector", "delta", "source", "min_rows")
    observes: ClassVar[frozenset[str]] = frozenset({"champion", "drift"})

    @classmethod
    def read(cls, table: TableReader) -> DriftShareTrigger:
        """``share``: a number between 0 and 1 (``detector``/``delta`` belong to the other mode).

        ``source`` is ``"spans"`` (the default; ``"live"`` is
        :class:`~driftline.policy.triggers.drift_live.LiveDriftTrigger`).
        """
        table.choice("source", ("spans", "live"), "spans")
        if "min_rows" in table.table:
            raise table.error('(drift): min_rows is a setting of source = "live", not of spans')
        share = table.number("share", None, low=0.0, high=1.0)
        if share is None or "detector" in table.table:
            raise table.error("(drift) needs exactly one of share or detector")
        if "delta" in table.table:
            raise table.error("(drift): delta is a setting of a detector, not of share")
        return cls(share)

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Compare the drifted share with ``share``; fire once per champion and span."""
        champion = observation.champion
        if champion is None:
            return no_champion()
        gap = observation.gaps.get("drift")
        drift = observation.drift
        if gap is not None or drift is None:
            why = gap or _NO_DATA
            return TriggerVerdict(False, why.reason, {"version": champion.version}, skip=why.code)
        evidence = {
            "model": champion.name,
            "version": champion.version,
            "reference_profile": drift.reference_profile,
            "span": drift.span,
            "share_drifted": drift.share_drifted,
            "share": self.share,
            "compared_columns": list(drift.compared_columns),
            "drifted_columns": list(drift.drifted_columns),
        }
        text = (
            f"{len(drift.drifted_columns)} of {len(drift.compared_columns)} columns of span "
            f"{drift.span} drifted from {champion.ref}'s training data "
            f"(share {drift.share_drifted:.2f}, threshold {self.share:g})"
        )
        if drift.share_drifted < self.share:
            return TriggerVerdict(False, text, evidence)
        pair = [champion.version, drift.span]
        if list(state.get("fired_for") or ()) == pair:
            return TriggerVerdict(False, f"{text}; fired for this span already", evidence)
        return TriggerVerdict(True, text, evidence, state={"fired_for": pair})
