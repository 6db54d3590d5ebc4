"""The scikit-learn flavour: any estimator or Pipeline, saved with skops (no arbitrary pickle).

Loading never runs arbitrary code: the types a skops file names are listed first
(``skops.io.get_untrusted_types``) and each must belong to scikit-learn, numpy or scipy (the
:data:`ALLOWED_MODULES`); any other type is refused with an
:class:`~driftline.core.errors.InputError` naming it.

Examples:
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit(np.array([[0.0], [1.0]]), np.array([1.0, 3.0]))
    >>> flavor = SklearnFlavor()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     meta = flavor.save(model, Path(tmp))
    ...     loaded = flavor.load(Path(tmp), meta)
    >>> sorted(meta.files), flavor.predict(loaded, np.array([[2.0]])).round(6).tolist()
    (['model.skops'], [5.0])

"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.models.flavor import Flavor
from driftline.models.meta import ModelMeta, hash_files
from driftline.models.signature import as_table, to_matrix

__all__ = ["ALLOWED_MODULES", "SklearnFlavor", "untrusted_types"]

ALLOWED_MODULES: frozenset[str] = frozenset({"sklearn", "numpy", "scipy"})
"""Top-level packages whose types a skops file may name."""

MODEL_FILE = "model.skops"


def untrusted_types(path: Path) -> list[str]:
    """The types named in the skops file at ``path`` that skops does not trust by default."""
    import skops.io as sio

    found: list[str] = sio.get_untrusted_types(file=path)
    return sorted(found)


class SklearnFlavor(Flavor):
    """Any scikit-learn estimator (a Pipeline carries its preprocessing), stored with skops."""

    name: ClassVar[str] = "sklearn"

    def can_save(self, model: Any) -> bool:
        """Whether ``model`` is a scikit-learn estimator (only if scikit-learn is imported)."""
        if "sklearn" not in sys.modules:
            return False
        from sklearn.base import BaseEstimator

        return isinstance(model, BaseEstimator)

    def save(self, model: Any, folder: Path) -> ModelMeta:
        """Write ``model.skops`` with ``skops.io.dump``."""
        import sklearn
        import skops
        import skops.io as sio

        if not self.can_save(model):
            raise InputError(f"the sklearn flavour cannot save {type(model).__qualname__}")
        sio.dump(model, Path(folder) / MODEL_FILE)
        versions = {"sklearn": sklearn.__version__, "skops": skops.__version__}
        versions["numpy"] = np.__version__
        return ModelMeta(self.name, files=hash_files(folder, [MODEL_FILE]), versions=versions)

    def load(self, folder: Path, meta: ModelMeta) -> Any:
        """Load ``model.skops``, trusting only types of :data:`ALLOWED_MODULES`.

        Raises:
            IntegrityError: the file names a type outside the allowlist (naming every such type).

        """
        import skops.io as sio

        path = Path(folder) / MODEL_FILE
        found = untrusted_types(path)
        refused = [t for t in found if t.split(".", 1)[0] not in ALLOWED_MODULES]
        if refused:
            raise IntegrityError(
                f"{path} names types that driftline does not trust: {', '.join(refused)}"
            )
        return sio.load(path, trusted=found)

    def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """``model.predict`` on the input (a DataFrame if the model was fitted on named columns)."""
        return np.asarray(model.predict(self._features(model, data)))

    def predict_proba(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """``model.predict_proba``; an InputError if the estimator has none."""
        if not hasattr(model, "predict_proba"):
            raise InputError(f"{type(model).__qualname__} cannot predict probabilities")
        return np.asarray(model.predict_proba(self._features(model, data)))

    @staticmethod
    def _features(model: Any, data: Any) -> Any:
        if hasattr(model, "feature_names_in_"):
            return as_table(data).to_pandas()
        return to_matrix(data)
