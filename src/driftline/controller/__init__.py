"""The adaptation loop: the policy, triggers, the run queue, the controller, and backtests.

Importing this package is cheap; names load on first use.

===========================  ================================================================
:class:`Policy`              the checked policy file (:func:`load_policy`)
:class:`CronSchedule`        a parsed cron expression and when it fires next
===========================  ================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = ["CronSchedule", "Policy", "load_policy"]

_LAZY = {
    "CronSchedule": "driftline.controller.cron",
    "Policy": "driftline.controller.policy",
    "load_policy": "driftline.controller.policy",
}

if TYPE_CHECKING:
    from driftline.controller.cron import CronSchedule
    from driftline.controller.policy import Policy, load_policy

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
