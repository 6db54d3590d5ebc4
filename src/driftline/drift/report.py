"""The typed result of a comparison: one :class:`ColumnDrift` per column, in a :class:`DriftReport`.

Both are frozen dataclasses (:class:`ColumnDrift` is defined in :mod:`driftline.drift.column`).
``to_dict()`` / ``to_json()`` give plain JSON (enums as their values, non-finite numbers as
``null``); ``to_html(path)`` writes a self-contained page (see :mod:`driftline.drift.html`).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftline.data.errors import UnknownColumnError
from driftline.drift.column import ColumnDrift
from driftline.drift.methods import ColumnStatus, Correction

__all__ = ["ColumnDrift", "DriftReport"]


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
