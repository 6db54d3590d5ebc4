"""The multivariate outlier score: scikit-learn's ``IsolationForest`` on the numeric inputs.

:class:`ForestScore` fits the forest on the numeric columns of the training rows (missing values
filled with each column's training median), and scores a row by how easily the forest isolates
it: ``-score_samples``, in ``(0, 1]``, about 0.5 for a usual row and near 1 for one far away.
It scores the numeric inputs together rather than one by one, at a cost: milliseconds a
request, where the profile's bounds cost microseconds. (It isolates a row far off in a single
input poorly when there are many inputs, which is why the detector also keeps the profile's
score.)

It is stored as a skops file, loaded through the scikit-learn flavor's checks (every name in the
file on an allowlist, every tree checked), never with pickle.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> rng = np.random.default_rng(0)
    >>> train = pa.table({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    >>> forest = ForestScore.fit(train, ["a", "b"], seed=0)
    >>> usual, far = forest.score(pa.table({"a": [0.0, 9.0], "b": [0.0, -9.0]}))
    >>> bool(usual < 0.55 < far)
    True
    >>> again = ForestScore.from_bytes(forest.to_bytes(), forest.columns, forest.fill)
    >>> bool(np.allclose(again.score(train), forest.score(train)))
    True

"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import IntegrityError
from driftline.models.monitoring.outlier_bounds import numeric_matrix

__all__ = ["ForestScore"]


@dataclass(frozen=True, eq=False)
class ForestScore:
    """A fitted ``IsolationForest`` over ``columns``, with the medians that fill missing values."""

    columns: tuple[str, ...]
    fill: np.ndarray[Any, Any]
    forest: Any

    @classmethod
    def fit(cls, rows: pa.Table, columns: Sequence[str], *, seed: int = 0) -> ForestScore:
        """Fit on the ``columns`` of ``rows`` (numeric), seeded."""
        from sklearn.ensemble import IsolationForest

        matrix = numeric_matrix(rows, columns, rows.num_rows)
        with np.errstate(all="ignore"):
            fill = np.nanmedian(matrix, axis=0) if len(matrix) else np.zeros(len(columns))
        fill = np.where(np.isfinite(fill), fill, 0.0)
        forest = IsolationForest(random_state=seed).fit(_filled(matrix, fill))
        return cls(tuple(columns), fill, forest)

    def score(self, data: pa.Table | Mapping[str, Any], rows: int | None = None) -> Any:
        """Each row's isolation score (higher: more unusual)."""
        if rows is None:
            rows = data.num_rows if isinstance(data, pa.Table) else len(next(iter(data.values())))
        if rows == 0:
            return np.zeros(0)
        matrix = _filled(numeric_matrix(data, self.columns, rows), self.fill)
        return -np.asarray(self.forest.score_samples(matrix), dtype=np.float64)

    def to_bytes(self) -> bytes:
        """The forest as the bytes of a skops file."""
        from driftline.models.sklearn_flavor import MODEL_FILE, SklearnFlavor

        with tempfile.TemporaryDirectory() as folder:
            SklearnFlavor().save(self.forest, Path(folder))
            return (Path(folder) / MODEL_FILE).read_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, columns: Sequence[str], fill: Any) -> ForestScore:
        """Load a forest written by :meth:`to_bytes`, through the scikit-learn flavor's checks.

        Raises:
            IntegrityError: the bytes name what driftline does not load, or are no forest.

        """
        from sklearn.ensemble import IsolationForest

        from driftline.models.meta import ModelMeta
        from driftline.models.sklearn_flavor import MODEL_FILE, SklearnFlavor

        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / MODEL_FILE).write_bytes(data)
            forest = SklearnFlavor().load(Path(folder), ModelMeta("sklearn"))
        if not isinstance(forest, IsolationForest):
            raise IntegrityError(f"the outlier forest is a {type(forest).__name__}")
        if getattr(forest, "n_features_in_", None) != len(columns):
            raise IntegrityError(f"the outlier forest does not take {len(columns)} columns")
        return cls(tuple(columns), np.asarray(fill, np.float64), forest)


def _filled(matrix: np.ndarray[Any, Any], fill: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``matrix`` with NaN replaced by ``fill`` and values clipped to what float32 holds."""
    out = np.where(np.isnan(matrix), fill, matrix)
    return np.clip(out, -1e38, 1e38)  # the forest works in float32
