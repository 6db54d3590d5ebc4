"""Outlier detection: a score per row for how unlike the training data it is, and a flag.

Fitted at training time (:func:`fit_outlier_detector`), stored with the model version, and run on
every request the server answers. Two methods (:data:`OUTLIER_METHODS`):

``"profile"`` (the default)
    From the training profile alone (see :mod:`~driftline.models.monitoring.outlier_bounds`):
    per numeric input, the distance beyond its ``[p01, p99]`` band plus the distance beyond the
    trained range, in units of its interquartile range; per categorical input, a value never
    seen in training; per input never missing in training, a missing value. A row scores its
    **largest** column score. A value never seen, or missing where never missing, scores
    ``hard_score`` (at least :data:`HARD_SCORE`): always above the threshold. A few
    microseconds a request, vectorised.
``"isolation_forest"``
    scikit-learn's ``IsolationForest`` on the numeric inputs of the training rows (rows
    required; see :mod:`~driftline.models.monitoring.outlier_forest`), **and** the profile's
    score: each is divided by its own threshold and the row scores the larger, so the threshold
    is 1 and a row is an outlier when either says so. The forest scores the numeric inputs
    together, the profile each one alone (a forest over many inputs isolates a row far off in a
    single one poorly); it costs milliseconds a request.

**The threshold.** A row is an outlier when its score is above ``threshold``. Given the training
rows, a threshold is their score's :data:`THRESHOLD_QUANTILE` quantile plus a margin
(:data:`PROFILE_MARGIN`, or :data:`FOREST_MARGIN` for the forest's score), so that rows like the
training ones are flagged well under 1% of the time; without rows the profile's threshold is
:data:`DEFAULT_THRESHOLD` (3 interquartile ranges beyond the ``[p01, p99]`` band).

Scoring never needs every column: a column the request lacks counts as missing, never as an
error. Stored without pickle (:meth:`OutlierDetector.to_bytes`): a JSON header and arrays, and
for a forest the bytes of a skops file loaded through the scikit-learn flavor's checks.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> rng = np.random.default_rng(0)
    >>> rows = pa.table({"x": rng.normal(size=2000), "city": rng.choice(["a", "b"], 2000)})
    >>> detector = fit_outlier_detector(profile_table(rows), rows)
    >>> live = pa.table({"x": [0.3, 25.0, 0.1], "city": ["a", "b", "Atlantis"]})
    >>> detector.flag(detector.score(live)).tolist()
    [False, True, True]
    >>> OutlierDetector.from_bytes(detector.to_bytes()).threshold == detector.threshold
    True

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.data._codec import State, decode, encode
from driftline.data.errors import FormatError
from driftline.models.monitoring.outlier_bounds import ProfileBounds

if TYPE_CHECKING:
    import pyarrow as pa

    from driftline.data.profile import Profile
    from driftline.models.monitoring.outlier_forest import ForestScore

__all__ = [
    "DEFAULT_THRESHOLD",
    "FOREST_MARGIN",
    "HARD_SCORE",
    "OUTLIER_DETECTOR_KIND",
    "OUTLIER_METHODS",
    "PROFILE_MARGIN",
    "THRESHOLD_QUANTILE",
    "OutlierDetector",
    "fit_outlier_detector",
]

OUTLIER_METHODS = ("profile", "isolation_forest")
"""The outlier methods :func:`fit_outlier_detector` knows."""

OUTLIER_DETECTOR_KIND = "outlier_detector"
"""The kind of the container :meth:`OutlierDetector.to_bytes` writes."""

DEFAULT_THRESHOLD = 3.0
"""The profile method's threshold without training rows (interquartile ranges beyond the band)."""

HARD_SCORE = 10.0
"""The least score of an unseen category or a missing value where training had none."""

THRESHOLD_QUANTILE = 0.999
"""The quantile of the training rows' scores the threshold starts from."""

PROFILE_MARGIN = 0.5
"""Added to that quantile for the profile method (interquartile ranges)."""

FOREST_MARGIN = 0.05
"""Added to that quantile for the isolation forest (its scores lie in ``(0, 1]``)."""

_FORMAT = 1


@dataclass(frozen=True, eq=False)
class OutlierDetector:
    """Scores rows for how unusual they are; flags those above ``threshold``.

    Made by :func:`fit_outlier_detector` (see the module docstring).

    Attributes:
        method: ``"profile"`` or ``"isolation_forest"``.
        columns: the input columns it scores (model input names).
        threshold: a row is an outlier when its score is above it.
        hard_score: the profile's score of an unseen category or a missing value where training
            had none.
        scales: what the profile's and the forest's scores are divided by (their thresholds
            for the isolation forest method; ``(1.0, 1.0)`` for the profile method).
        notes: the columns left out, and why, one sentence each.

    """

    method: str
    columns: tuple[str, ...]
    threshold: float
    bounds: ProfileBounds = field(repr=False)
    forest: ForestScore | None = field(default=None, repr=False)
    hard_score: float = HARD_SCORE
    notes: tuple[str, ...] = ()
    scales: tuple[float, float] = (1.0, 1.0)

    def score(self, table: pa.Table | Mapping[str, Any]) -> np.ndarray[Any, Any]:
        """The score of each row (float64; higher is more unusual).

        ``table`` is a ``pyarrow.Table`` or a mapping of column name to values; columns it
        lacks count as missing.

        Raises:
            InputError: a scored numeric column holds values that are not numbers.

        """
        scores = self.bounds.score(table)
        if self.forest is not None:
            forest = self.forest.score(table, len(scores))
            scores = np.maximum(scores / self.scales[0], forest / self.scales[1])
        return np.asarray(scores, dtype=np.float64)

    def score_matrix(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The score of each row of a float64 matrix of :attr:`numeric` columns, in that order.

        The fast path for a model whose inputs are all numeric (no table is built); only for
        the profile method without categorical columns (:attr:`takes_matrix`).
        """
        return self.bounds.score_matrix(matrix)

    @property
    def numeric(self) -> tuple[str, ...]:
        """The numeric columns, in the order :meth:`score_matrix` takes them."""
        return self.bounds.numeric

    @property
    def takes_matrix(self) -> bool:
        """Whether :meth:`score_matrix` scores a row as :meth:`score` does."""
        return self.forest is None and not self.bounds.categorical

    def flag(self, scores: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Whether each score is above the threshold (NaN, a row not scored, is not)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(scores > self.threshold)

    def to_bytes(self) -> bytes:
        """The detector as bytes (no pickle); :meth:`from_bytes` reads them back."""
        state = State()
        meta: dict[str, Any] = {
            "format": _FORMAT,
            "method": self.method,
            "columns": list(self.columns),
            "notes": list(self.notes),
            "forest": None if self.forest is None else list(self.forest.columns),
        }
        meta["bounds"] = self.bounds.to_state(state)
        numbers = [self.threshold, self.hard_score, *self.scales]
        state.arrays["threshold"] = np.array(numbers, np.float64)
        if self.forest is not None:
            state.arrays["forest.fill"] = self.forest.fill
            state.arrays["forest.skops"] = np.frombuffer(self.forest.to_bytes(), np.uint8)
        state.meta = meta
        return encode(OUTLIER_DETECTOR_KIND, state)

    @classmethod
    def from_bytes(cls, data: bytes) -> OutlierDetector:
        """Read a detector written by :meth:`to_bytes`.

        Raises:
            IntegrityError: the bytes are not a detector, are corrupt, or hold a forest that
                names what driftline does not load (saying what).

        """
        try:
            state = decode(data, OUTLIER_DETECTOR_KIND)
            meta = state.meta
            if meta["format"] != _FORMAT:
                raise IntegrityError(
                    f"an outlier detector in format {meta['format']}; this driftline reads "
                    f"format {_FORMAT}"
                )
            threshold, hard, *scales = (float(v) for v in state.arrays["threshold"])
            if len(scales) != 2 or min(scales) <= 0:
                raise ValueError(f"scales must be two positive numbers, got {scales}")
            bounds = ProfileBounds.from_state(meta["bounds"], state, hard)
            forest = None
            if meta["forest"] is not None:
                from driftline.models.monitoring.outlier_forest import ForestScore

                forest = ForestScore.from_bytes(
                    state.arrays["forest.skops"].tobytes(),
                    [str(c) for c in meta["forest"]],
                    state.arrays["forest.fill"],
                )
            return cls(
                method=_method(meta["method"]),
                columns=tuple(str(c) for c in meta["columns"]),
                threshold=threshold,
                bounds=bounds,
                forest=forest,
                hard_score=hard,
                notes=tuple(str(n) for n in meta["notes"]),
                scales=(scales[0], scales[1]),
            )
        except (KeyError, TypeError, ValueError, FormatError, InputError) as exc:
            raise IntegrityError(f"corrupt outlier detector: {exc}") from exc


def _method(method: object) -> str:
    if method not in OUTLIER_METHODS:
        raise InputError(
            f"method must be one of {', '.join(map(repr, OUTLIER_METHODS))}, got {method!r}"
        )
    return str(method)


def fit_outlier_detector(
    profile: Profile,
    rows: pa.Table | None = None,
    *,
    method: str = "profile",
    columns: Sequence[str] | None = None,
    seed: int = 0,
) -> OutlierDetector:
    """Fit an outlier detector on a training profile (and, when given, its rows).

    Args:
        profile: the profile of the training rows.
        rows: the training rows: they set the threshold (see the module docstring); required
            for ``"isolation_forest"``.
        method: ``"profile"`` or ``"isolation_forest"``.
        columns: the input columns to score (default: every column of the profile).
        seed: seeds the isolation forest.

    Raises:
        InputError: an unknown method, a column the profile lacks, no rows for the isolation
            forest, or rows without a column to score (naming it).

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data.profiling import profile_table
        >>> train = pa.table({"x": [float(v) for v in range(100)]})
        >>> detector = fit_outlier_detector(profile_table(train))
        >>> detector.method, detector.columns, detector.threshold
        ('profile', ('x',), 3.0)
        >>> detector.score({"x": [50.0, 500.0]}).round(2).tolist()
        [0.0, 16.06]

    """
    method = _method(method)
    if isinstance(columns, str):
        raise InputError(f"columns must be a list of column names, got {columns!r}")
    names = list(profile.names if columns is None else columns)
    if method == "isolation_forest" and (rows is None or rows.num_rows < 2):
        raise InputError("the isolation_forest method needs the training rows (rows=...)")
    if rows is not None:
        missing = [n for n in names if n not in rows.column_names]
        if missing:
            raise InputError(f"the training rows have no column {missing[0]!r}")
    bounds, notes = ProfileBounds.fit(profile, names, hard=HARD_SCORE)
    forest = None
    if method == "isolation_forest" and rows is not None:
        if not bounds.numeric:
            raise InputError("the isolation_forest method needs a numeric column to score")
        from driftline.models.monitoring.outlier_forest import ForestScore

        forest = ForestScore.fit(rows, bounds.numeric, seed=seed)
    if rows is None or rows.num_rows == 0:
        return OutlierDetector(method, bounds.columns, DEFAULT_THRESHOLD, bounds, notes=notes)
    threshold = _threshold(bounds.score(rows), PROFILE_MARGIN)
    hard = max(HARD_SCORE, 2.0 * threshold)
    bounds = ProfileBounds(
        bounds.numeric, bounds.bounds, bounds.categorical, bounds.categories, bounds.required, hard
    )
    if forest is None:
        return OutlierDetector(method, bounds.columns, threshold, bounds, None, hard, notes)
    scales = (threshold, _threshold(forest.score(rows), FOREST_MARGIN))
    return OutlierDetector(method, bounds.columns, 1.0, bounds, forest, hard, notes, scales)


def _threshold(scores: np.ndarray[Any, Any], margin: float) -> float:
    """The :data:`THRESHOLD_QUANTILE` quantile of the training rows' scores, plus ``margin``."""
    return float(np.quantile(scores, THRESHOLD_QUANTILE)) + margin
