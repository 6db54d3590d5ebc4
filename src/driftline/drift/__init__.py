"""Drift: compare two profiles column by column, and watch a stream with detectors.

Importing this package is cheap (no numpy, no scipy); names load on first use.

=================================  ================================================================
:func:`compare`                    reference profile vs current profile -> :class:`DriftReport`
:class:`DriftReport`               per-column :class:`ColumnDrift`, dataset verdict, JSON, HTML
:class:`DriftOptions`              the options of a comparison as one typed value
:class:`Method`                    ks, chisquare, z, wasserstein, jensenshannon, psi, hellinger
:class:`Correction`                Bonferroni, Benjamini-Hochberg
:class:`ColumnStatus`              compared, missing, new, kind_mismatch, empty, skipped, excluded
:mod:`driftline.drift.stats`       the statistics on sketches, and their sketch error
:mod:`driftline.drift.detectors`   streaming detectors: ADWIN, DDM, PageHinkley
=================================  ================================================================

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> from driftline.drift import compare
    >>> rng = np.random.default_rng(0)
    >>> ref = profile_table(pa.table({"x": rng.normal(0, 1, 20_000)}))
    >>> cur = profile_table(pa.table({"x": rng.normal(0.3, 1, 20_000)}))
    >>> compare(ref, cur).drifted_columns
    ('x',)

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "ColumnDrift",
    "ColumnStatus",
    "Correction",
    "DriftOptions",
    "DriftReport",
    "Method",
    "compare",
]

_LAZY = {
    "ColumnDrift": "driftline.drift.report",
    "DriftReport": "driftline.drift.report",
    "DriftOptions": "driftline.drift.options",
    "ColumnStatus": "driftline.drift.methods",
    "Correction": "driftline.drift.methods",
    "Method": "driftline.drift.methods",
    "compare": "driftline.drift.comparison",
}

if TYPE_CHECKING:
    from driftline.drift.comparison import compare
    from driftline.drift.methods import ColumnStatus, Correction, Method
    from driftline.drift.options import DriftOptions
    from driftline.drift.report import ColumnDrift, DriftReport


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
