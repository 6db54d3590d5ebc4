"""The model flavor: how one kind of model is saved to a folder, loaded back and asked to predict.

A :class:`Flavor` has a ``name`` and four verbs: :meth:`~Flavor.can_save`, :meth:`~Flavor.save`
(write files into a folder, return a :class:`~driftline.models.meta.ModelMeta`),
:meth:`~Flavor.load` and :meth:`~Flavor.predict`; :meth:`~Flavor.predict_proba` is optional.
``predict`` must work both on the model that was saved and on the one loaded back, so that
:func:`driftline.models.checks.check_flavor` can compare them. Third-party flavors subclass
:class:`Flavor` and run that check on their own models.

Examples:
    >>> from driftline.models.signature import to_matrix
    >>> class Constant(Flavor):
    ...     name = "constant"
    ...     def can_save(self, model): return isinstance(model, float)
    ...     def save(self, model, folder): return ModelMeta(self.name, params={"value": model})
    ...     def load(self, folder, meta): return float(meta.params["value"])
    ...     def predict(self, model, data): return np.full(len(to_matrix(data)), model)
    >>> flavor = Constant()
    >>> flavor.predict(1.5, np.zeros((2, 1))).tolist()
    [1.5, 1.5]
    >>> flavor.predict_proba(1.5, np.zeros((2, 1)))
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: the constant flavor cannot predict probabilities

"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from driftline.core.errors import InputError
from driftline.models.meta import ModelMeta

__all__ = ["Flavor"]


class Flavor(ABC):
    """Base class of model flavors (see the module docstring)."""

    name: ClassVar[str]
    """The flavor's name, recorded in ``model.json``."""

    exact: ClassVar[bool] = True
    """Whether a loaded model predicts exactly what the saved one did (``False``: allclose)."""

    @abstractmethod
    def can_save(self, model: Any) -> bool:
        """Whether this flavor can save ``model`` (must not import an optional library)."""

    @abstractmethod
    def save(self, model: Any, folder: Path) -> ModelMeta:
        """Write ``model`` into the existing empty ``folder``; return its metadata."""

    @abstractmethod
    def load(self, folder: Path, meta: ModelMeta) -> Any:
        """Load the model that :meth:`save` wrote into ``folder``."""

    @abstractmethod
    def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """Predict for ``data`` (a ``pyarrow.Table`` or a 2-D numpy array)."""

    def predict_proba(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """Class probabilities for ``data``, one column per class.

        Raises:
            InputError: this flavor or model cannot predict probabilities.

        """
        raise InputError(f"the {self.name} flavor cannot predict probabilities")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
