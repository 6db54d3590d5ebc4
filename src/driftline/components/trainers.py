"""Trainers: turning a trainer spec into a fitted model, and a table into features and target.

A trainer spec is one of

* ``"sklearn:NAME"`` — a scikit-learn estimator by class name (``HistGradientBoostingClassifier``,
  ``LogisticRegression``, ``RandomForestRegressor``...). It is wrapped in a ``Pipeline`` whose
  first stage ordinal-encodes the text columns, so the preprocessing travels inside the model.
* ``"lightgbm:NAME"`` — ``LGBMClassifier`` or ``LGBMRegressor`` (numeric features only), saved
  in LightGBM's own format.
* ``"package.module:function"`` or ``"path/to/file.py:function"`` — your function
  ``function(features: pyarrow.Table, target: numpy.ndarray, **params) -> model``, returning any
  model a flavor can save (scikit-learn, LightGBM, a torch module).

``params`` are passed to the estimator's constructor (or to your function); ``seed`` becomes
``random_state`` when the estimator has one.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from driftline.core.errors import InputError
from driftline.data.profile import listing

__all__ = ["DEFAULT_TRAINER", "check_trainer", "fit_trainer", "split_features", "text_columns"]

DEFAULT_TRAINER = "sklearn:HistGradientBoostingClassifier"
"""The trainer used when none is named."""


def _is_temporal(arrow_type: Any) -> bool:
    import pyarrow as pa

    t = arrow_type
    return bool(pa.types.is_temporal(t))


def text_columns(table: Any) -> list[str]:
    """The string and dictionary columns of ``table``."""
    import pyarrow as pa

    return [
        f.name
        for f in table.schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_dictionary(f.type)
    ]


def split_features(table: Any, label: str | None, exclude: Sequence[str] = ()) -> tuple[Any, Any]:
    """``(features, target)``: every column but the label, ``exclude`` and date/time columns.

    Raises:
        InputError: no label, or a label or excluded column that does not exist (listing the
            columns), or no feature left.

    """
    names = list(table.column_names)
    if label is None:
        raise InputError(
            "the spans have no label column: ingest them with --label COLUMN (or label=...)"
        )
    for name in [label, *exclude]:
        if name not in names:
            raise InputError(f"column {name!r} does not exist; columns: {listing(names)}")
    dropped = {label, *exclude}
    keep = [f.name for f in table.schema if f.name not in dropped and not _is_temporal(f.type)]
    if not keep:
        raise InputError(f"no feature column is left after dropping {sorted(dropped)}")
    target = table.column(label).to_numpy(zero_copy_only=False)
    return table.select(keep), target


_ESTIMATORS_LOCK = threading.Lock()


def _estimators() -> dict[str, type]:
    # all_estimators() imports every scikit-learn module: two threads importing them at once
    # race inside scikit-learn (a KeyError from a half-imported module), so one thread does it.
    with _ESTIMATORS_LOCK:
        return _estimators_once()


@functools.cache
def _estimators_once() -> dict[str, type]:
    from sklearn.utils import all_estimators

    return dict(all_estimators())


_COMMON_MODULES = ("linear_model", "ensemble", "tree", "svm", "neighbors", "naive_bayes")


def _common_class(name: str) -> type | None:
    """``name`` from scikit-learn's most used modules (cheap: no import of every module)."""
    from sklearn.base import BaseEstimator

    for module in _COMMON_MODULES:
        found = getattr(importlib.import_module(f"sklearn.{module}"), name, None)
        if isinstance(found, type) and issubclass(found, BaseEstimator):
            return found
    return None


def _sklearn_class(name: str) -> type:
    common = _common_class(name) if name[:1].isupper() else None
    if common is not None:
        return common
    found = _estimators()
    if name not in found:
        import difflib

        close = sorted(n for n in found if name.lower() in n.lower())[:8]
        close += [n for n in difflib.get_close_matches(name, found, n=3) if n not in close]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError(f"scikit-learn has no estimator {name!r}{hint}")
    cls: type = found[name]
    return cls


def _with_seed(cls: type, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    import inspect

    out = dict(params)
    if "random_state" in inspect.signature(cls).parameters and "random_state" not in out:
        out["random_state"] = seed
    return out


def _construct(cls: type, params: Mapping[str, Any], seed: int, spec: str) -> Any:
    try:
        return cls(**_with_seed(cls, params, seed))
    except TypeError as exc:
        raise InputError(f"trainer {spec!r}: bad trainer_params {dict(params)}: {exc}") from exc


def _fit_sklearn(
    name: str, features: Any, target: Any, params: Mapping[str, Any], seed: int
) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from driftline.models.signature import to_matrix

    estimator = _construct(_sklearn_class(name), params, seed, f"sklearn:{name}")
    text = text_columns(features)
    model: Any = estimator
    if text:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
        )
        encode = ColumnTransformer(
            [("text", encoder, text)], remainder="passthrough", verbose_feature_names_out=False
        )
        model = Pipeline([("encode", encode), ("model", estimator)])
    # numeric columns fit as a matrix: no pandas needed (a plain install has none)
    return model.fit(features.to_pandas() if text else to_matrix(features), target)


def _fit_lightgbm(
    name: str, features: Any, target: Any, params: Mapping[str, Any], seed: int, *, fit: bool = True
) -> Any:
    from driftline.models.signature import to_matrix

    try:
        import lightgbm
    except ImportError:
        raise InputError(
            "trainer 'lightgbm:...' needs LightGBM: pip install 'driftline[lightgbm]'"
        ) from None
    if name not in ("LGBMClassifier", "LGBMRegressor"):
        raise InputError(f"LightGBM trainers are LGBMClassifier and LGBMRegressor, not {name!r}")
    text = text_columns(features) if fit else []
    if text:
        raise InputError(
            f"LightGBM trainers take numeric features only; {text[0]!r} is text (exclude it, or "
            f"use sklearn:HistGradientBoostingClassifier, which encodes text columns)"
        )
    params = {"verbose": -1, **params}
    estimator = _construct(getattr(lightgbm, name), params, seed, f"lightgbm:{name}")
    if not fit:
        return estimator
    return estimator.fit(to_matrix(features, np.float64), target)


def _user_function(spec: str) -> Callable[..., Any]:
    where, _, name = spec.rpartition(":")
    if where.endswith(".py"):
        from driftline.pipeline.loading import import_file

        module: Any = import_file(where, "trainer file")
    else:
        try:
            module = importlib.import_module(where)
        except (ImportError, ValueError, TypeError) as exc:  # bad names are Value/TypeError
            raise InputError(f"trainer {spec!r}: cannot import {where!r}: {exc}") from exc
    fn = getattr(module, name, None)
    if not callable(fn):
        raise InputError(f"trainer {spec!r}: {where!r} has no function {name!r}")
    return fn  # type: ignore[no-any-return]


def _parse_spec(spec: str) -> tuple[str, str]:
    kind, colon, name = spec.partition(":")
    if not colon or not name or not kind:
        raise InputError(
            f"trainer {spec!r} must be 'sklearn:NAME', 'lightgbm:NAME', 'module:function' or "
            f"'file.py:function'"
        )
    return kind, name


def _check_sklearn(name: str, params: Mapping[str, Any]) -> None:
    cls = _sklearn_class(name)
    if not callable(getattr(cls, "predict", None)):
        raise InputError(f"scikit-learn's {name} is not a model: it has no predict method")
    estimator = _construct(cls, params, 0, f"sklearn:{name}")
    validate = getattr(estimator, "_validate_params", None)  # scikit-learn >= 1.2
    if callable(validate):
        try:
            validate()
        except (TypeError, ValueError) as exc:
            raise InputError(f"trainer 'sklearn:{name}': bad trainer_params: {exc}") from None


def check_trainer(spec: str, params: Mapping[str, Any] | None = None) -> None:
    """Check that ``spec`` resolves and takes ``params``, without fitting anything.

    A scikit-learn estimator is constructed with ``params`` and checked against the types and
    ranges it declares (so ``C = "lots"`` is refused here, not at fit); a LightGBM estimator is
    constructed; a function is imported and ``params`` must fit its keyword parameters.

    Raises:
        InputError: a malformed spec, an unknown estimator or function, bad parameters (named).

    Examples:
        >>> check_trainer("sklearn:LogisticRegression", {"C": 0.5})
        >>> check_trainer("sklearn:LogisticRegression", {"C": "lots"})
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: trainer 'sklearn:LogisticRegression': bad \
trainer_params: The 'C' parameter of LogisticRegression must be a float in the range (0.0, \
inf]. Got 'lots' instead.

    """
    import inspect

    params = dict(params or {})
    kind, name = _parse_spec(spec)
    if kind == "sklearn":
        _check_sklearn(name, params)
        return
    if kind == "lightgbm":
        _fit_lightgbm(name, None, None, params, 0, fit=False)
        return
    fn = _user_function(spec)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        return
    try:
        signature.bind(None, None, **params)
    except TypeError as exc:
        raise InputError(
            f"trainer {spec!r}: bad trainer_params {params}: {exc} (it is called as "
            f"{name}(features, target, **trainer_params))"
        ) from None


def fit_trainer(
    spec: str, features: Any, target: Any, params: Mapping[str, Any] | None = None, seed: int = 0
) -> Any:
    """Fit the trainer ``spec`` (see the module docstring) on ``features`` and ``target``.

    Raises:
        InputError: a malformed spec, an unknown estimator, bad parameters (each named).

    """
    params = dict(params or {})
    kind, name = _parse_spec(spec)
    if kind == "sklearn":
        return _fit_sklearn(name, features, target, params, seed)
    if kind == "lightgbm":
        return _fit_lightgbm(name, features, target, params, seed)
    fn = _user_function(spec)
    return fn(features, target, **params)
