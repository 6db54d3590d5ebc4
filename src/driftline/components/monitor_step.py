"""The ``monitor_reference`` step: what the monitor needs of a version, fitted at training time.

After ``evaluate``, on the same rows (the eval part of the newest span), it fits a
:class:`~driftline.models.monitoring.reference.MonitorReference`:

* the outlier detector (``outliers="profile"``, the default: a per-row score from the training
  profile; ``"isolation_forest"``: scikit-learn's multivariate detector; ``"off"``: none), its
  threshold set on a seeded sample of ``outlier_rows`` training rows;
* the calibration of the model's probabilities on the evaluation rows (the label-free accuracy
  estimate, CBPE); a model without probabilities, or a regression model, gets none;
* the permutation importance of each input on the evaluation rows (``importance_repeats``
  shuffles per column);
* the profile of the model's predictions on those rows (the reference for output drift).

A monitoring part that cannot be fitted never fails the run: it is left out, and the reference's
``notes`` say what and why, once. ``push`` registers the reference with the version.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from driftline.components.trainers import split_features
from driftline.core.errors import DriftlineError, InputError
from driftline.data.artifact_types import DataProfile, Spans
from driftline.data.profile import Profile
from driftline.models.artifact import Model
from driftline.models.loaded import LoadedModel
from driftline.models.monitoring.calibration import Calibration, fit_calibration
from driftline.models.monitoring.importance import is_regression, permutation_importance
from driftline.models.monitoring.reference import MonitorReference, MonitorReferenceResult
from driftline.pipeline import step

__all__ = ["model_classes", "monitor_reference"]

OutlierMethod = Literal["profile", "isolation_forest", "off"]


def model_classes(model: LoadedModel) -> tuple[Any, ...] | None:
    """The classes of a classifier, in the order of its probability columns (``None``: unknown).

    Examples:
        >>> from types import SimpleNamespace
        >>> model_classes(SimpleNamespace(model=SimpleNamespace(classes_=[0, 1])))
        (0, 1)
        >>> model_classes(SimpleNamespace(model=object())) is None
        True

    """
    for name in ("classes_", "classes"):
        found = getattr(model.model, name, None)
        if found is not None and not callable(found):
            return tuple(np.asarray(found).tolist())
    return None


def _probabilities(model: LoadedModel, features: Any) -> tuple[Any | None, str]:
    """The model's class probabilities on ``features``, or ``None`` and why not."""
    try:
        return model.predict_proba(features), ""
    except (InputError, NotImplementedError, AttributeError) as exc:
        return None, f"the model gives no probabilities ({exc}): no label-free accuracy estimate"


def _calibration(
    model: LoadedModel, features: Any, truth: np.ndarray[Any, Any]
) -> tuple[Calibration | None, str]:
    if is_regression(truth):
        return None, "a regression model: no label-free accuracy estimate (it needs probabilities)"
    probabilities, why = _probabilities(model, features)
    if probabilities is None:
        return None, why
    classes = model_classes(model)
    if classes is None or len(classes) != np.asarray(probabilities).shape[-1]:
        return None, "the model's classes are unknown: no label-free accuracy estimate"
    try:
        return fit_calibration(probabilities, truth, classes), ""
    except DriftlineError as exc:
        return None, f"no calibration could be fitted: {exc}"


def _prediction_profile(predicted: np.ndarray[Any, Any]) -> tuple[Profile, str]:
    import pyarrow as pa

    from driftline.data.profiling import profile_table

    values, note = np.asarray(predicted), ""
    if values.ndim > 1:
        note = f"the predictions are {values.shape[1]} values a row: only the first is profiled"
        values = values.reshape(len(values), -1)[:, 0]
    return profile_table(pa.table({"prediction": values})), note


def _detector(
    method: OutlierMethod,
    profile: Profile,
    spans: Spans,
    features: list[str],
    rows: int,
    seed: int,
) -> tuple[Any, str]:
    if method == "off":
        return None, ""
    try:
        import pyarrow as pa

        from driftline.models.monitoring.outliers import fit_outlier_detector

        train = spans.table("train")
        train = train.select([c for c in features if c in train.column_names])
        if train.num_rows > rows:
            rng = np.random.default_rng(seed)
            keep = np.sort(rng.choice(train.num_rows, size=rows, replace=False))
            train = train.take(pa.array(keep))
        found = fit_outlier_detector(profile, train, method=method, columns=features, seed=seed)
        return found, ""
    except (DriftlineError, ImportError) as exc:
        return None, f"no outlier detector ({method}) could be fitted: {exc}"


@step(name="monitor_reference")
def monitor_reference(
    model: Model,
    spans: Spans,
    profile: DataProfile,
    outliers: OutlierMethod = "profile",
    outlier_rows: int = 10_000,
    importance_repeats: int = 3,
    seed: int = 0,
) -> MonitorReferenceResult:
    """Fit the version's monitor reference on the evaluation rows (see the module docstring)."""
    if outlier_rows < 1:
        raise InputError(f"outlier_rows must be at least 1, got {outlier_rows}")
    if importance_repeats < 1:
        raise InputError(f"importance_repeats must be at least 1, got {importance_repeats}")
    notes: list[str] = []
    table = spans.table("eval", latest_only=True)
    if table.num_rows == 0:
        notes.append(
            f"span {spans.latest.number} has no evaluation rows: fitted on its training rows, "
            "so the estimates are optimistic"
        )
        table = spans.table("train", latest_only=True)
    features, truth = split_features(table, spans.label)
    if model.signature is not None:
        features = features.select(
            [c for c in model.signature.column_names if c in features.column_names]
        )
    predictions, note = _prediction_profile(model.predict(features))
    calibration, why = _calibration(model, features, truth)
    try:
        importance = permutation_importance(
            model, features, truth, repeats=importance_repeats, seed=seed
        )
    except DriftlineError as exc:
        importance, why_not = {}, f"no permutation importance: {exc}"
        notes.append(why_not)
    names = list(model.signature.column_names if model.signature else features.column_names)
    detector, missing = _detector(outliers, profile, spans, names, outlier_rows, seed)
    notes.extend(n for n in (note, why, missing) if n)
    return MonitorReference(
        features=tuple(names),
        outliers=detector,
        calibration=calibration,
        importance=importance,
        predictions=predictions,
        eval_rows=table.num_rows,
        notes=tuple(notes),
    )
