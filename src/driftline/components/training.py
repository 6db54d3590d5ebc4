"""The ``train`` step: fit a trainer on the train part of the validated window of spans.

See :mod:`driftline.components.trainers` for the trainer specs. The model is saved with a
signature inferred from a sample of the feature columns, so serving checks its inputs.
"""

from __future__ import annotations

from driftline.components.trainers import DEFAULT_TRAINER, fit_trainer, split_features
from driftline.core.scratch import scratch_folder
from driftline.data.artifact_types import Spans
from driftline.models.artifact import Model
from driftline.models.loaded import LoadedModel
from driftline.models.saving import load_model, save_model
from driftline.pipeline import step

__all__ = ["Scalar", "SIGNATURE_SAMPLE_ROWS", "model_with_signature", "train"]

Scalar = bool | int | float | str | None
"""The values a trainer parameter may take."""

SIGNATURE_SAMPLE_ROWS = 100
"""Rows of the training features used to infer the model's signature."""


def model_with_signature(model: object, sample: object) -> LoadedModel:
    """``model`` saved by its flavor with a signature from ``sample``, and loaded back.

    The round trip proves the model can be saved and loaded before it is stored.
    """
    with scratch_folder("train") as tmp:
        folder = tmp / "model"
        save_model(model, folder, sample=sample)
        return load_model(folder)


@step(name="train")
def train(
    spans: Spans,
    trainer: str = DEFAULT_TRAINER,
    trainer_params: dict[str, Scalar] | None = None,
    exclude: list[str] | None = None,
    seed: int = 0,
) -> Model:
    """Fit ``trainer`` on the train part of every span of the window (oldest first)."""
    table = spans.table("train")
    features, target = split_features(table, spans.label, exclude or ())
    model = fit_trainer(trainer, features, target, trainer_params, seed)
    return model_with_signature(model, features.slice(0, SIGNATURE_SAMPLE_ROWS))
