"""The gate: may a challenger replace the champion? One rule, for the pipeline and the backtest.

:func:`judge` is what the ``evaluate`` step decides with, and what ``driftline backtest`` replays:
both score the challenger and the champion on the same rows with
:func:`~driftline.components.metrics.scores`, and the challenger is *blessed* when

* there is no champion (or it cannot compute the gating metric on these rows) and
  ``first_model_min`` is unset or reached;
* else its gating ``metric`` satisfies ``challenger >= champion - tolerance`` (``<= champion
  + tolerance`` for a metric where lower is better: :func:`not_worse`), overall and on every
  slice with at least ``min_slice_rows`` rows. Slices (:func:`slice_groups`): each value of a
  slice column with at most 20 values, else its quartiles; rows where the column is missing are
  a slice of their own.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> truth = np.array([1, 0, 1, 1, 0, 1])
    >>> mine = Predictions(np.array([1, 0, 1, 1, 0, 0]))
    >>> theirs = Predictions(np.array([1, 0, 0, 1, 1, 0]))
    >>> verdict = judge(truth, mine, theirs, GateRule(min_slice_rows=1), champion_version=3,
    ...                 slices={"day": pa.array(["mon", "mon", "tue", None, "tue", "tue"])})
    >>> verdict.blessed, verdict.reason
    (True, "accuracy 0.8333 vs champion v3's 0.5000 (tolerance 0)")
    >>> [(s["value"], s["rows"]) for s in verdict.slices]
    [('mon', 2), ('tue', 3), ('(missing)', 1)]
    >>> judge(truth, theirs, None, GateRule(first_model_min=0.6)).reason
    'first model: accuracy 0.5000 (floor 0.6)'

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from driftline.components.metrics import Task, check_metric, higher_is_better, infer_task, scores
from driftline.core.errors import InputError

__all__ = [
    "MIN_SLICE_ROWS",
    "MISSING",
    "GateRule",
    "GateVerdict",
    "Predictions",
    "judge",
    "not_worse",
    "slice_groups",
]

MIN_SLICE_ROWS = 50
"""Slices with fewer rows are reported but do not gate."""

MISSING = "(missing)"
"""The name of the slice of rows where the slice column is missing."""

_MAX_SLICE_VALUES = 20

Bools = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class GateRule:
    """The gate's settings: the policy's ``[gate]`` as the ``evaluate`` step's parameters."""

    metric: str = "accuracy"
    tolerance: float = 0.0
    first_model_min: float | None = None
    min_slice_rows: int = MIN_SLICE_ROWS


@dataclass(frozen=True)
class Predictions:
    """One model's outputs on the evaluation rows: predictions, and probabilities if it has any."""

    predicted: np.ndarray[Any, Any]
    probabilities: np.ndarray[Any, Any] | None = None

    def rows(self, mask: Bools) -> Predictions:
        """The outputs on the rows of ``mask``."""
        proba = None if self.probabilities is None else self.probabilities[mask]
        return Predictions(self.predicted[mask], proba)


@dataclass(frozen=True)
class GateVerdict:
    """What the gate found: the verdict, why, both models' scores and every slice's."""

    blessed: bool
    reason: str
    challenger: dict[str, float]
    champion: dict[str, float] | None = None
    slices: list[dict[str, Any]] = field(default_factory=list)


def not_worse(challenger: float, champion: float, metric: str, tolerance: float) -> bool:
    """Whether ``challenger`` is at most ``tolerance`` worse than ``champion`` on ``metric``.

    Examples:
        >>> not_worse(0.80, 0.81, "accuracy", 0.02), not_worse(1.3, 1.2, "rmse", 0.05)
        (True, False)

    """
    if higher_is_better(metric):
        return challenger >= champion - tolerance
    return challenger <= champion + tolerance


def slice_groups(column: Any) -> list[tuple[str, Bools]]:
    """The slices of a column (a pyarrow array): ``(name, row mask)`` for each.

    Each value when the column has at most 20 distinct values (or is text or boolean), else its
    quartiles; rows where the column is missing (null or NaN) form the slice ``(missing)``.

    Examples:
        >>> import pyarrow as pa
        >>> [(name, mask.tolist()) for name, mask in slice_groups(pa.array(["b", None, "b", "a"]))]
        [('a', [False, False, False, True]), ('b', [True, False, True, False]), \
('(missing)', [False, True, False, False])]

    """
    import pyarrow.compute as pc

    values = column.to_numpy(zero_copy_only=False)
    missing = np.asarray(pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False))
    if values.dtype.kind in "OUS":
        values = values.astype(str)
    present = ~missing
    empty = [(MISSING, missing)] if missing.any() else []
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


def _slices(
    truth: np.ndarray[Any, Any],
    mine: Predictions,
    theirs: Predictions | None,
    columns: Mapping[str, Any],
    rule: GateRule,
    task: Task,
) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    worse: list[str] = []
    metric = rule.metric
    for name, column in columns.items():
        if len(column) != len(truth):
            raise InputError(f"slice column {name!r} has {len(column)} rows, not {len(truth)}")
        for group, mask in slice_groups(column):
            n = int(mask.sum())
            if n == 0:
                continue
            part = mine.rows(mask)
            entry: dict[str, Any] = {"column": name, "value": group, "rows": n}
            entry["challenger"] = scores(truth[mask], part.predicted, task, part.probabilities).get(
                metric
            )
            if theirs is not None:
                other = theirs.rows(mask)
                entry["champion"] = scores(
                    truth[mask], other.predicted, task, other.probabilities
                ).get(metric)
                gated = n >= rule.min_slice_rows and None not in (
                    entry["challenger"],
                    entry["champion"],
                )
                if gated and not not_worse(
                    entry["challenger"], entry["champion"], metric, rule.tolerance
                ):
                    worse.append(f"{name}={group}")
            rows.append(entry)
    return rows, worse


def judge(
    truth: np.ndarray[Any, Any],
    challenger: Predictions,
    champion: Predictions | None,
    rule: GateRule,
    *,
    champion_version: int | None = None,
    slices: Mapping[str, Any] | None = None,
    note: str = "",
    task: Task | None = None,
) -> GateVerdict:
    """Judge ``challenger`` against ``champion`` (``None``: there is none) on the same rows.

    Args:
        truth: the labels of the evaluation rows.
        challenger: the challenger's outputs on those rows.
        champion: the champion's outputs on the same rows.
        rule: the gating metric, tolerance, first-model floor and least slice size.
        champion_version: how the reason names the champion.
        slices: slice columns (pyarrow arrays of the evaluation rows), by name.
        note: appended to the reason of a first model (e.g. why the champion could not score).
        task: ``classification`` or ``regression`` (default: inferred from ``truth``).

    Raises:
        InputError: an unknown metric, or one the challenger's outputs cannot give.

    """
    metric = check_metric(rule.metric)
    task = task or infer_task(truth)
    mine = scores(truth, challenger.predicted, task, challenger.probabilities)
    if metric not in mine:
        raise InputError(f"metric {metric!r} cannot be computed here; computed: {sorted(mine)}")
    theirs: dict[str, float] | None = None
    if champion is not None:
        theirs = scores(truth, champion.predicted, task, champion.probabilities)
        if metric not in theirs:
            note += (
                f"; champion v{champion_version} cannot compute {metric} on these rows "
                f"(computed: {', '.join(sorted(theirs))})"
            )
            theirs, champion = None, None
    slice_rows, worse = _slices(truth, challenger, champion, slices or {}, rule, task)
    value = mine[metric]
    if theirs is None:
        floor = rule.first_model_min
        blessed = floor is None or not_worse(value, floor, metric, 0.0)
        said = "no floor set" if floor is None else f"floor {floor:g}"
        reason = f"first model: {metric} {value:.4f} ({said}){note}"
    elif not not_worse(value, theirs[metric], metric, rule.tolerance):
        blessed = False
        reason = (
            f"{metric} {value:.4f} is worse than champion v{champion_version}'s "
            f"{theirs[metric]:.4f} by more than the tolerance {rule.tolerance:g}"
        )
    elif worse:
        blessed = False
        reason = f"worse than champion v{champion_version} on slices {', '.join(worse[:5])}"
    else:
        blessed = True
        reason = (
            f"{metric} {value:.4f} vs champion v{champion_version}'s {theirs[metric]:.4f} "
            f"(tolerance {rule.tolerance:g})"
        )
    return GateVerdict(blessed, reason, mine, theirs, slice_rows)
