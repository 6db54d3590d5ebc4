"""The policy replayed span by span: serve, wait for labels, check triggers, retrain, gate, promote.

After span ``n`` has been served (every row predicted by the champion of that moment), the labels
of rows up to ``end - delay`` have arrived; a span whose labels have all arrived is *labelled*.
Then, as the controller would:

1. **The first model** is trained as soon as a span is labelled (and again after each new
   labelled span until one passes ``[gate] first_model_min``).
2. **Triggers** are checked in order, each on what is known at that moment:

   * ``metric``: the champion's live metric on every row it served whose label has arrived
     (since its promotion), once there are ``min_labels`` of them, against ``below``/``above``;
   * ``drift`` with ``share``: the share of drifted inputs between the champion's training
     window and the span just served (inputs need no label), from profiles;
   * ``drift`` with ``detector``: ADWIN, DDM or Page-Hinkley fed the champion's errors as their
     labels arrive (a new champion gets a new detector);
   * ``new_data``: at least ``min_rows`` labels have arrived since the last retrain
     (``path`` and ``pattern`` are not used: the replay is the new data);
   * ``cron``: the schedule fired since the last check on the replay clock;
   * ``manual``: never fires in a replay.

3. **Cooldown**: a trigger within ``[cooldown] minutes`` (replay clock) of the last retrain is
   counted as suppressed. A retrain also needs a labelled span it has not trained on yet (with
   the same window the pipeline would only find everything cached).
4. **Retrain** with the policy's trainer on the train part of the last ``[window] spans`` labelled
   spans; score challenger and champion on the eval part of the newest labelled span; apply the
   gate (``tolerance``, ``first_model_min``, ``slices``) with the rule of the ``evaluate`` step; a
   blessed challenger serves from the next span on (rollouts are not simulated).

Every retrain is a :class:`Decision`. No retrain happens after the last span: nothing is left to
serve.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.components.metrics import higher_is_better, scores
from driftline.components.trainers import fit_trainer
from driftline.controller.backtest_stream import PreparedStream
from driftline.controller.policy import Policy, Trigger
from driftline.core.errors import ConfigError, InputError

__all__ = ["Decision", "ReplayOutcome", "replay_policy"]

ProgressFn = Callable[[int], None]
"""Called with the number of rows served so far."""

_PROBA_METRICS = frozenset({"roc_auc", "log_loss"})
_MAX_SLICE_VALUES = 20
_MIN_SLICE_ROWS = 50


@dataclass(frozen=True)
class Decision:
    """One retrain: why it ran, on what, how both models scored, and the verdict."""

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        out = asdict(self)
        out["triggers"] = [dict(t) for t in self.triggers]
        out["trained_spans"] = list(self.trained_spans)
        return out


@dataclass
class ReplayOutcome:
    """What one replay produced: a code per row (``-1``: none), its decisions and CPU time."""

    predictions: npt.NDArray[np.int64]
    decisions: list[Decision] = field(default_factory=list)
    suppressed: int = 0
    cpu_seconds: float = 0.0


@dataclass
class _Champion:
    model: Any
    flavor: Any
    version: int
    train_rows: tuple[int, int]
    profile: Any = None
    detectors: dict[int, Any] = field(default_factory=dict)


def _detector(trigger: Trigger, where: str) -> Any:
    from driftline.drift.detectors import ADWIN, DDM, PageHinkley

    if trigger.detector == "ddm":
        if trigger.delta is not None:
            raise ConfigError(f"{where}.delta does not apply to the ddm detector")
        return DDM()
    kind = ADWIN if trigger.detector == "adwin" else PageHinkley
    return kind() if trigger.delta is None else kind(delta=trigger.delta)


def _metrics(
    truth: npt.NDArray[Any], predicted: npt.NDArray[Any], task: Any, proba: Any = None
) -> dict[str, float]:
    """:func:`scores`, quietly: a span may hold one class, and scikit-learn warns about it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return scores(truth, predicted, task, proba)


def _not_worse(challenger: float, champion: float, metric: str, margin: float) -> bool:
    if higher_is_better(metric):
        return challenger >= champion - margin
    return challenger <= champion + margin


def _groups(values: npt.NDArray[Any]) -> list[tuple[str, npt.NDArray[np.bool_]]]:
    distinct = np.unique(values.astype(str)) if values.dtype.kind in "OUS" else np.unique(values)
    if values.dtype.kind in "OUSb" or len(distinct) <= _MAX_SLICE_VALUES:
        return [(str(v), values == v) for v in distinct[: _MAX_SLICE_VALUES * 5]]
    edges = np.quantile(values.astype(np.float64), [0.25, 0.5, 0.75])
    bins = np.searchsorted(edges, values, side="right")
    bounds = [-np.inf, *edges.tolist(), np.inf]
    return [(f"[{bounds[b]:.4g}, {bounds[b + 1]:.4g})", bins == b) for b in range(4)]


class _Replay:
    def __init__(
        self,
        stream: PreparedStream,
        policy: Policy,
        seed: int,
        *,
        mode: str,
        progress: ProgressFn | None,
    ) -> None:
        self.s, self.policy, self.seed, self.mode, self.progress = (
            stream,
            policy,
            seed,
            mode,
            progress,
        )
        self.triggers = policy.triggers if mode == "policy" else ()
        n = stream.rows
        self.pred = np.full(n, -1, dtype=np.int64)
        self.served_by = np.full(n, -1, dtype=np.int64)
        self.out = ReplayOutcome(self.pred)
        self.champion: _Champion | None = None
        self.version = 0
        self.known = 0
        self.trained_through = -1
        self.labels_since_retrain = 0
        self.last_retrain_minute: float | None = None
        self.last_check_minute = 0.0
        needs = {self.policy.gate.metric} | {t.metric for t in self.triggers if t.kind == "metric"}
        self.need_proba = bool(needs & _PROBA_METRICS)
        for i, t in enumerate(self.triggers):
            if t.kind == "drift" and t.detector is not None:
                _detector(t, f"trigger[{i}]")  # check the settings before replaying anything
        for column in policy.gate.slices:
            if column not in stream.table.column_names:
                raise InputError(f"gate.slices: column {column!r} does not exist")

    # -- serving -------------------------------------------------------------------------------

    def _predict(self, champion: _Champion, start: int, end: int) -> npt.NDArray[np.int64]:
        values = champion.flavor.predict(champion.model, self.s.inputs.slice(start, end - start))
        return self.s.to_codes(values)

    def _scores(self, model: Any, flavor: Any, rows: npt.NDArray[np.int64]) -> dict[str, float]:
        data = self.s.inputs.take(rows)
        predicted = np.asarray(flavor.predict(model, data))
        proba = None
        if self.need_proba:
            try:
                proba = np.asarray(flavor.predict_proba(model, data))
            except (InputError, NotImplementedError, AttributeError):
                proba = None
        return _metrics(self.s.labels[rows], predicted, self.s.task, proba)

    # -- triggers ------------------------------------------------------------------------------

    def _metric(self, t: Trigger, champion: _Champion) -> dict[str, Any] | None:
        rows = np.flatnonzero(self.served_by[: self.known] == champion.version)
        if len(rows) < t.min_labels:
            return None
        truth = self.s.codes[rows]
        if t.metric in _PROBA_METRICS:
            got = self._scores(champion.model, champion.flavor, rows)
        else:
            got = _metrics(truth, self.pred[rows], self.s.task)
        value = got.get(t.metric)
        if value is None:
            return None
        low = t.below is not None and value < t.below
        high = t.above is not None and value > t.above
        if not (low or high):
            return None
        bound = {"below": t.below} if t.below is not None else {"above": t.above}
        return {"metric": t.metric, "value": round(value, 6), **bound, "rows": len(rows)}

    def _share(
        self, t: Trigger, start: int, end: int, champion: _Champion
    ) -> dict[str, Any] | None:
        from driftline.data import profile_table
        from driftline.drift import compare

        if champion.profile is None:
            a, b = champion.train_rows
            champion.profile = profile_table(self.s.inputs.slice(a, b - a))
        current = profile_table(self.s.inputs.slice(start, end - start))
        report = compare(champion.profile, current, drift_share=t.share or 0.5)
        share = report.share_drifted
        if t.share is None or share < t.share:
            return None
        return {
            "share": round(share, 6),
            "threshold": t.share,
            "drifted": list(report.drifted_columns),
        }

    def _alarms(self, index: int, t: Trigger, errors: npt.NDArray[Any]) -> dict[str, Any] | None:
        champion = self.champion
        assert champion is not None
        detector = champion.detectors.setdefault(index, _detector(t, f"trigger[{index}]"))
        if len(errors) == 0:
            return None
        hits = detector.update_many(errors)
        if len(hits) == 0:
            return None
        return {"detector": t.detector, "alarms": len(hits), "errors": int(errors.sum())}

    def _cron(self, t: Trigger, since: float, minute: float) -> dict[str, Any] | None:
        from datetime import timedelta

        assert t.schedule is not None
        start = self.s.start
        due = t.schedule.next_after(start + timedelta(minutes=since))
        now = start + timedelta(minutes=minute)
        if due > now:
            return None
        return {"schedule": t.schedule.expression, "due": due.isoformat()}

    def _fired(self, start: int, end: int, errors: Any) -> list[dict[str, Any]]:
        champion = self.champion
        minute = float(self.s.minutes[end - 1])
        since, self.last_check_minute = self.last_check_minute, minute
        fired: list[dict[str, Any]] = []
        if self.mode == "every":
            return [{"kind": "every_span"}]
        if champion is None:
            return [{"kind": "first_model"}]
        for i, t in enumerate(self.triggers):
            evidence: dict[str, Any] | None = None
            if t.kind == "metric":
                evidence = self._metric(t, champion)
            elif t.kind == "drift" and t.detector is not None:
                evidence = self._alarms(i, t, errors)
            elif t.kind == "drift":
                evidence = self._share(t, start, end, champion)
            elif t.kind == "new_data" and t.min_rows is not None:
                if self.labels_since_retrain >= t.min_rows:
                    evidence = {"labels": self.labels_since_retrain, "min_rows": t.min_rows}
            elif t.kind == "cron":
                evidence = self._cron(t, since, minute)
            if evidence is not None:
                fired.append({"kind": t.kind, "trigger": i, **evidence})
        return fired

    # -- retraining ----------------------------------------------------------------------------

    def _retrain(self, span: int, end: int, newest: int, fired: list[dict[str, Any]]) -> None:
        s, policy = self.s, self.policy
        first = max(0, newest - policy.spans + 1)
        lo, _ = s.span_bounds(first)
        newest_start, hi = s.span_bounds(newest)
        train = np.flatnonzero(~s.eval_mask[lo:hi]) + lo
        held = np.flatnonzero(s.eval_mask[newest_start:hi]) + newest_start
        self.trained_through = newest
        self.labels_since_retrain = 0
        self.last_retrain_minute = float(s.minutes[end - 1])
        base = {
            "span": span + 1,
            "row": end,
            "triggers": tuple(fired),
            "trained_spans": (first + 1, newest + 1),
            "train_rows": len(train),
            "eval_rows": len(held),
        }
        target = s.labels[train]
        if len(held) == 0 or len(np.unique(target)) < 2:
            why = "no eval rows in the newest span" if len(held) == 0 else "one class in window"
            self._record(base, blessed=False, reason=f"not trained: {why}")
            return
        from driftline.models.saving import flavor_for

        m = policy.model
        model = fit_trainer(m.trainer, s.inputs.take(train), target, m.trainer_params, self.seed)
        flavor = flavor_for(model)
        mine = self._scores(model, flavor, held)
        theirs = None
        champion = self.champion
        if champion is not None:
            theirs = self._scores(champion.model, champion.flavor, held)
        blessed, reason = self._gate(model, flavor, held, mine, theirs)
        if blessed:
            self.version += 1
            self.champion = _Champion(model, flavor, self.version, (lo, hi))
        self._record(base, blessed=blessed, reason=reason, challenger=mine, champion=theirs)

    def _gate(
        self,
        model: Any,
        flavor: Any,
        held: npt.NDArray[np.int64],
        mine: dict[str, float],
        theirs: dict[str, float] | None,
    ) -> tuple[bool, str]:
        gate = self.policy.gate
        metric, margin = gate.metric, gate.tolerance
        if metric not in mine:
            raise InputError(f"gate.metric {metric!r} cannot be computed here; got {sorted(mine)}")
        value = mine[metric]
        if self.mode == "every":
            return True, f"{metric} {value:.4f} (promoted without a gate)"
        if theirs is None or self.champion is None:
            floor = gate.first_model_min
            ok = floor is None or _not_worse(value, floor, metric, 0.0)
            return ok, f"first model: {metric} {value:.4f} (" + (
                "no floor set)" if floor is None else f"floor {floor:g})"
            )
        version = self.champion.version
        if not _not_worse(value, theirs[metric], metric, margin):
            return False, (
                f"{metric} {value:.4f} is worse than champion v{version}'s "
                f"{theirs[metric]:.4f} by more than the tolerance {margin:g}"
            )
        worse = self._worse_slices(model, flavor, held, metric, margin)
        if worse:
            return False, f"worse than champion v{version} on slices {', '.join(worse[:5])}"
        return True, (
            f"{metric} {value:.4f} vs champion v{version}'s {theirs[metric]:.4f} "
            f"(tolerance {margin:g})"
        )

    def _worse_slices(
        self, model: Any, flavor: Any, held: npt.NDArray[np.int64], metric: str, margin: float
    ) -> list[str]:
        champion = self.champion
        if not self.policy.gate.slices or champion is None:
            return []
        data = self.s.inputs.take(held)
        mine = np.asarray(flavor.predict(model, data))
        theirs = np.asarray(champion.flavor.predict(champion.model, data))
        truth = self.s.labels[held]
        worse = []
        for column in self.policy.gate.slices:
            values = self.s.table.column(column).take(held).to_numpy(zero_copy_only=False)
            for group, mask in _groups(values):
                if int(mask.sum()) < _MIN_SLICE_ROWS:
                    continue
                a = _metrics(truth[mask], mine[mask], self.s.task).get(metric)
                b = _metrics(truth[mask], theirs[mask], self.s.task).get(metric)
                if a is not None and b is not None and not _not_worse(a, b, metric, margin):
                    worse.append(f"{column}={group}")
        return worse

    def _record(self, base: dict[str, Any], **verdict: Any) -> None:
        self.out.decisions.append(Decision(**base, version=self.version, **verdict))

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> ReplayOutcome:
        s = self.s
        started = time.process_time()
        for span in range(s.spans):
            start, end = s.span_bounds(span)
            champion = self.champion
            if champion is not None:
                self.pred[start:end] = self._predict(champion, start, end)
                self.served_by[start:end] = champion.version
            if self.progress is not None:
                self.progress(end)
            if end >= s.rows:
                break
            self._after_span(span, start, end)
        self.out.cpu_seconds = time.process_time() - started
        return self.out

    def _after_span(self, span: int, start: int, end: int) -> None:
        s = self.s
        known = max(0, end - s.delay)
        arrived = slice(self.known, known)
        self.labels_since_retrain += known - self.known
        errors = np.empty(0)
        if self.champion is not None:
            mine = self.served_by[arrived] == self.champion.version
            errors = (self.pred[arrived][mine] != s.codes[arrived][mine]).astype(np.float64)
        self.known = known
        newest = known // s.span_rows - 1
        if newest < 0:
            return
        if self.mode == "never" and self.champion is not None:
            return
        fired = self._fired(start, end, errors)
        if not fired or newest <= self.trained_through:
            return
        cooling = self.champion is not None and self.last_retrain_minute is not None
        if cooling and self.mode == "policy":
            waited = float(s.minutes[end - 1]) - float(self.last_retrain_minute or 0.0)
            if waited < self.policy.cooldown.minutes:
                self.out.suppressed += 1
                return
        self._retrain(span, end, newest, fired)


def replay_policy(
    stream: PreparedStream,
    policy: Policy,
    seed: int,
    *,
    mode: str = "policy",
    progress: ProgressFn | None = None,
) -> ReplayOutcome:
    """Replay ``policy`` over ``stream`` (see the module docstring).

    ``mode`` is ``"policy"`` (the policy's triggers, cooldown and gate), ``"never"`` (the first
    model only) or ``"every"`` (retrain after every labelled span, always promote).

    Raises:
        InputError: a trainer, metric or slice that cannot be used (naming it).
        ConfigError: a trigger setting the replay cannot honour (naming the key).

    """
    if mode not in ("policy", "never", "every"):
        raise InputError(f"mode must be 'policy', 'never' or 'every', got {mode!r}")
    return _Replay(stream, policy, seed, mode=mode, progress=progress).run()
