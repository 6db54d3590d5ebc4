"""The default drift method of a column, by kind and sample size (Evidently's rule).

This is Evidently's ``DataDriftPreset`` default (``_get_default_stattest`` in
``evidently/legacy/calculations/stattests/registry.py``, 0.7.23; documented at
https://docs.evidentlyai.com/reference/data-drift-algorithm), applied to profiles. ``n`` is the
number of reference values (rows with a value), ``u`` the number of distinct values in both
samples together:

==========================================  =========================  =========================
column                                      ``n <= 1000``              ``n > 1000``
==========================================  =========================  =========================
numeric, ``u > 5``                          ``ks``, p < 0.05           ``wasserstein`` >= 0.1
numeric ``u <= 5``, categorical, boolean    ``chisquare`` p < 0.05;    ``jensenshannon`` >= 0.1
                                            ``z`` when ``u <= 2``
==========================================  =========================  =========================

``u`` is known exactly from the profiles when both frequent-item sketches are exact (always for
categorical columns up to ``capacity`` values; numeric columns keep exact value counts up to
``capacity`` values); a numeric column whose value counts were dropped has more than ``capacity``
values, so ``u > 5``. Datetime columns (seconds) and text columns (lengths) are compared like
numeric ones when asked for (Evidently skips datetimes and uses a classifier for text).

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> p = profile_table(pa.table({"x": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "b": [True] * 6}))
    >>> default_method(p["x"], p["x"]).value, default_method(p["b"], p["b"]).value
    ('ks', 'z')

"""

from __future__ import annotations

from driftline.data.column_profile import ColumnProfile
from driftline.data.kinds import ColumnKind
from driftline.drift.binning import category_counts
from driftline.drift.methods import Method

__all__ = ["MAX_DISCRETE_VALUES", "SMALL_SAMPLE", "default_method", "is_categorical_like"]

SMALL_SAMPLE = 1000
"""At most this many reference values: tests (p-values); above: distances."""

MAX_DISCRETE_VALUES = 5
"""A numeric column with at most this many distinct values is compared as categories."""


def distinct_values(ref: ColumnProfile, cur: ColumnProfile) -> int | None:
    """Distinct values of both samples together when the profiles know it exactly, else ``None``.

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> a = profile_table(pa.table({"c": ["x", "y"]}))["c"]
        >>> b = profile_table(pa.table({"c": ["y", "z"]}))["c"]
        >>> distinct_values(a, b)
        3

    """
    if ref.frequent is None or cur.frequent is None:
        return None
    if not (ref.frequent.is_exact and cur.frequent.is_exact):
        return None
    return len(category_counts(ref.frequent, cur.frequent).labels)


def is_categorical_like(ref: ColumnProfile, cur: ColumnProfile) -> bool:
    """Whether to compare the column as categories: categorical, boolean, or few-valued numeric.

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> p = profile_table(pa.table({"rooms": [1, 2, 2, 3], "x": [0.5, 1.5, 2.5, 3.5]}))
        >>> is_categorical_like(p["rooms"], p["rooms"]), is_categorical_like(p["x"], p["x"])
        (True, True)

    """
    if ref.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        return True
    if ref.kind is not ColumnKind.NUMERIC:
        return False
    u = distinct_values(ref, cur)
    return u is not None and u <= MAX_DISCRETE_VALUES


def default_method(ref: ColumnProfile, cur: ColumnProfile) -> Method:
    """The default method for a column present in both profiles (see the module docstring)."""
    small = ref.count <= SMALL_SAMPLE
    if is_categorical_like(ref, cur):
        if not small:
            return Method.JENSENSHANNON
        u = distinct_values(ref, cur)
        return Method.Z if u is not None and u <= 2 else Method.CHISQUARE
    return Method.KS if small else Method.WASSERSTEIN
