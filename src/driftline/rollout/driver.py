"""Running rollouts inside the server: starting them, splitting traffic, obeying decisions.

The :class:`RolloutDriver` of a server:

* **picks up** pending rollouts of the models it serves (:meth:`poll`, called every
  ``poll_seconds`` by the server, and at once after ``POST /admin/rollouts``): it loads the
  candidate version from the registry into the model table, points the alias ``challenger`` at it
  and starts a :class:`~driftline.rollout.engine.Rollout`;
* **splits traffic** with a weighted chooser on the model's entry (a shadow keeps all traffic on
  the champion and mirrors each request to the candidate in a background thread, remembering
  the candidate's predictions by request id so that feedback labels count for it too);
* **counts** each answered request and each feedback label per version, and **applies** every
  decision: the next step's weights, a rollback (the champion takes everything back at once), or
  a promotion (the candidate becomes the default version and the registry's ``champion``);
* **records** each decision in the metadata store (in a background thread: the request that
  triggered it is not delayed), and obeys ``driftline rollout abort``.

A swap only changes which version *new* requests get; a request in flight finishes with the
version it holds, so no request fails because of a rollout.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.components.metrics import matches
from driftline.rollout.engine import Plan, Rollout, RolloutDecision, RolloutSpec, RolloutStatus
from driftline.rollout.store import RolloutRecord, RolloutStore
from driftline.rollout.traffic import ServedVersion, TrafficTable

if TYPE_CHECKING:
    from driftline.registry import ModelRegistry

__all__ = ["CHALLENGER", "RolloutDriver"]

log = logging.getLogger("driftline.rollout.engines")

CHALLENGER = "challenger"
"""The registry alias of a version being rolled out."""

_ENDS = {
    "promote": RolloutStatus.PROMOTED,
    "rollback": RolloutStatus.ROLLED_BACK,
    "abort": RolloutStatus.ABORTED,
    "pass": RolloutStatus.PASSED,
    "fail": RolloutStatus.FAILED,
}
"""The status each ending decision leaves a rollout in."""


def score_labels(predicted: Any, label: Any) -> tuple[int, int] | None:
    """How many labels, and how many predictions were right (``None``: row counts differ).

    Right and wrong are decided as everywhere else (:func:`driftline.components.metrics.matches`):
    by value, so a label ``1`` and a prediction ``1.0`` agree.

    Examples:
        >>> score_labels([1.0, 0.0, 1.0], [1, 1, 1])
        (3, 2)
        >>> score_labels([1.0], [1, 0]) is None
        True

    """
    values = np.asarray(predicted).reshape(-1)
    truth = np.asarray(label if isinstance(label, list) else [label]).reshape(-1)
    if len(truth) != len(values):
        return None
    return len(truth), int(np.count_nonzero(matches(truth, values)))


class RolloutDriver:
    """The rollouts of one server (see the module docstring)."""

    def __init__(
        self,
        table: TrafficTable,
        registry: ModelRegistry,
        store: RolloutStore,
        *,
        seed: int = 0,
        recent: int = 100_000,
    ) -> None:
        self.table = table
        self.registry = registry
        self.store = store
        self.seed = seed
        self._running: dict[str, tuple[Rollout, RolloutRecord]] = {}
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()  # the server's loop and POST /admin/rollouts both poll
        self._shadowed: OrderedDict[str, tuple[str, str, Any]] = OrderedDict()
        self._early: OrderedDict[str, tuple[str, Any]] = OrderedDict()  # labels before the shadow
        self._recent = recent
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="driftline-rollout")
        self._mirror = ThreadPoolExecutor(1, thread_name_prefix="driftline-shadow")

    # -- starting and stopping ----------------------------------------------------------------

    def poll(self) -> list[str]:
        """Start pending rollouts of served models; obey abort requests. Return what changed."""
        with self._poll_lock:
            return self._poll()

    def _poll(self) -> list[str]:
        changed: list[str] = []
        for record in self.store.active():
            name = record.spec.model
            if name not in self.table:
                continue
            with self._lock:
                running = self._running.get(name)
            if record.status is RolloutStatus.PENDING and running is None:
                self._start(record)
                changed.append(record.name)
            elif running is not None and record.abort_requested:
                rollout = running[0]
                decision = rollout.abort("abort requested")
                if decision.action == "abort":  # not if it ended meanwhile
                    self._apply(name, rollout, decision)
                    changed.append(record.name)
        return changed

    def _start(self, record: RolloutRecord) -> None:
        spec = record.spec
        try:
            champion = self.table.resolve(spec.model, spec.champion)
            if not self.table.serves(spec.model, spec.candidate):
                version = self.registry.version(spec.model, spec.candidate)
                self.table.add_version(spec.model, spec.candidate, self.registry.load(version))
        except Exception as exc:  # a bad request must not stop the server
            log.warning("rollout %s cannot start: %s", record.name, exc)
            self.store.record(
                record,
                RolloutDecision("fail", f"cannot start: {exc}"),
                status=RolloutStatus.FAILED,
                step=0,
                percent=0.0,
            )
            return
        self.table.set_default(spec.model, champion.key)
        rollout = Rollout(spec)
        with self._lock:
            self._running[spec.model] = (rollout, record)
        self._route(spec.model, rollout)
        self.registry.set_alias(spec.model, CHALLENGER, spec.candidate, reason=record.reason)
        started = self.store.record(
            record,
            RolloutDecision("start", record.reason),
            status=RolloutStatus.RUNNING,
            step=0,
            percent=rollout.percent,
        )
        with self._lock:
            self._running[spec.model] = (rollout, started)

    def _route(self, name: str, rollout: Rollout) -> None:
        weights = rollout.weights()
        if (
            rollout.status.final
            or rollout.spec.plan is Plan.SHADOW
            or not any(w > 0 for k, w in weights.items() if k == str(rollout.spec.candidate))
        ):
            self.table.split(name, None, seed=self.seed)
        else:
            self.table.split(name, weights, seed=self.seed)

    # -- the request path ---------------------------------------------------------------------

    def rollout_of(self, name: str) -> Rollout | None:
        """The running rollout of model ``name``, if any."""
        found = self._running.get(name)
        return found[0] if found is not None else None

    def after_request(
        self,
        served: ServedVersion,
        *,
        ok: bool,
        table: Any = None,
        request_id: str | None = None,
    ) -> None:
        """Count a request answered by ``served``; apply the decision it leads to."""
        rollout = self.rollout_of(served.name)
        if rollout is None:
            return
        spec = rollout.spec
        if served.key not in (str(spec.champion), str(spec.candidate)):
            return
        rollout.record_request(served.key, ok=ok)
        if spec.plan is Plan.SHADOW and table is not None and served.key == str(spec.champion):
            self._mirror.submit(self._shadow, served.name, table, request_id)
        decision = rollout.decide()
        if decision.action != "wait":
            self._apply(served.name, rollout, decision)

    def _shadow(self, name: str, table: Any, request_id: str | None) -> None:
        rollout = self.rollout_of(name)
        if rollout is None:
            return
        try:
            candidate = self.table.resolve(name, rollout.spec.candidate)
            predictions = candidate.spec.predict(table, "predict")
            ok = True
        except Exception:
            ok = False
        early = None
        if ok and request_id is not None:
            with self._lock:
                self._shadowed[request_id] = (name, candidate.key, predictions)
                if len(self._shadowed) > self._recent:
                    self._shadowed.popitem(last=False)
                early = self._early.pop(request_id, None)
        if early is not None:  # its label came before the mirror got to it
            self._score_shadow(rollout, predictions, early[1])
        rollout.record_request(rollout.spec.candidate, ok=ok)
        decision = rollout.decide()  # the shadow's count may be what makes the step due
        if decision.action != "wait":
            self._apply(name, rollout, decision)

    def shadow_labels(self, name: str, request_id: str, label: Any) -> None:
        """Judge a shadow's prediction for a labelled request: now, or once it is made."""
        rollout = self.rollout_of(name)
        if rollout is None or rollout.spec.plan is not Plan.SHADOW:
            return
        with self._lock:
            found = self._shadowed.get(request_id)
            if found is None or found[0] != name:
                self._early[request_id] = (name, label)
                if len(self._early) > self._recent:
                    self._early.popitem(last=False)
                return
        self._score_shadow(rollout, found[2], label)

    @staticmethod
    def _score_shadow(rollout: Rollout, predictions: Any, label: Any) -> None:
        scored = score_labels(predictions, label)
        if scored is not None:
            rollout.record_labels(rollout.spec.candidate, labelled=scored[0], correct=scored[1])

    def record_labels(self, name: str, version: str, *, labelled: int, correct: int) -> None:
        """Count feedback labels for predictions ``version`` of ``name`` made."""
        rollout = self.rollout_of(name)
        if rollout is not None:
            rollout.record_labels(version, labelled=labelled, correct=correct)

    # -- decisions ----------------------------------------------------------------------------

    def _apply(self, name: str, rollout: Rollout, decision: RolloutDecision) -> None:
        spec = rollout.spec
        status = _ENDS.get(decision.action, RolloutStatus.RUNNING)
        if decision.action == "promote":
            self.table.set_default(name, spec.candidate)
        self._route(name, rollout)
        with self._lock:
            found = self._running.get(name)
            if found is None or found[0] is not rollout:
                return  # it ended meanwhile (an abort), and that end is recorded
            record = found[1]
            if status.final:
                self._running.pop(name, None)
        # The state this decision left, taken now: the writer may record it after later ones.
        if status.final:
            percent = 100.0 if status is RolloutStatus.PROMOTED else 0.0
        else:
            percent = rollout.percent
        self._writer.submit(self._record, record, spec, decision, status, rollout.step, percent)

    def _record(
        self,
        record: RolloutRecord,
        spec: RolloutSpec,
        decision: RolloutDecision,
        status: RolloutStatus,
        step: int,
        percent: float,
    ) -> None:
        try:
            if decision.action == "promote":
                self.registry.promote(
                    spec.model, spec.candidate, reason=f"rollout {record.name}: {decision.reason}"
                )
            if status.final and CHALLENGER in self.registry.aliases(spec.model):
                self.registry.remove_alias(spec.model, CHALLENGER, reason=decision.reason)
            self.store.record(record, decision, status=status, step=step, percent=percent)
        except Exception:  # recording must never take the server down
            log.exception("could not record a decision of rollout %s", record.name)

    def active(self) -> dict[str, dict[str, Any]]:
        """The running rollouts: step, weights and counters, by model (JSON-ready)."""
        with self._lock:
            running = dict(self._running)
        return {
            name: {
                "rollout": record.name,
                **rollout.spec.to_dict(),
                "status": rollout.status.value,
                "step": rollout.step,
                "weights": rollout.weights(),
                "counts": rollout.counts(),
                "failed_checks": rollout.failed_checks,
            }
            for name, (rollout, record) in running.items()
        }

    def flush(self) -> None:
        """Wait until every decision so far is recorded."""
        self._writer.submit(lambda: None).result()

    def close(self) -> None:
        """Record what is pending and stop the background threads."""
        self._mirror.shutdown(wait=True)
        self._writer.shutdown(wait=True)
