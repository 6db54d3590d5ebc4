"""Rollouts: how a candidate version takes traffic from the champion, and when it stops.

A :class:`Rollout` lives in the server. Requests and feedback labels are counted per version
(:meth:`Rollout.record_request`, :meth:`Rollout.record_label`); :meth:`Rollout.decide` is called
after each request and says what to do next:

* **canary** — the candidate takes ``steps[0]`` % of the traffic, then the next step, and so on.
  Each step is held for ``hold_requests`` candidate requests (or ``hold_seconds``, whichever comes
  first when both are set). At the end of a step the candidate is **checked** against the
  champion on the traffic of that step: its error rate must not be higher by more than
  ``error_margin``, and, when both have at least ``min_labels`` labelled predictions, its live
  accuracy must not be lower by more than ``tolerance``. A failed check holds the step again;
  ``max_failed_checks`` failed checks roll the candidate back (0 % at once). Passing the last
  step (100 %) promotes it.
* **blue-green** — the champion first answers alone for one hold (step 0, 0 %): its counters
  are what it did before the switch. Then the candidate takes 100 % at once (step 1); after the
  hold it is checked against those counters; a failed check switches back at once, a pass
  promotes.
* **shadow** — the champion keeps answering; the candidate scores a mirrored copy of every
  request (its answers are logged, never returned). After the hold it is checked the same way;
  the verdict is recorded and traffic never changes (``passed`` or ``failed``).

Decisions are pure functions of the counters, so they are tested without a server.

Examples:
    >>> r = Rollout(RolloutSpec("churn", champion=1, candidate=2, steps=(50.0, 100.0),
    ...                         hold_requests=2, min_labels=2))
    >>> r.weights()
    {'1': 50.0, '2': 50.0}
    >>> for ok in (True, True):
    ...     r.record_request(1, ok=True); r.record_request(2, ok=ok)
    ...     r.record_labels(1, labelled=1, correct=1); r.record_labels(2, labelled=1, correct=1)
    >>> d = r.decide(); d.action, r.weights()
    ('advance', {'1': 0.0, '2': 100.0})

"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from driftline.core.errors import InputError
from driftline.rollout.settings import Plan, RolloutSettings, settings_from

__all__ = [
    "Plan",
    "Rollout",
    "RolloutDecision",
    "RolloutSettings",
    "RolloutSpec",
    "RolloutStatus",
    "VersionCounts",
]


class RolloutStatus(StrEnum):
    """Where a rollout is."""

    PENDING = "pending"
    RUNNING = "running"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"
    ABORTED = "aborted"
    PASSED = "passed"
    FAILED = "failed"

    @property
    def final(self) -> bool:
        """Whether the rollout is over."""
        return self not in (RolloutStatus.PENDING, RolloutStatus.RUNNING)


@dataclass(frozen=True)
class RolloutSpec(RolloutSettings):
    """What to roll out (``model``, ``champion``, ``candidate``) and how (its settings).

    The settings are :class:`~driftline.rollout.settings.RolloutSettings`' (see the module
    docstring), given as keywords or built from settings with :meth:`of`.

    Raises:
        InputError: the candidate is the champion, the plan is ``none``, or a bad setting.

    """

    model: str
    champion: int
    candidate: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.champion == self.candidate:
            raise InputError(f"version {self.candidate} of {self.model!r} is already the champion")
        if self.plan is Plan.NONE:
            plans = ", ".join(p.value for p in Plan if p is not Plan.NONE)
            raise InputError(f"a rollout's plan must be one of {plans}, got 'none'")

    @classmethod
    def of(
        cls, model: str, champion: int, candidate: int, settings: RolloutSettings
    ) -> RolloutSpec:
        """The rollout of ``candidate`` against ``champion`` with ``settings``."""
        return cls(model, champion, candidate, **settings.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        versions = {"model": self.model, "champion": self.champion, "candidate": self.candidate}
        return {**versions, **super().to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RolloutSpec:
        """Rebuild a spec from :meth:`to_dict`."""
        return cls(str(d["model"]), int(d["champion"]), int(d["candidate"]), **settings_from(d))


@dataclass
class VersionCounts:
    """Requests, errors and labelled predictions of one version in one step."""

    requests: int = 0
    errors: int = 0
    labelled: int = 0
    correct: int = 0

    @property
    def error_rate(self) -> float:
        """Errors per request (0 without requests)."""
        return self.errors / self.requests if self.requests else 0.0

    @property
    def accuracy(self) -> float | None:
        """Correct per labelled prediction (``None`` without labels)."""
        return self.correct / self.labelled if self.labelled else None


@dataclass(frozen=True)
class RolloutDecision:
    """What :meth:`Rollout.decide` says, with why and the numbers.

    Actions: ``wait``, ``advance``, ``hold`` (a failed check; the step is held again),
    ``switch`` (a blue-green's switch to the candidate), ``promote``, ``rollback``, ``pass`` or
    ``fail`` (a shadow), ``abort``.
    """

    action: str
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


class Rollout:
    """A running rollout: its step, its counters, its decisions (thread-safe)."""

    def __init__(self, spec: RolloutSpec, *, clock: Any = time.monotonic) -> None:
        self.spec = spec
        self.status = RolloutStatus.RUNNING
        self.step = 0
        self.failed_checks = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._step_started = clock()
        self._counts = {spec.champion: VersionCounts(), spec.candidate: VersionCounts()}
        self._before = VersionCounts()  # the champion before a blue-green switch
        self.decisions: list[RolloutDecision] = []

    @property
    def percent(self) -> float:
        """The candidate's share of answered traffic now (0 for a shadow)."""
        if self.status is RolloutStatus.PROMOTED:
            return 100.0
        if self.status.final or self.spec.plan is Plan.SHADOW:
            return 0.0
        if self.spec.plan is Plan.BLUE_GREEN:
            return 100.0 if self.step > 0 else 0.0
        return self.spec.steps[self.step]

    def weights(self) -> dict[str, float]:
        """Traffic weights by version key, for a weighted chooser."""
        p = self.percent
        return {str(self.spec.champion): 100.0 - p, str(self.spec.candidate): p}

    def record_request(self, version: int | str, *, ok: bool) -> None:
        """Count one answered (or mirrored) request of ``version``."""
        with self._lock:
            counts = self._counts.get(int(version))
            if counts is not None:
                counts.requests += 1
                counts.errors += 0 if ok else 1

    def record_labels(self, version: int | str, *, labelled: int, correct: int) -> None:
        """Count feedback labels for predictions of ``version``: how many, how many right."""
        with self._lock:
            counts = self._counts.get(int(version))
            if counts is not None:
                counts.labelled += labelled
                counts.correct += correct

    def counts(self) -> dict[str, dict[str, Any]]:
        """The counters of this step, by version key (JSON-ready)."""
        with self._lock:
            return {
                str(v): {**vars(c), "accuracy": c.accuracy, "error_rate": c.error_rate}
                for v, c in self._counts.items()
            }

    def _check(self, baseline: VersionCounts, candidate: VersionCounts) -> tuple[bool, str]:
        s = self.spec
        if candidate.error_rate > baseline.error_rate + s.error_margin:
            return False, (
                f"error rate {candidate.error_rate:.3f} vs champion {baseline.error_rate:.3f}"
            )
        mine, theirs = candidate.accuracy, baseline.accuracy
        enough = candidate.labelled >= s.min_labels and baseline.labelled >= s.min_labels
        if enough and mine is not None and theirs is not None and mine < theirs - s.tolerance:
            return False, f"live accuracy {mine:.4f} vs champion {theirs:.4f}"
        if enough and mine is not None and theirs is not None:
            return True, f"live accuracy {mine:.4f} vs champion {theirs:.4f}"
        return True, "error rate not higher (too few labels to compare accuracy)"

    def _due(self, counts: VersionCounts) -> bool:
        if counts.requests >= self.spec.hold_requests:
            return True
        held = self.spec.hold_seconds
        return held is not None and self._clock() - self._step_started >= held

    def _next_step(self) -> None:
        self._step_started = self._clock()
        self._counts = {self.spec.champion: VersionCounts(), self.spec.candidate: VersionCounts()}

    def _switch(self) -> RolloutDecision:
        """A blue-green's baseline is measured: keep it, send all traffic to the candidate."""
        self._before = self._counts[self.spec.champion]
        self.step = 1
        self._next_step()
        return RolloutDecision(
            "switch",
            "the champion's baseline is measured: all traffic to the candidate",
            {"step": 0, "percent": 0.0, "champion": vars(self._before).copy()},
        )

    def decide(self) -> RolloutDecision:
        """Check the step if it is due; move on, roll back or promote (see the module docstring)."""
        with self._lock:
            if self.status.final:
                return RolloutDecision("wait", f"rollout is {self.status.value}")
            s = self.spec
            if s.plan is Plan.BLUE_GREEN and self.step == 0:
                if not self._due(self._counts[s.champion]):
                    return RolloutDecision("wait")
                decision = self._switch()
                self.decisions.append(decision)
                return decision
            candidate = self._counts[s.candidate]
            if not self._due(candidate):
                return RolloutDecision("wait")
            baseline = self._before if s.plan is Plan.BLUE_GREEN else self._counts[s.champion]
            ok, why = self._check(baseline, candidate)
            evidence = {
                "step": self.step,
                "percent": self.percent,
                "champion": vars(baseline).copy(),
                "candidate": vars(candidate).copy(),
            }
            if s.plan is Plan.SHADOW:
                self.status = RolloutStatus.PASSED if ok else RolloutStatus.FAILED
                decision = RolloutDecision("pass" if ok else "fail", why, evidence)
            elif not ok:
                self.failed_checks += 1
                if self.failed_checks >= s.max_failed_checks or s.plan is Plan.BLUE_GREEN:
                    self.status = RolloutStatus.ROLLED_BACK
                    decision = RolloutDecision("rollback", why, evidence)
                else:
                    decision = RolloutDecision("hold", why, evidence)
                self._next_step()
            elif self.step + 1 >= len(s.steps):
                self.status = RolloutStatus.PROMOTED
                decision = RolloutDecision("promote", why, evidence)
            else:
                self.step += 1
                self._next_step()
                decision = RolloutDecision("advance", why, evidence)
            self.decisions.append(decision)
            return decision

    def abort(self, reason: str = "aborted") -> RolloutDecision:
        """Stop now: the champion takes all traffic back (``wait`` if it is over already)."""
        with self._lock:
            if self.status.final:
                return RolloutDecision("wait", f"rollout is {self.status.value}")
            self.status = RolloutStatus.ABORTED
            decision = RolloutDecision("abort", reason, {"step": self.step})
            self.decisions.append(decision)
            return decision
