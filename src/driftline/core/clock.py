"""Clocks: the system clock, and a manual clock for tests and backtests.

Everything in driftline that needs the time takes a :class:`Clock`, so that tests and backtests can
control it.

Examples:
    >>> from datetime import datetime, timezone
    >>> clock = ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> clock.advance(90)
    >>> clock.now().isoformat()
    '2026-01-01T00:01:30+00:00'

"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "utc"]


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken to be UTC).

    Examples:
        >>> utc(datetime(2026, 5, 1, 12)).isoformat()
        '2026-05-01T12:00:00+00:00'

    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """The time source that driftline reads."""

    def now(self) -> datetime:
        """The current time, an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, for measuring durations."""
        ...


class SystemClock:
    """The real clock.

    Examples:
        >>> SystemClock().now().tzinfo is not None
        True

    """

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """:func:`time.monotonic`."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; for tests and backtests.

    Examples:
        >>> clock = ManualClock()
        >>> start = clock.monotonic()
        >>> clock.advance(2.5)
        >>> clock.monotonic() - start
        2.5

    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start is not None else datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def monotonic(self) -> float:
        """Seconds advanced since the clock was made."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (which must not be negative)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds!r})")
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
