"""Cron schedules (moved to :mod:`driftline.policy.cron`; this name keeps working)."""

from __future__ import annotations

from driftline.policy.cron import CronSchedule

__all__ = ["CronSchedule"]
