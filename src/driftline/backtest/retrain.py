"""A retrain in the backtest, as the training pipeline does it: schema, validate, train, gate.

1. **Schema**: the first retrain infers the schema from its window's merged profile, as the
   pipeline's ``schema`` step does (:func:`driftline.data.infer_schema`, the time column as an
   index column); it stays in force for the rest of the replay.
2. **Validate**: the newest span of the window against the schema in force
   (:func:`driftline.data.validate`). A blocking anomaly (corrupt or incompatible data) *refuses*
   the retrain with the reason the pipeline gives, and that span is never trained on; warnings
   (values outside the observed range: a changed world) do not.
3. **Train** the policy's trainer (:func:`~driftline.components.trainers.fit_trainer`, as the
   ``train`` step) on the train part of the window.
4. **Gate** with :func:`driftline.components.gate.judge`, the rule of the ``evaluate`` step: both
   models on the eval part of the newest span.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from driftline.backtest.observe import ServingChampion
from driftline.backtest.stream import PreparedStream
from driftline.components.gate import GateVerdict, Predictions, judge
from driftline.components.metrics import needs_probabilities
from driftline.core.errors import DriftlineError, InputError
from driftline.policy.model import Policy

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.data.schema import Schema

__all__ = [
    "Decision",
    "ReplayOutcome",
    "RetrainDecision",
    "infer",
    "judge_challenger",
    "outputs",
    "refusal",
]


@dataclass(frozen=True)
class RetrainDecision:
    """One retrain: why it ran, on what, how both models scored, and the verdict.

    ``refused`` retrains were stopped by validation (``reason`` names the span and the anomalies);
    nothing was trained.
    """

    span: int
    row: int
    triggers: tuple[dict[str, Any], ...]
    trained_spans: tuple[int, int]
    train_rows: int
    eval_rows: int
    blessed: bool
    reason: str
    version: int
    challenger: dict[str, float] | None = None
    champion: dict[str, float] | None = None
    refused: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        out = asdict(self)
        out["triggers"] = [dict(t) for t in self.triggers]
        out["trained_spans"] = list(self.trained_spans)
        return out


Decision = RetrainDecision
"""The former name of :class:`RetrainDecision`."""


@dataclass
class ReplayOutcome:
    """What one replay produced: a code per row (``-1``: none), its decisions and CPU time."""

    predictions: npt.NDArray[np.int64]
    decisions: list[RetrainDecision] = field(default_factory=list)
    suppressed: int = 0
    cpu_seconds: float = 0.0


def infer(profile: Profile, dataset: str, label: str, time_column: str | None) -> Schema:
    """The schema the pipeline's ``schema`` step infers from a first window's profile."""
    from driftline.data.schema import infer_schema

    return infer_schema(profile, dataset=dataset, label=label, index=(time_column,))


def refusal(profile: Profile, schema: Schema, subject: str) -> str | None:
    """Why validation refuses a span (``None``: it passes, warnings allowed)."""
    from driftline.data.anomalies import ValidationReport
    from driftline.data.errors import ValidationFailedError
    from driftline.data.validation import validate

    report = ValidationReport(schema.dataset, subject, tuple(validate(profile, schema)))
    try:
        report.raise_for_blocking()
    except ValidationFailedError as exc:
        return f"validate: {exc}"
    return None


def outputs(model: Any, flavor: Any, data: Any, probabilities: bool) -> Predictions:
    """A model's predictions on ``data``, and its probabilities when asked and it has them.

    The replay asks for probabilities only when the gating metric needs them (``roc_auc``,
    ``log_loss``): the verdict is the same, and a forest's probabilities cost as much again as
    its predictions. The report's scores then leave the probability metrics out.
    """
    predicted = np.asarray(flavor.predict(model, data))
    proba = None
    if probabilities:
        try:
            proba = np.asarray(flavor.predict_proba(model, data))
        except (InputError, NotImplementedError, AttributeError):
            proba = None
    return Predictions(predicted, proba)


def judge_challenger(
    stream: PreparedStream,
    policy: Policy,
    held: npt.NDArray[np.int64],
    challenger: Predictions,
    champion: ServingChampion | None,
) -> GateVerdict:
    """The gate on the held-out rows: the challenger against the champion serving now.

    ``challenger`` holds probabilities when the gating metric needs them (see :func:`outputs`).
    """
    data = stream.inputs.take(held)
    theirs, note = None, ""
    probabilities = needs_probabilities(policy.gate.metric)
    if champion is not None:
        try:
            theirs = outputs(champion.model, champion.flavor, data, probabilities)
        except DriftlineError as exc:
            note = f"; champion v{champion.version} cannot score these rows ({exc})"
    slices = {c: stream.table.column(c).take(held) for c in policy.gate.slices}
    return judge(
        stream.labels[held],
        challenger,
        theirs,
        policy.gate.rule(),
        champion_version=champion.version if champion is not None else None,
        slices=slices,
        note=note,
        task=stream.task,
    )
