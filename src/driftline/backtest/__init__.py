"""Backtests: replay labelled history through a retraining policy, beside baselines.

A backtest answers "what would this policy have done?" before anyone switches it on. It runs the
same validation and the same gate as the live loop (:mod:`driftline.controller`), reading the same
policy file (:mod:`driftline.policy`), but never imports the live loop: both are siblings above the
policy.

Importing this package is cheap; names load on first use.

===========================  ================================================================
:func:`run_backtest`         replay labelled data through a policy, beside baselines
:class:`BacktestResult`      a backtest's figures, retrain log and accuracy over time
:func:`load_stream`          a file, or a seeded river stream (``river:SEA``), as a table
===========================  ================================================================

Examples:
    >>> import driftline.backtest as backtest
    >>> backtest.load_stream("river:SEA", rows=300).num_rows
    300

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = ["BacktestResult", "load_stream", "run_backtest"]

_LAZY = {
    "BacktestResult": "driftline.backtest.result",
    "run_backtest": "driftline.backtest.run",
    "load_stream": "driftline.backtest.streams",
}

if TYPE_CHECKING:
    from driftline.backtest.result import BacktestResult
    from driftline.backtest.run import run_backtest
    from driftline.backtest.streams import load_stream

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
