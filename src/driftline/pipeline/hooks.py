"""Lifecycle hooks, Hamilton-style: keyword-only arguments plus ``**future_kwargs``.

A hook is any object with some of these methods; each is called with keyword arguments only, and
must accept ``**future_kwargs`` so that new arguments break no hook:

* ``on_run_start(*, run_id, pipeline, params, **future_kwargs)``
* ``on_step_start(*, step, run_id, execution_id, **future_kwargs)`` (``execution_id`` is ``None``
  for a driver step, which is recorded when it ends)
* ``on_step_end(*, step, run_id, state, execution_id, error, seconds, **future_kwargs)``
* ``on_run_end(*, run_id, pipeline, status, **future_kwargs)``

``step`` is the step's name, ``state`` an :class:`~driftline.store.records.ExecutionState`.
A hook that raises fails the run's bookkeeping, not silently: keep hooks cheap and safe.

Examples:
    >>> class Log:
    ...     def on_step_end(self, *, step, state, **future_kwargs):
    ...         print(step, state.value)
    >>> from driftline.store.records import ExecutionState
    >>> call_hooks([Log()], "on_step_end", step="train", state=ExecutionState.COMPLETE, seconds=1)
    train COMPLETE

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["HOOK_METHODS", "call_hooks"]

HOOK_METHODS = ("on_run_start", "on_step_start", "on_step_end", "on_run_end")
"""The methods a hook may define."""


def call_hooks(hooks: Sequence[object], method: str, **kwargs: Any) -> None:
    """Call ``method`` with ``kwargs`` on every hook that defines it, in order."""
    for hook in hooks:
        fn = getattr(hook, method, None)
        if fn is not None:
            fn(**kwargs)
