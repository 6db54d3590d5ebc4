"""The typed result of a comparison: one :class:`ColumnDrift` per column, in a :class:`DriftReport`.

Both are frozen dataclasses. ``to_dict()`` / ``to_json()`` give plain JSON (enums as their values,
non-finite numbers as ``null``); ``to_html(path)`` writes a self-contained page (see
:mod:`driftline.drift.html`).

Only columns with status ``compared`` count towards :attr:`DriftReport.share_drifted`; columns
that are missing, new, of another kind, empty, skipped or excluded (an index that grows with the
stream, whose statistic is still reported) are listed with their status.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> from driftline.drift import compare
    >>> rng = np.random.default_rng(0)
    >>> ref = profile_table(pa.table({"x": rng.normal(0, 1, 5000), "y": rng.normal(0, 1, 5000)}))
    >>> cur = profile_table(pa.table({"x": rng.normal(1, 1, 5000), "y": rng.normal(0, 1, 5000)}))
    >>> report = compare(ref, cur)
    >>> report.drifted_columns, report.share_drifted, report.dataset_drift
    (('x',), 0.5, True)
    >>> report["x"].method.value, report.to_dict()["columns"][0]["status"]
    ('wasserstein', 'compared')

"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.data.errors import UnknownColumnError
from driftline.data.kinds import ColumnKind
from driftline.drift.binning import Distributions
from driftline.drift.methods import ColumnStatus, Correction, Method

__all__ = ["ColumnDrift", "DriftReport"]


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


@dataclass(frozen=True)
class DriftReport:
    """Per-column drift results and the dataset-level verdict.

    Attributes:
        columns: one :class:`ColumnDrift` per column, reference order first, then new columns.
        drift_share: the dataset drifts when ``share_drifted >= drift_share``.
        correction: the multiple-testing correction applied to p-values, if any.
        reference_rows: rows in the reference profile.
        current_rows: rows in the current profile.

    Examples:
        >>> r = DriftReport((ColumnDrift("a", None, ColumnStatus.COMPARED, drifted=True),
        ...                  ColumnDrift("b", None, ColumnStatus.COMPARED)), 0.5, None, 10, 10)
        >>> r.drifted_columns, r.share_drifted, r.dataset_drift, r["b"].drifted
        (('a',), 0.5, True, False)

    """

    columns: tuple[ColumnDrift, ...]
    drift_share: float
    correction: Correction | None
    reference_rows: int
    current_rows: int

    def __getitem__(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise UnknownColumnError(f"the drift report has no column {name!r}")

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def compared_columns(self) -> tuple[str, ...]:
        """Names of the columns with status ``compared``."""
        return tuple(c.column for c in self.columns if c.status is ColumnStatus.COMPARED)

    @property
    def excluded_columns(self) -> tuple[str, ...]:
        """Names of the index columns reported but left out of the share (status ``excluded``)."""
        return self.with_status(ColumnStatus.EXCLUDED)

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Names of the drifted columns, in report order."""
        return tuple(c.column for c in self.columns if c.drifted)

    @property
    def share_drifted(self) -> float:
        """Drifted columns / compared columns (0 when none was compared)."""
        compared = len(self.compared_columns)
        return len(self.drifted_columns) / compared if compared else 0.0

    @property
    def dataset_drift(self) -> bool:
        """Whether at least ``drift_share`` of the compared columns drifted."""
        return bool(self.compared_columns) and self.share_drifted >= self.drift_share

    def with_status(self, status: ColumnStatus) -> tuple[str, ...]:
        """Names of the columns with the given status.

        Examples:
            >>> DriftReport((ColumnDrift("a", None, ColumnStatus.NEW),), 0.5, None, 0, 1
            ...             ).with_status(ColumnStatus.NEW)
            ('a',)

        """
        return tuple(c.column for c in self.columns if c.status is status)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the verdict, the options and every column."""
        return {
            "dataset_drift": self.dataset_drift,
            "share_drifted": self.share_drifted,
            "drift_share": self.drift_share,
            "drifted_columns": list(self.drifted_columns),
            "excluded_columns": list(self.excluded_columns),
            "correction": None if self.correction is None else self.correction.value,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "columns": [c.to_dict() for c in self.columns],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (strict JSON: no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def html(self, *, title: str = "Drift report") -> str:
        """The self-contained HTML page (see :mod:`driftline.drift.html`)."""
        from driftline.drift.html import render

        return render(self, title=title)

    def to_html(self, path: str | Path, *, title: str = "Drift report") -> Path:
        """Write :meth:`html` to ``path`` (UTF-8) and return the path."""
        out = Path(path)
        out.write_text(self.html(title=title), encoding="utf-8")
        return out
