"""``kind = "cron"``: fires when a schedule comes due."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.core.errors import ConfigError
from driftline.policy.cron import CronSchedule
from driftline.policy.observation import Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict, state_time

__all__ = ["CronTrigger"]


@dataclass(frozen=True)
class CronTrigger(Trigger):
    """Fires when ``schedule``'s first time after the last fire has passed.

    The first decision *arms* it (state ``armed_at``); it first fires at the schedule's first time
    after that. Missed times fire once, not once each (state ``last_fired``).

    Examples:
        >>> from datetime import datetime, timedelta, UTC
        >>> t = CronTrigger(CronSchedule.parse("0 3 * * *"))
        >>> at_one = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
        >>> armed = t.decide(Observation(at_one), {})
        >>> armed.fired, armed.state
        (False, {'armed_at': '2026-05-01T01:00:00+00:00'})
        >>> due = t.decide(Observation(at_one + timedelta(hours=2)), armed.state)
        >>> due.fired, due.reason
        (True, "schedule '0 3 * * *' was due at 2026-05-01T03:00:00+00:00")

    """

    schedule: CronSchedule
    kind: ClassVar[str] = "cron"
    keys: ClassVar[tuple[str, ...]] = ("schedule",)

    @classmethod
    def read(cls, table: TableReader) -> CronTrigger:
        """``schedule`` (required): a cron expression (see :mod:`driftline.policy.cron`)."""
        text = str(table.text("schedule", required=True))
        try:
            return cls(CronSchedule.parse(text))
        except ConfigError as exc:
            raise ConfigError(f"{table.where}: {table.prefix}.schedule: {exc}") from None

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Arm, wait, or fire (see the class docstring)."""
        now = observation.now
        expression = self.schedule.expression
        last, armed = state_time(state, "last_fired"), state_time(state, "armed_at")
        since = last or armed
        if since is None:
            first = self.schedule.next_after(now)
            return TriggerVerdict(
                False,
                f"schedule {expression!r} armed; it first fires at {first.isoformat()}",
                {"schedule": expression, "next": first.isoformat()},
                state={"armed_at": now.isoformat()},
            )
        due = self.schedule.next_after(since)
        evidence = {
            "schedule": expression,
            "due": due.isoformat(),
            "last_fired": last.isoformat() if last else None,
            "now": now.isoformat(),
        }
        if due > now:
            return TriggerVerdict(False, f"next at {due.isoformat()}", evidence)
        return TriggerVerdict(
            True,
            f"schedule {expression!r} was due at {due.isoformat()}",
            evidence,
            state={"last_fired": now.isoformat()},
        )
