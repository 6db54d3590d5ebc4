"""The ``evaluate`` step: the challenger against the champion on the same rows; bless or not.

Both are scored overall and per slice, and the gate decides
(:func:`~driftline.components.gate.judge`, the rule ``driftline backtest`` replays too): the
challenger is *blessed* only when it is not worse by more than ``tolerance`` (the policy's
``[gate] tolerance``; the former name ``margin`` is still taken, with a ``DeprecationWarning``).

* Evaluation rows: the eval part of the newest span (``eval_on="latest"``, the default: the data
  most like what the model will see next) or of the whole window (``"window"``).
* Without a champion, the challenger is blessed when ``first_model_min`` is unset or reached.
* With one, the gating ``metric`` must satisfy ``challenger >= champion - tolerance`` (or
  ``<= champion + tolerance`` for a metric where lower is better), overall and on every slice with
  at least ``min_slice_rows`` rows. Slices: each value of a ``slices`` column with at most 20
  values, else its quartiles; rows where the column is missing are a slice of their own.
* A champion that cannot score the rows (its columns are gone), or cannot compute the gating
  metric (no probabilities), is reported, and the challenger is judged as a first model.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, BinaryIO, ClassVar, Literal

from driftline.components.gate import MIN_SLICE_ROWS, GateRule, Predictions, judge
from driftline.components.metrics import check_metric, infer_task
from driftline.components.models_ref import ChampionRef
from driftline.components.trainers import split_features
from driftline.core.errors import DriftlineError, InputError
from driftline.core.hashing import stable_json
from driftline.data.artifact_types import Spans
from driftline.models.artifact import Model
from driftline.models.loaded import LoadedModel
from driftline.pipeline import step

__all__ = ["Evaluation", "EvaluationResult", "EvaluationType", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """What ``evaluate`` found (see the module docstring); ``blessed`` is the verdict."""

    metric: str
    blessed: bool
    reason: str
    tolerance: float
    rows: int
    spans: list[int]
    challenger: dict[str, float]
    champion: dict[str, float] | None = None
    champion_version: int | None = None
    slices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def margin(self) -> float:
        """The former name of :attr:`tolerance` (deprecated)."""
        warnings.warn(
            "Evaluation.margin is now Evaluation.tolerance", DeprecationWarning, stacklevel=2
        )
        return self.tolerance

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Evaluation:
        """Rebuild an evaluation from :meth:`to_dict` (an older one's ``margin`` is kept)."""
        values = dict(doc)
        if "margin" in values:
            values.setdefault("tolerance", values.pop("margin"))
        return cls(**values)


class EvaluationType:
    """An :class:`Evaluation`, stored as JSON."""

    kind: ClassVar[str] = "evaluation"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the evaluation; the properties hold the verdict and the gating metric."""
        writer.write(stable_json(value.to_dict()).encode("utf-8"))
        return {
            "blessed": value.blessed,
            "metric": value.metric,
            "challenger": value.challenger.get(value.metric),
            "champion": (value.champion or {}).get(value.metric),
            "champion_version": value.champion_version,
        }

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Evaluation:
        """Read the evaluation back."""
        return Evaluation.from_dict(json.loads(reader.read().decode("utf-8")))


EvaluationResult = Annotated[Evaluation, EvaluationType]
"""An evaluation: use as a step annotation."""


def _predict(model: LoadedModel, features: Any) -> tuple[Any, Any]:
    data = features
    if model.signature is not None:
        data = features.select(
            [c for c in model.signature.column_names if c in features.column_names]
        )
    predicted = model.predict(data)
    try:
        probabilities = model.predict_proba(data)
    except (InputError, NotImplementedError, AttributeError):
        probabilities = None
    return predicted, probabilities


@step(name="evaluate")
def evaluate(
    model: Model,
    spans: Spans,
    champion: ChampionRef,
    metric: str = "accuracy",
    tolerance: float = 0.0,
    first_model_min: float | None = None,
    slices: list[str] | None = None,
    min_slice_rows: int = MIN_SLICE_ROWS,
    eval_on: Literal["latest", "window"] = "latest",
    margin: float | None = None,
) -> EvaluationResult:
    """Score the challenger and the champion on the same rows; bless the challenger or not.

    ``margin`` is the former name of ``tolerance`` (deprecated; it wins when given).
    """
    if margin is not None:
        warnings.warn(
            "the evaluate step's parameter `margin` is now `tolerance`",
            DeprecationWarning,
            stacklevel=2,
        )
        tolerance = margin
    check_metric(metric)
    table = spans.table("eval", latest_only=eval_on == "latest")
    features, truth = split_features(table, spans.label)
    for column in slices or []:
        if column not in table.column_names:
            raise InputError(f"slice column {column!r} does not exist")
    mine = Predictions(*_predict(model, features))
    theirs: Predictions | None = None
    note = ""
    served = champion.load()
    if served is not None:
        try:
            theirs = Predictions(*_predict(served, features))
        except DriftlineError as exc:
            note = f"; champion v{champion.version} cannot score these rows ({exc})"
    verdict = judge(
        truth,
        mine,
        theirs,
        GateRule(metric, tolerance, first_model_min, min_slice_rows),
        champion_version=champion.version,
        slices={c: table.column(c) for c in slices or []},
        note=note,
        task=infer_task(truth),
    )
    return Evaluation(
        metric=metric,
        blessed=verdict.blessed,
        reason=verdict.reason,
        tolerance=tolerance,
        rows=len(truth),
        spans=spans.numbers[-1:] if eval_on == "latest" else spans.numbers,
        challenger=verdict.challenger,
        champion=verdict.champion,
        champion_version=champion.version if verdict.champion is not None else None,
        slices=verdict.slices,
    )
