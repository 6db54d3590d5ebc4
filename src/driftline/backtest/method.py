"""One method's figures in a backtest: :class:`MethodResult` (the policy's, or a baseline's).

Examples:
    >>> m = MethodResult("never retrain", "never", 0.75, 100, 100, 0, 0, 0.5, (0.7, 0.8))
    >>> m.to_dict(timings=False)["accuracy"], "cpu_seconds" in m.to_dict()
    (0.75, True)

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MethodResult"]


@dataclass(frozen=True)
class MethodResult:
    """One method's prequential accuracy on the scored rows, its retrains and CPU seconds.

    ``retrains`` counts the retrains that ran; ``refused`` those validation refused.
    """

    name: str
    key: str
    accuracy: float
    scored_rows: int
    predicted_rows: int
    retrains: int
    promotions: int
    cpu_seconds: float
    curve: tuple[float | None, ...]
    refused: int = 0

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """A JSON-ready dictionary (``timings=False`` leaves out the CPU seconds)."""
        out: dict[str, Any] = {
            "name": self.name,
            "key": self.key,
            "accuracy": round(self.accuracy, 6),
            "scored_rows": self.scored_rows,
            "predicted_rows": self.predicted_rows,
            "retrains": self.retrains,
            "promotions": self.promotions,
            "refused": self.refused,
            "curve": list(self.curve),
        }
        if timings:
            out["cpu_seconds"] = round(self.cpu_seconds, 3)
        return out
