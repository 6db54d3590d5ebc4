"""A model version's page: its model card, the spans it was trained on, its monitor reference.

:func:`version_view` answers ``/models/{name}/versions/{v}`` and its JSON twin. The card's facts
and sections come from :func:`driftline.registry.model_card` (not derived again here); the
monitor reference is summarised from :meth:`ModelRegistry.monitor_reference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.models.monitoring.reference import MonitorReference
    from driftline.registry.card import ModelCard
    from driftline.registry.card_parts import TrainingSpan
    from driftline.registry.versions import ModelVersion
    from driftline.ui.context import Services

__all__ = ["ReferenceSummary", "VersionView", "version_view"]


@dataclass(frozen=True)
class ReferenceSummary:
    """What the monitor compares a version's live traffic with, in a few facts.

    Attributes:
        artifact_id: the ``monitor_reference`` artifact.
        features: the inputs it watches.
        eval_rows: how many evaluation rows it was fitted on.
        outliers: the outlier detector's method (``None``: no rows are scored).
        calibrated: whether the accuracy can be estimated (a calibration was fitted).
        eval_accuracy: the accuracy on the evaluation rows the calibration was fitted on.
        importance: the inputs by permutation importance, largest first.
        notes: what could not be fitted, and why.

    Examples:
        >>> s = ReferenceSummary(7, ("a", "b"), 500, None, True, 0.9, (("b", 0.2),), ())
        >>> s.to_dict()["importance"], s.to_dict()["outliers"]
        ({'b': 0.2}, None)

    """

    artifact_id: int | None
    features: tuple[str, ...]
    eval_rows: int
    outliers: str | None
    calibrated: bool
    eval_accuracy: float | None
    importance: tuple[tuple[str, float], ...]
    notes: tuple[str, ...]

    @classmethod
    def of(cls, reference: MonitorReference, artifact_id: int | None) -> ReferenceSummary:
        """The summary of a stored reference."""
        calibration = reference.calibration
        return cls(
            artifact_id=artifact_id,
            features=tuple(reference.features),
            eval_rows=int(reference.eval_rows),
            outliers=None if reference.outliers is None else reference.outliers.method,
            calibrated=calibration is not None,
            eval_accuracy=None if calibration is None else calibration.accuracy,
            importance=tuple(
                sorted(
                    ((k, float(v)) for k, v in reference.importance.items()),
                    key=lambda kv: -kv[1],
                )
            ),
            notes=tuple(reference.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "artifact_id": self.artifact_id,
            "features": list(self.features),
            "eval_rows": self.eval_rows,
            "outliers": self.outliers,
            "calibrated": self.calibrated,
            "eval_accuracy": self.eval_accuracy,
            "importance": dict(self.importance),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class VersionView:
    """A version's page.

    Attributes:
        version: the registered version.
        card: its model card (facts and sections).
        reference: its monitor reference in short (``None``: registered without one).

    """

    version: ModelVersion
    card: ModelCard
    reference: ReferenceSummary | None

    @property
    def spans(self) -> tuple[TrainingSpan, ...]:
        """The spans it was trained on (from the card)."""
        return self.card.training_spans

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the card's, with the monitor reference's summary."""
        out = dict(self.card.to_dict())
        out["monitor_reference"] = None if self.reference is None else self.reference.to_dict()
        return out


def version_view(services: Services, name: str, number: int) -> VersionView:
    """The page of version ``number`` of model ``name``.

    Raises:
        ModelNotFoundError: no model has that name.
        VersionNotFoundError: the model has no such version (listing those it has).

    """
    from driftline.registry import model_card

    registry = services.registry
    version = registry.version(name, number)  # raises naming the model or the version
    reference = registry.monitor_reference(name, number)
    ref_id = services.metadata.get_artifact(version.artifact_id).properties.get("reference_id")
    return VersionView(
        version=version,
        card=model_card(registry, version),
        reference=None
        if reference is None
        else ReferenceSummary.of(reference, None if ref_id is None else int(ref_id)),
    )
