"""A loaded model: the model object with its flavour and metadata, ready to predict on tables.

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

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from driftline.models.flavor import Flavor
from driftline.models.meta import ModelMeta
from driftline.models.signature import ModelSignature, as_table, check_input

__all__ = ["LoadedModel"]


@dataclass(frozen=True)
class LoadedModel:
    """A model with its :class:`~driftline.models.flavor.Flavor` and :class:`ModelMeta`.

    ``predict`` and ``predict_proba`` check the input against the signature (when one was saved)
    and put its columns in the signature's order before the flavour sees them.
    """

    model: Any
    flavor: Flavor
    meta: ModelMeta

    @property
    def signature(self) -> ModelSignature | None:
        """The signature saved with the model, if a sample was given."""
        return self.meta.signature

    def _checked(self, data: Any) -> Any:
        if self.signature is None:
            return data
        check_input(self.signature, data)
        return as_table(data).select(list(self.signature.column_names))

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
