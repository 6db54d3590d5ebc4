"""A backtest's figures: each method's result, the retrain log, accuracy over time.

:class:`MethodResult` (one method's figures) is defined in :mod:`~driftline.backtest.method`.

:class:`BacktestResult` is what :func:`~driftline.backtest.run.run_backtest` returns; it
writes itself as JSON, a self-contained HTML report or a PNG plot
(:mod:`~driftline.backtest.report`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.backtest.method import MethodResult
from driftline.backtest.retrain import Decision
from driftline.core.errors import InputError

__all__ = ["BacktestResult", "MethodResult"]


@dataclass(frozen=True)
class BacktestResult:
    """What a backtest found: every method's figures, the retrain log and accuracy over time."""

    data: str
    rows: int
    label: str
    inputs: tuple[str, ...]
    classes: tuple[Any, ...]
    policy: dict[str, Any]
    span_rows: int
    delay: int
    seed: int
    first_scored: int
    curve_rows: tuple[int, ...]
    curve_window: int
    methods: tuple[MethodResult, ...]
    decisions: tuple[Decision, ...]
    suppressed: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> tuple[Decision, ...]:
        """The policy's retrains that validation refused (each with its reason)."""
        return tuple(d for d in self.decisions if d.refused)

    def method(self, key: str) -> MethodResult:
        """The method with this key (``policy`` for the policy, else a baseline key)."""
        for m in self.methods:
            if m.key == key:
                return m
        raise InputError(f"no method {key!r} in this backtest")

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """A JSON-ready dictionary (``timings=False`` leaves out the CPU seconds)."""
        return {
            "data": self.data,
            "rows": self.rows,
            "label": self.label,
            "inputs": list(self.inputs),
            "classes": [c.item() if hasattr(c, "item") else c for c in self.classes],
            "policy": self.policy,
            "span_rows": self.span_rows,
            "delay": self.delay,
            "seed": self.seed,
            "scored_from_row": self.first_scored,
            "methods": [m.to_dict(timings=timings) for m in self.methods],
            "decisions": [d.to_dict() for d in self.decisions],
            "suppressed_by_cooldown": self.suppressed,
            "curve": {"window_rows": self.curve_window, "rows": list(self.curve_rows)},
            "notes": list(self.notes),
        }

    def to_json(self, *, timings: bool = True) -> str:
        """The result as JSON text (sorted keys, so equal results give equal bytes)."""
        return json.dumps(self.to_dict(timings=timings), indent=2, sort_keys=True)

    def to_html(self, path: str | Path, *, title: str | None = None) -> Path:
        """Write a self-contained HTML report (inline SVG, no script); return its path."""
        from driftline.backtest.report import write_html

        return write_html(self, Path(path), title=title)

    def to_png(self, path: str | Path) -> Path:
        """Write the accuracy-over-time plot as PNG (needs matplotlib); return its path."""
        from driftline.backtest.report import write_png

        return write_png(self, Path(path))
