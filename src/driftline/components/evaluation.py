"""The ``evaluate`` step: the challenger against the champion on the same rows; bless or not.

Both are scored overall and per slice; the challenger is *blessed* only when it is not worse
by more than ``margin``.

* Evaluation rows: the eval part of the newest span (``eval_on="latest"``, the default: the data
  most like what the model will see next) or of the whole window (``"window"``).
* Without a champion, the challenger is blessed when ``first_model_min`` is unset or reached.
* With one, the gating ``metric`` must satisfy ``challenger >= champion - margin`` (or
  ``<= champion + margin`` for a metric where lower is better), overall and on every slice with
  at least ``min_slice_rows`` rows. Slices: each value of a ``slices`` column with at most 20
  values, else its quartiles; rows where the column is missing are a slice of their own.
* A champion that cannot score the rows (its columns are gone), or cannot compute the gating
  metric (no probabilities), is reported, and the challenger is judged as a first model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, BinaryIO, ClassVar, Literal

import numpy as np

from driftline.components.metrics import check_metric, higher_is_better, infer_task, scores
from driftline.components.models_ref import ChampionRef
from driftline.components.trainers import split_features
from driftline.core.errors import DriftlineError, InputError
from driftline.core.hashing import stable_json
from driftline.data.artifact_types import Spans
from driftline.models.artifact import Model
from driftline.models.loaded import LoadedModel
from driftline.pipeline import step

__all__ = ["Evaluation", "EvaluationResult", "EvaluationType", "evaluate"]

_MAX_SLICE_VALUES = 20
_MISSING = "(missing)"


@dataclass(frozen=True)
class Evaluation:
    """What ``evaluate`` found (see the module docstring); ``blessed`` is the verdict."""

    metric: str
    blessed: bool
    reason: str
    margin: float
    rows: int
    spans: list[int]
    challenger: dict[str, float]
    champion: dict[str, float] | None = None
    champion_version: int | None = None
    slices: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


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
        return Evaluation(**json.loads(reader.read().decode("utf-8")))


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


def _groups(column: Any) -> list[tuple[str, np.ndarray[Any, Any]]]:
    import pyarrow.compute as pc

    values = column.to_numpy(zero_copy_only=False)
    missing = np.asarray(pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False))
    if values.dtype.kind in "OUS":
        values = values.astype(str)
    present = ~missing
    empty = [(_MISSING, missing)] if missing.any() else []
    distinct = np.unique(values[present])
    if values.dtype.kind in "USb" or len(distinct) <= _MAX_SLICE_VALUES:
        groups = [(str(v), (values == v) & present) for v in distinct[: _MAX_SLICE_VALUES * 5]]
        return groups + empty
    edges = np.quantile(values[present].astype(np.float64), [0.25, 0.5, 0.75])
    bins = np.searchsorted(edges, values, side="right")
    bounds = [-np.inf, *edges.tolist(), np.inf]
    quartiles = [
        (f"[{bounds[b]:.4g}, {bounds[b + 1]:.4g})", (bins == b) & present) for b in range(4)
    ]
    return quartiles + empty


def _rows(probabilities: Any, mask: np.ndarray[Any, Any]) -> Any:
    return None if probabilities is None else probabilities[mask]


def _not_worse(challenger: float, champion: float, metric: str, margin: float) -> bool:
    if higher_is_better(metric):
        return challenger >= champion - margin
    return challenger <= champion + margin


@step(name="evaluate")
def evaluate(
    model: Model,
    spans: Spans,
    champion: ChampionRef,
    metric: str = "accuracy",
    margin: float = 0.0,
    first_model_min: float | None = None,
    slices: list[str] | None = None,
    min_slice_rows: int = 50,
    eval_on: Literal["latest", "window"] = "latest",
) -> EvaluationResult:
    """Score the challenger and the champion on the same rows; bless the challenger or not."""
    check_metric(metric)
    table = spans.table("eval", latest_only=eval_on == "latest")
    features, truth = split_features(table, spans.label)
    task = infer_task(truth)
    predicted, proba = _predict(model, features)
    mine = scores(truth, predicted, task, proba)
    if metric not in mine:
        raise InputError(f"metric {metric!r} cannot be computed here; computed: {sorted(mine)}")
    theirs: dict[str, float] | None = None
    champion_predicted: Any = None
    note = ""
    champion_proba: Any = None
    served = champion.load()
    if served is not None:
        try:
            champion_predicted, champion_proba = _predict(served, features)
            theirs = scores(truth, champion_predicted, task, champion_proba)
        except DriftlineError as exc:
            note = f"; champion v{champion.version} cannot score these rows ({exc})"
        if theirs is not None and metric not in theirs:
            note = (
                f"; champion v{champion.version} cannot compute {metric} on these rows "
                f"(computed: {', '.join(sorted(theirs))})"
            )
            theirs = None
    slice_rows: list[dict[str, Any]] = []
    worse: list[str] = []
    for column in slices or []:
        if column not in table.column_names:
            raise InputError(f"slice column {column!r} does not exist")
        for group, mask in _groups(table.column(column)):
            n = int(mask.sum())
            if n == 0:
                continue
            entry: dict[str, Any] = {"column": column, "value": group, "rows": n}
            entry["challenger"] = scores(
                truth[mask], predicted[mask], task, _rows(proba, mask)
            ).get(metric)
            if theirs is not None:
                entry["champion"] = scores(
                    truth[mask], champion_predicted[mask], task, _rows(champion_proba, mask)
                ).get(metric)
                gated = n >= min_slice_rows and None not in (entry["challenger"], entry["champion"])
                if gated and not _not_worse(entry["challenger"], entry["champion"], metric, margin):
                    worse.append(f"{column}={group}")
            slice_rows.append(entry)
    value = mine[metric]
    if theirs is None:
        ok = first_model_min is None or _not_worse(value, first_model_min, metric, 0.0)
        floor = "no floor set" if first_model_min is None else f"floor {first_model_min:g}"
        reason = f"first model: {metric} {value:.4f} ({floor}){note}"
    elif not _not_worse(value, theirs[metric], metric, margin):
        ok = False
        reason = (
            f"{metric} {value:.4f} is worse than champion v{champion.version}'s "
            f"{theirs[metric]:.4f} by more than the margin {margin:g}"
        )
    elif worse:
        ok = False
        reason = f"worse than champion v{champion.version} on slices {', '.join(worse[:5])}"
    else:
        ok = True
        reason = (
            f"{metric} {value:.4f} vs champion v{champion.version}'s {theirs[metric]:.4f} "
            f"(margin {margin:g})"
        )
    return Evaluation(
        metric=metric,
        blessed=ok,
        reason=reason,
        margin=margin,
        rows=len(truth),
        spans=spans.numbers[-1:] if eval_on == "latest" else spans.numbers,
        challenger=mine,
        champion=theirs,
        champion_version=champion.version if theirs is not None else None,
        slices=slice_rows,
    )
