"""The standard steps, and the standard training pipeline built from them.

Importing this package is cheap; the steps load on first use (``driftline.steps`` is this
package).

=========================  ====================================================================
:data:`ingest`             (driver) ingest ``source`` as the next span, idempotently; the window
:data:`window`             (driver) the last ``spans`` spans of ``dataset``
:data:`schema`             (driver) the dataset's schema (inferred and saved on first use)
:data:`validate`           the newest span against the schema; stops the run on blocking anomalies
:data:`profile`            the merged profile of the validated spans (the training profile)
:data:`train`              a scikit-learn, LightGBM or your own trainer on the validated spans
:data:`tune`               Optuna search over trainer parameters; every trial recorded
:data:`champion`           (driver) the version the ``champion`` alias points at, by reference
:data:`evaluate`           challenger vs champion on the same rows, overall and per slice: blessed?
:data:`monitor_reference` the version's outlier detector, calibration, importance (monitor)
:data:`infra_validate`     load in a fresh process, score sample rows, time single-row calls
:data:`push`               (driver) register a blessed model and point ``champion`` at it
                           (or leave it to a rollout); its result is a :class:`PushResult`
:data:`push_monitored`     ``push`` that also registers the ``monitor_reference`` (standard)
:func:`standard_pipeline`  the steps above as one pipeline
:func:`batch_pipeline`     new files → batch predictions → performance → the next span
                           (:mod:`.batch`: ``new_files``, ``batch_predict``, ``performance``,
                           ``prepare_span``)
:func:`model_with_signature`  for your own train step: the model with a signature from a sample
=========================  ====================================================================

Examples:
    >>> from driftline import steps
    >>> steps.validate.name, steps.push.driver
    ('validate', True)

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "Evaluation",
    "batch_pipeline",
    "batch_predict",
    "new_files",
    "performance",
    "prepare_span",
    "EvaluationResult",
    "PushResult",
    "VersionRef",
    "champion",
    "evaluate",
    "infra_validate",
    "ingest",
    "model_with_signature",
    "monitor_reference",
    "profile",
    "push",
    "push_monitored",
    "schema",
    "standard_pipeline",
    "train",
    "tune",
    "validate",
    "window",
]

_LAZY = {
    "batch_pipeline": "driftline.components.batch",
    "batch_predict": "driftline.components.batch",
    "new_files": "driftline.components.batch",
    "performance": "driftline.components.batch",
    "prepare_span": "driftline.components.batch",
    "Evaluation": "driftline.components.evaluation",
    "EvaluationResult": "driftline.components.evaluation",
    "PushResult": "driftline.components.push_result",
    "VersionRef": "driftline.components.models_ref",
    "champion": "driftline.components.models_ref",
    "evaluate": "driftline.components.evaluation",
    "infra_validate": "driftline.components.deploy_steps",
    "ingest": "driftline.components.data_steps",
    "model_with_signature": "driftline.components.training",
    "monitor_reference": "driftline.components.monitor_step",
    "profile": "driftline.components.data_steps",
    "push": "driftline.components.deploy_steps",
    "push_monitored": "driftline.components.deploy_steps",
    "schema": "driftline.components.data_steps",
    "standard_pipeline": "driftline.components.standard",
    "train": "driftline.components.training",
    "tune": "driftline.components.tuning",
    "validate": "driftline.components.data_steps",
    "window": "driftline.components.data_steps",
}

if TYPE_CHECKING:
    from driftline.components.batch import (
        batch_pipeline,
        batch_predict,
        new_files,
        performance,
        prepare_span,
    )
    from driftline.components.data_steps import ingest, profile, schema, validate, window
    from driftline.components.deploy_steps import infra_validate, push, push_monitored
    from driftline.components.evaluation import Evaluation, EvaluationResult, evaluate
    from driftline.components.models_ref import VersionRef, champion
    from driftline.components.monitor_step import monitor_reference
    from driftline.components.push_result import PushResult
    from driftline.components.standard import standard_pipeline
    from driftline.components.training import model_with_signature, train
    from driftline.components.tuning import tune

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
