"""What a training profile says is usual for each column, and how far a row strays from it.

:class:`ProfileBounds` is the default outlier score of
:mod:`~driftline.models.monitoring.outliers`, read from a training profile, never from its rows:

* a **numeric** column scores how far a value lies beyond the column's ``[p01, p99]`` band, plus
  how far beyond the trained ``[min, max]`` range, both in units of the column's spread (its
  interquartile range; when that is 0, the ``p99 - p01`` band, the range, or ``max(|median|, 1)``);
  a value inside the band scores 0;
* a **categorical** or **boolean** column whose trained values are known exactly scores ``hard``
  for a value never seen in training (unless the column had so many values seen once that an
  unseen one is no surprise: more than :data:`MAX_UNSEEN_SHARE` of its rows, the Good-Turing
  estimate of the chance of a new value);
* any scored column that was **never missing** in training scores ``hard`` for a missing value
  (null or NaN, or a column the request lacks).

A row's score is the **largest** of its columns' scores: one input far off is enough, and the
score does not grow with the number of inputs. Infinite distances are capped at :data:`MAX_SCORE`.
Date-time and text columns are not scored (they move by nature, or have no scale).

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> train = pa.table({"x": [float(v) for v in range(101)], "c": ["a", "b"] * 50 + ["a"]})
    >>> bounds, notes = ProfileBounds.fit(profile_table(train), ["x", "c"], hard=10.0)
    >>> bounds.score(pa.table({"x": [50.0, 150.0, None], "c": ["a", "a", "zzz"]})).round(2).tolist()
    [0.0, 2.02, 10.0]

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from driftline.core.errors import InputError
from driftline.data._codec import State, arrow_from_state, arrow_to_state
from driftline.data.kinds import ColumnKind
from driftline.data.profile import Profile

__all__ = ["MAX_SCORE", "MAX_UNSEEN_SHARE", "ProfileBounds", "column_values", "numeric_matrix"]

MAX_SCORE = 1e6
"""The largest score (an infinite value scores this much)."""

MAX_UNSEEN_SHARE = 0.001
"""A categorical column is checked for unseen values only when at most this share of its
training rows held a value seen once (the Good-Turing chance that a new row brings a new value)."""

_QUANTILES = (0.01, 0.25, 0.5, 0.75, 0.99)
_CATEGORIES = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def column_values(data: pa.Table | Mapping[str, Any], name: str, rows: int) -> Any:
    """The column ``name`` of ``data`` as an Arrow array, or ``None`` when it is absent."""
    if isinstance(data, pa.Table):
        if name not in data.column_names:
            return None
        return data.column(name)
    if name not in data:
        return None
    values = data[name]
    return values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)


def numeric_matrix(data: pa.Table | Mapping[str, Any], names: Sequence[str], rows: int) -> Any:
    """The float64 matrix ``(rows, len(names))`` of those columns; NaN for missing or absent."""
    matrix = np.full((rows, len(names)), np.nan)
    for j, name in enumerate(names):
        values = column_values(data, name, rows)
        if values is None:
            continue
        try:
            floats = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(f"column {name!r} is not numeric ({values.type}): {exc}") from None
        if isinstance(floats, pa.ChunkedArray):
            floats = floats.combine_chunks()
        matrix[:, j] = floats.to_numpy(zero_copy_only=False)
    return matrix


def _spread(
    q01: float, q25: float, q50: float, q75: float, q99: float, lo: float, hi: float
) -> float:
    for width in (q75 - q25, q99 - q01, hi - lo):
        if width > 0 and np.isfinite(width):
            return float(width)
    return max(abs(q50), 1.0)


@dataclass(frozen=True, eq=False)
class ProfileBounds:
    """Per-column bounds read from a profile (see the module docstring).

    ``bounds`` holds, per numeric column, the rows ``p01, p99, min, max, spread``; ``required``
    marks the columns (numeric first, then categorical) never missing in training;
    ``categories`` holds each categorical column's known values (``None``: not checked).
    """

    numeric: tuple[str, ...]
    bounds: np.ndarray[Any, Any]
    categorical: tuple[str, ...]
    categories: tuple[Any, ...]
    required: np.ndarray[Any, Any]
    hard: float

    @classmethod
    def fit(
        cls, profile: Profile, columns: Sequence[str], *, hard: float
    ) -> tuple[ProfileBounds, tuple[str, ...]]:
        """The bounds of ``columns`` in ``profile``, and a note for each column left out.

        Raises:
            InputError: a column the profile lacks (naming it and those it has).

        """
        numeric: list[str] = []
        rows: list[list[float]] = []
        categorical: list[str] = []
        categories: list[Any] = []
        required: list[bool] = []
        required_cat: list[bool] = []
        notes: list[str] = []
        for name in columns:
            if name not in profile:
                raise InputError(
                    f"the profile has no column {name!r} (it has: {', '.join(profile.names)})"
                )
            column = profile[name]
            never_missing = column.missing_count == 0
            if column.kind is ColumnKind.NUMERIC:
                if column.quantiles is None or column.quantiles.is_empty:
                    notes.append(f"column {name!r} had no values in training: not scored")
                    continue
                q01, q25, q50, q75, q99 = column.quantiles.quantiles(_QUANTILES).tolist()
                lo, hi = float(column.quantiles.min), float(column.quantiles.max)  # type: ignore[arg-type]
                numeric.append(name)
                rows.append([q01, q99, lo, hi, _spread(q01, q25, q50, q75, q99, lo, hi)])
                required.append(never_missing)
            elif column.kind in _CATEGORIES:
                categorical.append(name)
                required_cat.append(never_missing)
                categories.append(_known(column.frequent, column.count, name, notes))
            else:
                notes.append(f"column {name!r} is {column.kind.value}: not scored for outliers")
        bounds = np.array(rows, dtype=np.float64).reshape(len(rows), 5).T.copy()
        flags = np.array(required + required_cat, dtype=bool)
        found = cls(tuple(numeric), bounds, tuple(categorical), tuple(categories), flags, hard)
        return found, tuple(notes)

    @property
    def columns(self) -> tuple[str, ...]:
        """The scored columns: numeric, then categorical."""
        return self.numeric + self.categorical

    def __post_init__(self) -> None:
        q01, q99, lo, hi, spread = self.bounds  # rows kept apart: a request unpacks nothing
        fill = np.where(self.required[: len(self.numeric)], self.hard, 0.0)
        object.__setattr__(self, "_rows", (q01, q99, lo, hi, 1.0 / spread, fill))

    def score_matrix(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Each row's score for a float64 matrix of the numeric columns, in their order."""
        q01, q99, lo, hi, inverse, fill = self._rows  # type: ignore[attr-defined]
        if not len(q01):
            return np.zeros(len(matrix))
        with np.errstate(invalid="ignore", over="ignore"):
            band = np.maximum(q01 - matrix, matrix - q99)
            beyond = np.maximum(lo - matrix, matrix - hi)
            scores = (np.maximum(band, 0.0) + np.maximum(beyond, 0.0)) * inverse
        missing = np.isnan(scores)  # NaN only where the value is missing
        if missing.any():
            scores = np.where(missing, fill, scores)
        return np.asarray(np.minimum(scores.max(axis=1), MAX_SCORE))

    def score(self, data: pa.Table | Mapping[str, Any], rows: int | None = None) -> Any:
        """The score of each row of ``data`` (the largest over the scored columns)."""
        if rows is None:
            rows = _rows(data)
        best = np.zeros(rows)
        if self.numeric:
            best = self.score_matrix(numeric_matrix(data, self.numeric, rows))
        offset = len(self.numeric)
        for j, (name, known) in enumerate(zip(self.categorical, self.categories, strict=True)):
            values = column_values(data, name, rows)
            required = bool(self.required[offset + j])
            if values is None:
                if required:
                    best[:] = self.hard
                continue
            strange = _unseen(values, known) if known is not None else np.zeros(rows, bool)
            if required:
                strange |= np.asarray(values.is_null().to_numpy(zero_copy_only=False), bool)
            best = np.where(strange, np.maximum(best, self.hard), best)
        return best

    def to_state(self, state: State) -> dict[str, Any]:
        """Store the arrays in ``state``; return the JSON part."""
        state.arrays["bounds.numeric"] = self.bounds.reshape(-1)
        state.arrays["bounds.required"] = self.required.astype(np.uint8)
        tags = []
        for j, known in enumerate(self.categories):
            tags.append(None if known is None else arrow_to_state(known, f"bounds.cat{j}", state))
        return {"numeric": list(self.numeric), "categorical": list(self.categorical), "tags": tags}

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], state: State, hard: float) -> ProfileBounds:
        """The inverse of :meth:`to_state` (``KeyError``/``ValueError`` when it is corrupt)."""
        numeric = tuple(str(n) for n in meta["numeric"])
        categorical = tuple(str(n) for n in meta["categorical"])
        bounds = np.asarray(state.arrays["bounds.numeric"], np.float64).reshape(5, len(numeric))
        required = np.asarray(state.arrays["bounds.required"]).astype(bool)
        if len(required) != len(numeric) + len(categorical) or len(meta["tags"]) != len(
            categorical
        ):
            raise ValueError("the outlier bounds do not match their columns")
        categories = tuple(
            None if tag is None else arrow_from_state(tag, f"bounds.cat{j}", state.arrays)
            for j, tag in enumerate(meta["tags"])
        )
        return cls(numeric, bounds, categorical, categories, required, hard)


def _rows(data: pa.Table | Mapping[str, Any]) -> int:
    if isinstance(data, pa.Table):
        return int(data.num_rows)
    lengths = {len(v) for v in data.values()}
    if len(lengths) > 1:
        raise InputError(f"the columns have different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _known(frequent: Any, count: int, name: str, notes: list[str]) -> Any:
    """The exact known values of a categorical column, or ``None`` (with a note)."""
    if frequent is None or not frequent.is_exact or count == 0:
        notes.append(f"column {name!r} has too many values to know them all: unseen not checked")
        return None
    once = int((frequent.counts == 1).sum())
    if once > MAX_UNSEEN_SHARE * count:
        notes.append(
            f"column {name!r} has many values seen once ({once} of {count} rows): a new value "
            "is no surprise, unseen not checked"
        )
        return None
    return frequent.items


def _unseen(values: Any, known: Any) -> np.ndarray[Any, Any]:
    """Whether each present value is not among the ``known`` ones."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    try:
        values = values.cast(known.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.asarray(values.is_valid().to_numpy(zero_copy_only=False), bool)
    seen = pc.is_in(values, value_set=known, skip_nulls=True)
    return np.asarray(pc.and_(values.is_valid(), pc.invert(seen)).to_numpy(zero_copy_only=False))
