"""One column's drift result: :class:`ColumnDrift` (a frozen dataclass; JSON via ``to_dict``).

A :class:`~driftline.drift.report.DriftReport` holds one per column; both are importable from
:mod:`driftline.drift`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from driftline.data.kinds import ColumnKind
from driftline.drift.binning import Distributions
from driftline.drift.methods import ColumnStatus, Method

__all__ = ["ColumnDrift"]


@dataclass(frozen=True)
class ColumnDrift:
    """The drift result for one column.

    Attributes:
        column: the column name.
        kind: its kind (the reference's, or the current's for a ``new`` column).
        status: what happened (see :class:`~driftline.drift.ColumnStatus`).
        method: the statistic used, ``None`` unless ``compared``.
        statistic: its value estimated from the profiles.
        p_value: the p-value of a test method (before any correction), else ``None``.
        adjusted_p_value: the p-value after the report's multiple-testing correction.
        threshold: drift when ``p < threshold`` (tests) or ``statistic >= threshold``.
        drifted: whether the column drifted (only ever true when ``compared``; an ``excluded``
            column's statistic is reported, but it is never counted as drifted).
        reference_rows: reference values compared (rows with a value; nulls and NaN excluded).
        current_rows: current values compared.
        error_bound: bound on ``|statistic - statistic on the raw rows|`` due to the sketches,
            when one is known (0 when exact); see :mod:`driftline.drift.stats`.
        reference_missing: the reference's share of null or NaN rows.
        current_missing: the current's share of null or NaN rows.
        detail: a sentence on how the column was treated, or why it was not compared.
        distributions: reference and current shares on shared bins, for plots.

    Examples:
        >>> c = ColumnDrift("x", ColumnKind.NUMERIC, ColumnStatus.COMPARED, Method.KS,
        ...                 statistic=0.3, p_value=0.01, threshold=0.05, drifted=True)
        >>> c.score, c.to_dict()["method"]
        (0.01, 'ks')

    """

    column: str
    kind: ColumnKind | None
    status: ColumnStatus
    method: Method | None = None
    statistic: float | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None
    threshold: float | None = None
    drifted: bool = False
    reference_rows: int = 0
    current_rows: int = 0
    error_bound: float | None = None
    reference_missing: float | None = None
    current_missing: float | None = None
    detail: str = ""
    distributions: Distributions | None = field(default=None, repr=False)

    @property
    def score(self) -> float | None:
        """The number compared with the threshold: the (adjusted) p-value or the statistic."""
        if self.method is not None and self.method.uses_p_value:
            return self.adjusted_p_value if self.adjusted_p_value is not None else self.p_value
        return self.statistic

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (enums as values, non-finite floats as ``None``)."""
        return {
            "column": self.column,
            "kind": None if self.kind is None else self.kind.value,
            "status": self.status.value,
            "method": None if self.method is None else self.method.value,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "adjusted_p_value": _num(self.adjusted_p_value),
            "threshold": _num(self.threshold),
            "drifted": self.drifted,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "error_bound": _num(self.error_bound),
            "reference_missing": _num(self.reference_missing),
            "current_missing": _num(self.current_missing),
            "detail": self.detail,
            "distributions": None if self.distributions is None else self.distributions.to_dict(),
        }


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
