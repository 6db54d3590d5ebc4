"""``kind = "manual"``: a retrain a person asks for; never fires by itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.policy.observation import Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict

__all__ = ["ManualTrigger"]


@dataclass(frozen=True)
class ManualTrigger(Trigger):
    """A retrain is asked for with ``driftline trigger train``; the trigger itself never fires.

    The controller does not evaluate it every tick; a backtest never fires it.

    Examples:
        >>> from datetime import datetime, UTC
        >>> ManualTrigger().decide(Observation(datetime(2026, 1, 1, tzinfo=UTC)), {}).fired
        False

    """

    kind: ClassVar[str] = "manual"
    automatic: ClassVar[bool] = False

    @classmethod
    def read(cls, table: TableReader) -> ManualTrigger:
        """A manual trigger takes no keys."""
        return cls()

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Never fires: a person asks (``driftline trigger train``)."""
        return TriggerVerdict(False, "fires only when asked: driftline trigger train", {})
