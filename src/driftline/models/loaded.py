"""A loaded model: the model object with its flavor and metadata, ready to predict on tables.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.dummy import DummyClassifier
    >>> from driftline.models.sklearn_flavor import SklearnFlavor
    >>> from driftline.models.meta import ModelMeta
    >>> from driftline.models.signature import infer_signature
    >>> sample = pa.table({"x": [0.0, 1.0]})
    >>> model = DummyClassifier(strategy="most_frequent").fit(np.zeros((3, 1)), [1, 1, 0])
    >>> meta = ModelMeta("sklearn", signature=infer_signature(sample, np.array([1, 1])))
    >>> loaded = LoadedModel(model, SklearnFlavor(), meta)
    >>> loaded.predict(sample).tolist(), loaded.predict_proba(sample).shape
    ([1, 1], (2, 2))
    >>> loaded.predict(pa.table({"y": [0.0]}))
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: input is missing column 'x' (double)

When every input column is numeric and the flavor can take a matrix (scikit-learn's does),
:attr:`LoadedModel.matrix_predictor` predicts on a 2-D numpy array in the signature's column
order, with the dtype :func:`~driftline.models.signature.to_matrix` gives: the same predictions
as on the table, without building one (the model server's fast path).

    >>> loaded.matrix_predictor.predict(np.array([[0.5], [2.0]])).tolist()
    [1, 1]

"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np

from driftline.models.flavor import Flavor
from driftline.models.meta import ModelMeta
from driftline.models.signature import ModelSignature, as_table, check_input

__all__ = ["LoadedModel", "MatrixPredictor"]


class MatrixPredictor(Protocol):
    """Predicts on a numeric matrix whose columns are the signature's, in order.

    The matrix has the dtype of :attr:`ModelSignature.matrix_dtype`; the predictions are those
    of :meth:`LoadedModel.predict` on the table holding the same values. The matrix is not
    changed.
    """

    def predict(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Predictions, as :meth:`LoadedModel.predict` gives them."""
        ...

    def predict_proba(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Class probabilities, as :meth:`LoadedModel.predict_proba` gives them."""
        ...


@runtime_checkable
class _TakesMatrices(Protocol):
    """A flavor that can predict on numeric matrices (see :class:`MatrixPredictor`)."""

    def matrix_predictor(self, model: Any, signature: ModelSignature) -> MatrixPredictor | None:
        """A predictor on matrices for ``model``, or ``None`` when it needs a table."""
        ...


@dataclass(frozen=True)
class LoadedModel:
    """A model with its :class:`~driftline.models.flavor.Flavor` and :class:`ModelMeta`.

    ``predict`` and ``predict_proba`` check the input against the signature (when one was saved)
    and put its columns in the signature's order before the flavor sees them.
    """

    model: Any
    flavor: Flavor
    meta: ModelMeta

    @property
    def signature(self) -> ModelSignature | None:
        """The signature saved with the model, if a sample was given."""
        return self.meta.signature

    @cached_property
    def matrix_predictor(self) -> MatrixPredictor | None:
        """How to predict on a numeric matrix in the signature's column order, if the flavor can.

        ``None`` without a signature, when a column is not numeric, or when the flavor (or this
        model) needs a table. Worked out once per loaded model.
        """
        signature = self.signature
        if signature is None or signature.matrix_dtype is None:
            return None
        if not isinstance(self.flavor, _TakesMatrices):
            return None
        return self.flavor.matrix_predictor(self.model, signature)

    def _checked(self, data: Any) -> Any:
        if self.signature is None:
            return data
        check_input(self.signature, data)
        table = as_table(data)
        names = list(self.signature.column_names)
        return table if table.column_names == names else table.select(names)

    def predict(self, data: Any) -> np.ndarray[Any, Any]:
        """Predictions for ``data`` (a ``pyarrow.Table`` or 2-D array).

        Raises:
            InputError: ``data`` does not match the signature (naming the column).

        """
        return self.flavor.predict(self.model, self._checked(data))

    def predict_proba(self, data: Any) -> np.ndarray[Any, Any]:
        """Class probabilities for ``data``, one column per class.

        Raises:
            InputError: ``data`` does not match the signature, or the model has no probabilities.

        """
        return self.flavor.predict_proba(self.model, self._checked(data))
