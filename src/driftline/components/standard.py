"""The standard training pipeline, assembled from the standard steps.

``ingest|window → schema → validate → profile → train → champion → evaluate → monitor_reference →
infra_validate → push``: the TFX training pipeline (ExampleGen, StatisticsGen, SchemaGen,
ExampleValidator, Trainer, Evaluator, InfraValidator, Pusher) as plain typed steps, and the
reference the monitor watches the version with (outlier detector, calibration, importance).
Parameters shared by several steps (``dataset``, ``spans``, ``model_name``) are set once:
``params={"dataset": "elec2"}``.
"""

from __future__ import annotations

from driftline.components.data_steps import ingest, profile, schema, validate, window
from driftline.components.deploy_steps import infra_validate, push_monitored
from driftline.components.evaluation import evaluate
from driftline.components.models_ref import champion
from driftline.components.monitor_step import monitor_reference
from driftline.components.training import train
from driftline.pipeline import Pipeline, Step

__all__ = ["standard_pipeline"]


def standard_pipeline(
    name: str = "train", *, ingest_data: bool = False, trainer: Step | None = None
) -> Pipeline:
    """The standard training pipeline.

    Args:
        name: the pipeline's name.
        ingest_data: start by ingesting ``source`` as a new span (the ``ingest`` step); by
            default it trains on the spans the dataset has (the ``window`` step).
        trainer: your own training step (it takes ``spans: Spans`` and returns ``Model``)
            instead of the built-in ``train``.

    Examples:
        >>> [s.name for s in standard_pipeline().steps]  # doctest: +NORMALIZE_WHITESPACE
        ['window', 'schema', 'validate', 'profile', 'train', 'champion', 'evaluate',
         'monitor_reference', 'infra_validate', 'push']

    """
    first = ingest if ingest_data else window
    return Pipeline(
        name,
        [
            first,
            schema,
            validate,
            profile,
            trainer or train,
            champion,
            evaluate,
            monitor_reference,
            infra_validate,
            push_monitored,
        ],
    )
