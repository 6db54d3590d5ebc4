"""The scikit-learn flavor: any estimator or Pipeline, saved with skops (no arbitrary pickle).

Loading never runs code a file names. Before skops builds anything, every node of the file's
``schema.json`` is checked (:mod:`~driftline.models.skops_audit`) against an allowlist of exact
names, one set per node kind (:mod:`~driftline.models.skops_allowlist`): scikit-learn's
estimators and the helper classes fitted estimators hold, built from their saved attributes;
builtin, numpy and scipy data types; numpy and ``scipy.special`` ufuncs, only referenced. A
node that would call a name with arguments from the file, a method or any other name is
refused with an :class:`~driftline.core.errors.IntegrityError` naming every such name. Classes
and functions of your own load only if you trust them (:mod:`~driftline.models.trust_rules`, or
``SklearnFlavor(trust=["package.module:name"])``). After loading, the model's decision trees
are checked (:func:`~driftline.models.tree_checks.check_trees`).

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

On numeric input the model server predicts through :meth:`SklearnFlavor.matrix_predictor`
(for models fitted on a matrix): the model gets a copy of the matrix, and scikit-learn's
finiteness checks, which cost tens of microseconds per call on small inputs, are skipped where
skipping cannot change the answer. The input is checked with ``np.isfinite`` first, and skipping
happens only for an estimator that holds no other estimator (its only such check is on its own
input) or a :class:`~sklearn.pipeline.Pipeline` of those, run step by step with each
intermediate result checked in turn. A NaN or an infinity in the input, and the model is called
as usual; in an intermediate result (or one that is not a numpy array), and the steps after it
run as usual, checks included: the answer, or the error, is exactly the usual one.

    >>> from driftline.models.signature import ColumnSpec, ModelSignature
    >>> signature = ModelSignature((ColumnSpec("x", "double"),), "float64", (None,))
    >>> fast = flavor.matrix_predictor(model, signature)
    >>> fast.predict(np.array([[2.0]])).round(6).tolist()
    [5.0]

"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.models.flavor import Flavor
from driftline.models.meta import ModelMeta, hash_files
from driftline.models.signature import ModelSignature, as_table, to_matrix
from driftline.models.trust_rules import check_spec

__all__ = ["SklearnFlavor", "SklearnMatrix", "untrusted_types"]

MODEL_FILE = "model.skops"
_SKOPS_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError, AttributeError)
_SKOPS_ERRORS += (IndexError, ImportError, OSError, RecursionError)


def untrusted_types(path: Path) -> list[str]:
    """The types named in the skops file at ``path`` that skops does not trust by default."""
    import skops.io as sio

    found: list[str] = sio.get_untrusted_types(file=path)
    return sorted(found)


class SklearnFlavor(Flavor):
    """Any scikit-learn estimator (a Pipeline carries its preprocessing), stored with skops."""

    name: ClassVar[str] = "sklearn"

    def __init__(self, trust: Iterable[str] = ()) -> None:
        """A flavor that also trusts ``trust`` (``"package.module:name"``) when it loads."""
        if isinstance(trust, str):
            raise InputError(f"trust takes a list of names, not the string {trust!r}")
        self.trust = tuple(sorted(check_spec(s, "a trusted skops name") for s in trust))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.trust)!r})" if self.trust else super().__repr__()

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
            raise InputError(f"the sklearn flavor cannot save {type(model).__qualname__}")
        sio.dump(model, Path(folder) / MODEL_FILE)
        versions = {"sklearn": sklearn.__version__, "skops": skops.__version__}
        versions["numpy"] = np.__version__
        return ModelMeta(self.name, files=hash_files(folder, [MODEL_FILE]), versions=versions)

    def load(self, folder: Path, meta: ModelMeta) -> Any:
        """Load ``model.skops`` if every name in it is allowed (see the module docstring).

        Raises:
            IntegrityError: the file names what is not allowed (every such name, and what
                loading would do with it), is not a skops file, or holds a malformed tree.

        """
        import skops.io as sio

        from driftline.models.skops_allowlist import skops_allowlist
        from driftline.models.skops_audit import audit_schema, read_schema
        from driftline.models.tree_checks import check_trees
        from driftline.models.trust_rules import resolve_skops, trusted_skops

        path = Path(folder) / MODEL_FILE
        schema = read_schema(path)
        audit = audit_schema(schema, skops_allowlist())
        if audit.refused and (specs := trusted_skops() | set(self.trust)):
            audit = audit_schema(schema, skops_allowlist(), resolve_skops(specs))
        if audit.refused:
            raise IntegrityError(
                f"{path} names what driftline does not load (nothing was built): "
                f"{'; '.join(audit.refused)}"
            )
        try:
            found = untrusted_types(path)
            unseen = sorted(set(found) - audit.accepted)
            if unseen:  # skops would import a name the audit did not see: refuse it
                raise IntegrityError(f"{path} names types driftline did not check: {unseen}")
            model = sio.load(path, trusted=found)
        except _SKOPS_ERRORS as exc:
            raise IntegrityError(f"{path} cannot be loaded: {exc}") from exc
        check_trees(model, str(path))
        return model

    def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """``model.predict`` on the input (a DataFrame if the model was fitted on named columns)."""
        return np.asarray(model.predict(self._features(model, data)))

    def predict_proba(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """``model.predict_proba``; an InputError if the estimator has none."""
        if not hasattr(model, "predict_proba"):
            raise InputError(f"{type(model).__qualname__} cannot predict probabilities")
        return np.asarray(model.predict_proba(self._features(model, data)))

    def matrix_predictor(self, model: Any, signature: ModelSignature) -> SklearnMatrix | None:
        """A predictor on numeric matrices in ``signature``'s column order, or ``None``.

        ``None`` when a column is not numeric, or when ``model`` was fitted on a DataFrame: it
        gets the DataFrame Arrow makes of the table, whose memory layout a DataFrame made of a
        matrix does not share, and floating-point sums in another order can differ in the last
        bit.
        """
        if signature.matrix_dtype is None or hasattr(model, "feature_names_in_"):
            return None
        return SklearnMatrix(model)

    @staticmethod
    def _features(model: Any, data: Any) -> Any:
        if hasattr(model, "feature_names_in_"):
            return as_table(data).to_pandas()
        return to_matrix(data)


def _all_finite(values: Any) -> bool:
    """Whether ``values`` is a numpy array of numbers without NaN or infinity."""
    if not isinstance(values, np.ndarray):
        return False
    kind = values.dtype.kind
    return kind in "biu" or (kind == "f" and bool(np.isfinite(values).all()))


def _holds_estimator(value: Any) -> bool:
    """Whether a parameter value is, or contains, an estimator."""
    if isinstance(value, list | tuple):
        return any(_holds_estimator(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_estimator(v) for v in value.values())
    if isinstance(value, type):
        return False
    return any(hasattr(value, verb) for verb in ("fit", "predict", "transform"))


def _is_simple(estimator: Any) -> bool:
    """Whether ``estimator`` holds no other estimator: its input is all it checks for finiteness."""
    try:
        params = estimator.get_params(deep=False)
    except Exception:
        return False
    return not any(_holds_estimator(v) for v in params.values())


def _finite_steps(model: Any) -> tuple[tuple[Any, ...], Any] | None:
    """The transformers and final estimator to run with finiteness checks off, if that is safe.

    A simple estimator is its own final step; a fitted :class:`~sklearn.pipeline.Pipeline` (the
    class itself) of simple steps gives its transformers (``None`` and ``"passthrough"`` skipped,
    as it skips them) and its final estimator. Anything else: ``None``.
    """
    from sklearn.pipeline import Pipeline

    if type(model) is not Pipeline:
        return ((), model) if _is_simple(model) else None
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        return None
    steps = [step for _, step in model.steps]
    transforms = tuple(s for s in steps[:-1] if s is not None and s != "passthrough")
    final = steps[-1]
    if final is None or final == "passthrough" or not all(map(_is_simple, (*transforms, final))):
        return None
    return transforms, final


class SklearnMatrix:
    """Predicts with a scikit-learn model on numeric matrices (a ``MatrixPredictor``).

    The model gets a C-ordered copy of the matrix, as :func:`to_matrix` would give it (an
    estimator may write into its input). See the module docstring for when scikit-learn's
    finiteness checks are skipped.
    """

    def __init__(self, model: Any) -> None:
        """A predictor for ``model`` (fitted on a matrix, not a DataFrame)."""
        self.model = model
        self.steps = _finite_steps(model)

    def predict(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """``model.predict`` on the matrix."""
        return np.asarray(self._call("predict", matrix))

    def predict_proba(self, matrix: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """``model.predict_proba`` on the matrix; an InputError if the estimator has none."""
        if not hasattr(self.model, "predict_proba"):
            raise InputError(f"{type(self.model).__qualname__} cannot predict probabilities")
        return np.asarray(self._call("predict_proba", matrix))

    def _call(self, method: str, matrix: np.ndarray[Any, Any]) -> Any:
        values = np.array(matrix, order="C")  # a copy, laid out as to_matrix lays it out
        if self.steps is None or not _all_finite(values):
            return getattr(self.model, method)(values)
        return self._run(method, values, *self.steps)

    @staticmethod
    def _run(method: str, values: Any, transforms: tuple[Any, ...], final: Any) -> Any:
        """Run the steps on finite ``values``, finiteness checks off while the inputs are finite."""
        import sklearn

        done = 0
        with sklearn.config_context(assume_finite=True):
            for step in transforms:
                values = step.transform(values)
                done += 1
                if not _all_finite(values):
                    break
            else:
                return getattr(final, method)(values)
        for step in transforms[done:]:  # after a result not shown finite: checks on
            values = step.transform(values)
        return getattr(final, method)(values)
