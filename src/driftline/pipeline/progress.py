"""A live display of a run's steps (rich), shown only when the output is a terminal.

It is a hook (see :mod:`.hooks`); ``run_pipeline(progress=None)`` adds it when standard error is
a terminal. rich is imported only then, so it stays out of the hot path.

Examples:
    >>> import io
    >>> display = ProgressDisplay(["a", "b"], stream=io.StringIO())
    >>> display.on_step_start(step="a", run_id="r")
    >>> display.rows()[0]
    ('a', 'RUNNING', '')

"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["ProgressDisplay", "wants_progress"]


def wants_progress(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (standard error by default) is a terminal.

    Examples:
        >>> import io
        >>> wants_progress(io.StringIO())
        False

    """
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty())


class ProgressDisplay:
    """A table of steps and their states that refreshes as the run goes (a hook)."""

    def __init__(self, steps: Sequence[str], *, stream: TextIO | None = None) -> None:
        self._states = dict.fromkeys(steps, "waiting")
        self._seconds: dict[str, float] = {}
        self._started: dict[str, float] = {}
        self._stream = stream
        self._live: Any = None

    def rows(self) -> list[tuple[str, str, str]]:
        """``(step, state, seconds)`` for each step."""
        return [
            (n, s, f"{self._seconds[n]:.2f}s" if n in self._seconds else "")
            for n, s in self._states.items()
        ]

    def _render(self) -> Any:
        from rich.table import Table

        table = Table(title="driftline run", expand=False)
        for column in ("step", "state", "time"):
            table.add_column(column)
        for row in self.rows():
            table.add_row(*row)
        return table

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def on_run_start(self, **future_kwargs: Any) -> None:
        """Start the live display on standard error."""
        if self._stream is None:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._render(), console=Console(stderr=True), transient=False)
            self._live.start()

    def on_step_start(self, *, step: str, **future_kwargs: Any) -> None:
        """Mark ``step`` running."""
        self._states[step] = "RUNNING"
        self._started[step] = time.perf_counter()
        self._refresh()

    def on_step_end(self, *, step: str, state: Any, **future_kwargs: Any) -> None:
        """Mark ``step`` finished with ``state``."""
        self._states[step] = str(getattr(state, "value", state))
        if step in self._started:
            self._seconds[step] = time.perf_counter() - self._started[step]
        self._refresh()

    def on_run_end(self, **future_kwargs: Any) -> None:
        """Stop the live display."""
        if self._live is not None:
            self._live.stop()
            self._live = None
