"""The adaptation loop: the controller (triggers, the run queue, leases).

The policy and its rules live in :mod:`driftline.policy`; its names are exported here too.
Backtests have their own package, :mod:`driftline.backtest`; ``driftline.controller.run_backtest``,
``BacktestResult`` and ``load_stream`` still resolve there for one release, with a
``DeprecationWarning``.

Importing this package is cheap; names load on first use.

===========================  ================================================================
:class:`Policy`              the checked policy file (:func:`load_policy`)
:class:`CronSchedule`        a parsed cron expression and when it fires next
:class:`Controller`          the live loop: evaluates triggers, runs jobs, asks for rollouts
===========================  ================================================================
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from driftline.core.lazy import lazy_attributes

__all__ = ["Controller", "CronSchedule", "Policy", "load_policy"]

_LAZY = {
    "Controller": "driftline.controller.loop",
    "CronSchedule": "driftline.policy.cron",
    "Policy": "driftline.policy.model",
    "load_policy": "driftline.policy.model",
}

if TYPE_CHECKING:
    from driftline.controller.loop import Controller
    from driftline.policy.cron import CronSchedule
    from driftline.policy.model import Policy, load_policy

_lazy_getattr, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

_MOVED = {"run_backtest", "BacktestResult", "load_stream"}
"""Names that moved to :mod:`driftline.backtest`; they resolve there for one release."""


def __getattr__(name: str) -> Any:
    """A lazily exported name, or one that moved to :mod:`driftline.backtest` (with a warning)."""
    if name in _MOVED:
        warnings.warn(
            f"driftline.controller.{name} moved to driftline.backtest.{name}; "
            "the old name will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("driftline.backtest"), name)
    return _lazy_getattr(name)
