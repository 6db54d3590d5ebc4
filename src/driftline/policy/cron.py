"""Cron expressions: the five standard fields, and the next time a schedule fires.

``minute hour day-of-month month day-of-week``, each ``*``, a number, a range ``a-b``, a step
``*/n`` or ``a-b/n``, or a comma list of those; months and days also by name (``jan``, ``mon``);
day of week 0-7 (0 and 7 are Sunday). As in Vixie cron, when both day-of-month and day-of-week
are restricted, a day matching either fires. Times are UTC. The shortcuts ``@hourly``, ``@daily``,
``@weekly``, ``@monthly`` and ``@yearly`` are accepted.

Examples:
    >>> from datetime import datetime, UTC
    >>> schedule = CronSchedule.parse("0 3 * * *")
    >>> schedule.next_after(datetime(2026, 11, 23, 4, 0, tzinfo=UTC)).isoformat()
    '2026-11-24T03:00:00+00:00'
    >>> CronSchedule.parse("*/15 9-17 * * mon-fri").next_after(
    ...     datetime(2026, 11, 21, 12, 0, tzinfo=UTC)).isoformat()  # a Saturday
    '2026-11-23T09:00:00+00:00'
    >>> CronSchedule.parse("61 * * * *")
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: cron '61 * * * *': minute 61 is out of range 0-59

A schedule that can never fire is refused when it is read; February 29 fires in leap years:

    >>> CronSchedule.parse("0 0 30 2 *")
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: cron '0 0 30 2 *' never fires: no month of 2 has a day \
30 (months have at most 31 days, April, June, September and November 30, February 29)
    >>> CronSchedule.parse("0 0 29 2 *").next_after(datetime(2097, 3, 1, tzinfo=UTC)).isoformat()
    '2104-02-29T00:00:00+00:00'

"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from driftline.core.errors import ConfigError

__all__ = ["CronSchedule"]

_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_SEARCH_DAYS = 366 * 9
"""Days :meth:`CronSchedule.next_after` looks ahead: past the longest gap between two February
29ths (eight years, across a century that is not a leap year, as 2096 to 2104)."""
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
"""The most days each month can have (February in a leap year)."""


def _number(text: str, names: dict[str, int], where: str, what: str) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise ConfigError(f"{where}: {what} {text!r} is not a number")
    return int(text)


def _field(text: str, index: int, where: str) -> frozenset[int]:
    what, low, high = _FIELDS[index]
    names = _MONTHS if index == 3 else _DAYS if index == 4 else {}
    values: set[int] = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        step = _number(step_text, {}, where, f"{what} step") if slash else 1
        if step < 1:
            raise ConfigError(f"{where}: the {what} step must be at least 1")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            start, end = _number(a, names, where, what), _number(b, names, where, what)
        else:
            start = _number(body, names, where, what)
            end = high if slash else start
        for v in (start, end):
            if not low <= v <= high:
                raise ConfigError(f"{where}: {what} {v} is out of range {low}-{high}")
        if start > end:
            raise ConfigError(f"{where}: {what} range {body!r} runs backwards")
        values.update(range(start, end + 1, step))
    if index == 4 and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed cron expression (see the module docstring)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        """Parse ``expression``.

        Raises:
            ConfigError: not five fields, or a bad field (naming it and the allowed range).

        """
        where = f"cron {expression!r}"
        text = _SHORTCUTS.get(expression.strip().lower(), expression)
        parts = text.split()
        if len(parts) != 5:
            raise ConfigError(
                f"{where}: needs 5 fields (minute hour day-of-month month day-of-week), "
                f"got {len(parts)}"
            )
        minutes, hours, days, months, weekdays = (_field(p, i, where) for i, p in enumerate(parts))
        if parts[4] == "*" and not any(d <= _MONTH_DAYS[m - 1] for d in days for m in months):
            # with a day of the week also restricted, either matching fires: always some day
            raise ConfigError(
                f"{where} never fires: no month of {parts[3]} has a day {parts[2]} (months have "
                "at most 31 days, April, June, September and November 30, February 29)"
            )
        return cls(
            expression,
            minutes,
            hours,
            days,
            months,
            weekdays,
            any_day=parts[2] == "*",
            any_weekday=parts[4] == "*",
        )

    def _day_matches(self, day: datetime) -> bool:
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule fires in the minute of ``moment`` (UTC)."""
        m = moment.astimezone(UTC)
        return (
            m.minute in self.minutes
            and m.hour in self.hours
            and m.month in self.months
            and self._day_matches(m)
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first minute strictly after ``moment`` at which the schedule fires (UTC).

        Raises:
            ConfigError: the schedule never fires (e.g. February 30).

        """
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for offset in range(_SEARCH_DAYS):
            current = day + timedelta(days=offset)
            if current.month not in self.months or not self._day_matches(current):
                continue
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    candidate = current.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        raise ConfigError(f"cron {self.expression!r} never fires")
