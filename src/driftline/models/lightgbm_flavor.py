"""The LightGBM flavor: a ``Booster`` or an ``LGBMClassifier``/``LGBMRegressor``, saved as text.

The model is written in LightGBM's own text format (``booster.save_model``) and loaded back as a
``lightgbm.Booster``. A classifier's classes are kept in the metadata, and the loaded model is a
:class:`LightGBMModel` whose predictions are labels (and probabilities with ``predict_proba``),
as the classifier's were.

The format holds numbers and names only, and nothing in it is evaluated. Its trees are checked
before LightGBM parses them (:mod:`~driftline.models.lightgbm_checks`): LightGBM trusts them,
and a crafted file could otherwise abort or hang the process.

Examples:
    >>> flavor = LightGBMFlavor()
    >>> flavor.name, flavor.can_save(object())
    ('lightgbm', False)

"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.models.flavor import Flavor
from driftline.models.meta import META_FILE, ModelMeta, hash_files
from driftline.models.signature import to_matrix

__all__ = ["LightGBMFlavor", "LightGBMModel"]

MODEL_FILE = "model.txt"


@dataclass(frozen=True)
class LightGBMModel:
    """A loaded LightGBM model: the ``Booster``, and a classifier's classes (``None`` otherwise).

    Examples:
        >>> LightGBMModel(booster=None, classes=None).is_classifier
        False

    """

    booster: Any
    classes: tuple[Any, ...] | None

    @property
    def is_classifier(self) -> bool:
        """Whether predictions are labels out of ``classes``."""
        return self.classes is not None


def _probabilities(raw: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim == 1:  # binary: the probability of the second class
        return np.column_stack([1.0 - raw, raw])
    return raw


class LightGBMFlavor(Flavor):
    """LightGBM boosters and scikit-learn wrappers, stored in LightGBM's text model format."""

    name: ClassVar[str] = "lightgbm"

    def can_save(self, model: Any) -> bool:
        """Whether ``model`` is a LightGBM Booster or model (only if lightgbm is imported)."""
        if "lightgbm" not in sys.modules:
            return False
        import lightgbm

        return isinstance(model, lightgbm.Booster | lightgbm.LGBMModel | LightGBMModel)

    def save(self, model: Any, folder: Path) -> ModelMeta:
        """Write ``model.txt``; a classifier's classes go in the metadata."""
        import lightgbm

        if not self.can_save(model):
            raise InputError(f"the lightgbm flavor cannot save {type(model).__qualname__}")
        classes: list[Any] | None = None
        if isinstance(model, LightGBMModel):
            booster = model.booster
            classes = None if model.classes is None else list(model.classes)
        elif isinstance(model, lightgbm.LGBMModel):
            booster = model.booster_
            if isinstance(model, lightgbm.LGBMClassifier):
                classes = np.asarray(model.classes_).tolist()
        else:
            booster = model
        booster.save_model(str(Path(folder) / MODEL_FILE))
        return ModelMeta(
            self.name,
            files=hash_files(folder, [MODEL_FILE]),
            versions={"lightgbm": lightgbm.__version__, "numpy": np.__version__},
            params={"classes": classes},
        )

    def load(self, folder: Path, meta: ModelMeta) -> LightGBMModel:
        """Check ``model.txt``, load it into a ``Booster`` wrapped with the recorded classes.

        Raises:
            IntegrityError: the file is malformed (naming the tree and the problem), LightGBM
                cannot parse it, or the recorded classes are not a list.

        """
        import lightgbm

        from driftline.models.lightgbm_checks import check_model_text

        path = Path(folder) / MODEL_FILE
        classes = meta.params.get("classes")
        if classes is not None and not isinstance(classes, list):
            raise IntegrityError(f"{Path(folder) / META_FILE} must record the classes as a list")
        check_model_text(path)
        try:
            booster = lightgbm.Booster(model_file=str(path))
        except (lightgbm.basic.LightGBMError, ValueError) as exc:
            raise IntegrityError(f"{path} cannot be loaded: {exc}") from exc
        return LightGBMModel(booster, None if classes is None else tuple(classes))

    def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """Labels for a classifier, the booster's raw predictions otherwise."""
        matrix = to_matrix(data)
        if isinstance(model, LightGBMModel):
            if model.classes is None:
                return np.asarray(model.booster.predict(matrix))
            proba = _probabilities(model.booster.predict(matrix))
            return np.asarray(np.asarray(model.classes)[np.argmax(proba, axis=1)])
        return np.asarray(model.predict(matrix))

    def predict_proba(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """Class probabilities (one column per class) of a classifier.

        Raises:
            InputError: the model is not a classifier.

        """
        matrix = to_matrix(data)
        if isinstance(model, LightGBMModel) and model.is_classifier:
            return _probabilities(model.booster.predict(matrix))
        if hasattr(model, "predict_proba"):
            return np.asarray(model.predict_proba(matrix))
        raise InputError(f"{type(model).__qualname__} is not a classifier: no probabilities")
