"""The adaptation loop: the controller (triggers, the run queue, leases) and backtests.

The policy and its rules live in :mod:`driftline.policy`; its names are exported here too.

Importing this package is cheap; names load on first use.

===========================  ================================================================
:class:`Policy`              the checked policy file (:func:`load_policy`)
:class:`CronSchedule`        a parsed cron expression and when it fires next
:func:`run_backtest`         replay labelled data through a policy, beside baselines
:class:`BacktestResult`      a backtest's figures, retrain log and accuracy over time
:func:`load_stream`          a file, or a seeded river stream (``river:SEA``), as a table
===========================  ================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = ["BacktestResult", "CronSchedule", "Policy", "load_policy", "load_stream", "run_backtest"]

_LAZY = {
    "BacktestResult": "driftline.controller.backtest",
    "run_backtest": "driftline.controller.backtest",
    "load_stream": "driftline.controller.streams",
    "CronSchedule": "driftline.policy.cron",
    "Policy": "driftline.policy.model",
    "load_policy": "driftline.policy.model",
}

if TYPE_CHECKING:
    from driftline.controller.backtest import BacktestResult, run_backtest
    from driftline.controller.streams import load_stream
    from driftline.policy.cron import CronSchedule
    from driftline.policy.model import Policy, load_policy

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
