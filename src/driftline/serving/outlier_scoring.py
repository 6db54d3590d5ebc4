"""Outlier scores of the rows a served version answers: :class:`OutlierScorer`.

A served version whose monitor reference holds an outlier detector
(:class:`~driftline.models.monitoring.outliers.OutlierDetector`) scores every request's rows
with it. What a request needs is worked out once, when the version is loaded: for a model whose
inputs are all numeric and a detector that scores them one by one, the positions of the
detector's columns in the request's matrix, so a request is scored on the matrix it was decoded
into (no table is built, a handful of numpy operations); any other model is scored on its input
table.

Scoring never fails a request: an error gives every row a NaN score (logged as null) and a
``False`` flag, and is counted (``driftline_outlier_scoring_errors_total`` on ``/metrics``).

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.dummy import DummyClassifier
    >>> from driftline.data.profiling import profile_table
    >>> from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
    >>> from driftline.models.monitoring.outliers import fit_outlier_detector
    >>> from driftline.serving.spec import ModelSpec
    >>> train = pa.table({"x": np.linspace(0.0, 1.0, 101)})
    >>> fitted = DummyClassifier().fit(np.zeros((2, 1)), [0, 1])
    >>> meta = ModelMeta("sklearn", signature=infer_signature(train, np.array([0])))
    >>> spec = ModelSpec.of("m", 1, LoadedModel(fitted, SklearnFlavor(), meta))
    >>> scorer = OutlierScorer(fit_outlier_detector(profile_table(train)), spec)
    >>> found = scorer.score(spec.batch({"x": np.array([0.5, 9.0])}))
    >>> found.flags.tolist(), found.failed
    ([False, True], False)

"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from driftline.models.monitoring.outliers import OutlierDetector
    from driftline.serving.spec import InputBatch, ModelSpec

__all__ = ["OUTLIER", "OUTLIERS_PARAMETER", "OUTLIER_SCORE", "OutlierScorer", "Outliers"]

log = logging.getLogger("driftline.serving")

OUTLIERS_PARAMETER = "outliers"
"""The request parameter (OIP ``parameters``, MLflow ``params``) asking for the outlier outputs."""

OUTLIER_SCORE = "outlier_score"
"""The OIP output tensor of the rows' outlier scores (FP64)."""

OUTLIER = "outlier"
"""The OIP output tensor of the rows' outlier flags (BOOL)."""


@dataclass(frozen=True)
class Outliers:
    """One request's outlier scores and flags (``failed``: scoring raised; NaN and False)."""

    scores: np.ndarray[Any, Any]
    flags: np.ndarray[Any, Any]
    failed: bool = False


class OutlierScorer:
    """Scores a served version's requests with its detector (see the module docstring).

    Args:
        detector: the version's outlier detector.
        spec: the served version's spec (its input columns, in the order requests decode).

    """

    __slots__ = ("_columns", "_spec", "detector", "threshold")

    def __init__(self, detector: OutlierDetector, spec: ModelSpec) -> None:
        self.detector = detector
        self.threshold = float(detector.threshold)
        self._spec = spec
        self._columns: Any = None  # positions in the request matrix; None: score the table
        if spec.takes_matrix and detector.takes_matrix:
            positions = {name: j for j, name in enumerate(spec.column_names)}
            if all(name in positions for name in detector.numeric):
                columns = [positions[name] for name in detector.numeric]
                whole = columns == list(range(len(positions)))
                self._columns = slice(None) if whole else np.array(columns, dtype=np.intp)

    @property
    def on_matrix(self) -> bool:
        """Whether requests decoded into a matrix are scored on it (no table built)."""
        return self._columns is not None

    def score(self, batch: InputBatch) -> Outliers:
        """The scores and flags of ``batch``'s rows; never raises (see the module docstring)."""
        try:
            matrix = batch.matrix if batch.spec is self._spec else None
            if self._columns is not None and matrix is not None:
                values = matrix[:, self._columns]
                if values.dtype != np.float64:
                    values = values.astype(np.float64)
                scores = self.detector.score_matrix(values)
            else:
                scores = self.detector.score(batch.table)
            return Outliers(scores, scores > self.threshold)
        except Exception:  # scoring must never fail a request
            log.exception("outlier scoring failed for model %r", self._spec.name)
            rows = batch.num_rows
            return Outliers(np.full(rows, np.nan), np.zeros(rows, dtype=bool), failed=True)
