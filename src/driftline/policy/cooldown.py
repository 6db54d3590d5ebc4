"""The cooldown: automatic triggers are held back for a while after a retrain.

Examples:
    >>> from datetime import datetime, timedelta, UTC
    >>> ended = datetime(2026, 5, 1, 1, 5, tzinfo=UTC)
    >>> cooldown_until(60, ended, ended + timedelta(minutes=5)).isoformat()
    '2026-05-01T02:05:00+00:00'
    >>> cooldown_until(60, ended, ended + timedelta(minutes=60)) is None
    True

"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["cooldown_until"]


def cooldown_until(minutes: float, last_retrain: datetime | None, now: datetime) -> datetime | None:
    """Until when automatic triggers are held back at ``now``; ``None`` when they are not.

    Args:
        minutes: the policy's ``[cooldown] minutes`` (0: no cooldown).
        last_retrain: when the last retrain that completed ended (``None``: none did).
        now: the moment a trigger fired.

    A retrain that failed (refused data, an error) does not start a cooldown, and a manual
    trigger is never held back: a person asked.

    """
    if minutes <= 0 or last_retrain is None:
        return None
    until = last_retrain + timedelta(minutes=minutes)
    return until if until > now else None
