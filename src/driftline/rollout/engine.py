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
from dataclasses import dataclass, field
from enum import StrEnum
from math import inf
from typing import Any

from driftline.core.errors import InputError

__all__ = ["Decision", "Plan", "Rollout", "RolloutSpec", "RolloutStatus", "VersionCounts"]


class Plan(StrEnum):
    """How the candidate takes traffic."""

    CANARY = "canary"
    BLUE_GREEN = "blue-green"
    SHADOW = "shadow"


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
class RolloutSpec:
    """What to roll out and how (see the module docstring)."""

    model: str
    champion: int
    candidate: int
    plan: Plan = Plan.CANARY
    steps: tuple[float, ...] = (5.0, 25.0, 100.0)
    hold_requests: int = 500
    hold_seconds: float | None = None
    max_failed_checks: int = 1
    tolerance: float = 0.0
    error_margin: float = 0.01
    min_labels: int = 50

    def __post_init__(self) -> None:
        if self.champion == self.candidate:
            raise InputError(f"version {self.candidate} of {self.model!r} is already the champion")
        try:
            plan = Plan(self.plan)
        except ValueError:
            plans = ", ".join(p.value for p in Plan)
            raise InputError(f"plan must be one of {plans}, got {self.plan!r}") from None
        object.__setattr__(self, "plan", plan)
        try:
            steps = (100.0,) if plan is Plan.BLUE_GREEN else tuple(float(s) for s in self.steps)
        except (TypeError, ValueError):
            raise InputError(f"steps must be percentages, got {self.steps!r}") from None
        if not steps or any(not 0 < s <= 100 for s in steps) or list(steps) != sorted(steps):
            raise InputError(f"steps must be increasing percentages in (0, 100], got {steps}")
        if plan is Plan.CANARY and steps[-1] != 100:
            raise InputError(f"a canary's last step must be 100 %, got {steps}")
        object.__setattr__(self, "steps", steps)
        for name in ("hold_requests", "max_failed_checks", "min_labels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a whole number of at least 1, got {value!r}")
        for name in ("tolerance", "error_margin", "hold_seconds"):
            value = getattr(self, name)
            if value is None and name == "hold_seconds":
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not 0 <= value < inf:
                raise InputError(f"{name} must be a number of at least 0, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "model": self.model,
            "champion": self.champion,
            "candidate": self.candidate,
            "plan": self.plan.value,
            "steps": list(self.steps),
            "hold_requests": self.hold_requests,
            "hold_seconds": self.hold_seconds,
            "max_failed_checks": self.max_failed_checks,
            "tolerance": self.tolerance,
            "error_margin": self.error_margin,
            "min_labels": self.min_labels,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RolloutSpec:
        """Rebuild a spec from :meth:`to_dict`."""
        return cls(**{**d, "plan": Plan(d["plan"]), "steps": tuple(d["steps"])})


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
class Decision:
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
        self.decisions: list[Decision] = []

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

    def weights(self) -> dict[int | str, float]:
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

    def _switch(self) -> Decision:
        """A blue-green's baseline is measured: keep it, send all traffic to the candidate."""
        self._before = self._counts[self.spec.champion]
        self.step = 1
        self._next_step()
        return Decision(
            "switch",
            "the champion's baseline is measured: all traffic to the candidate",
            {"step": 0, "percent": 0.0, "champion": vars(self._before).copy()},
        )

    def decide(self) -> Decision:
        """Check the step if it is due; move on, roll back or promote (see the module docstring)."""
        with self._lock:
            if self.status.final:
                return Decision("wait", f"rollout is {self.status.value}")
            s = self.spec
            if s.plan is Plan.BLUE_GREEN and self.step == 0:
                if not self._due(self._counts[s.champion]):
                    return Decision("wait")
                decision = self._switch()
                self.decisions.append(decision)
                return decision
            candidate = self._counts[s.candidate]
            if not self._due(candidate):
                return Decision("wait")
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
                decision = Decision("pass" if ok else "fail", why, evidence)
            elif not ok:
                self.failed_checks += 1
                if self.failed_checks >= s.max_failed_checks or s.plan is Plan.BLUE_GREEN:
                    self.status = RolloutStatus.ROLLED_BACK
                    decision = Decision("rollback", why, evidence)
                else:
                    decision = Decision("hold", why, evidence)
                self._next_step()
            elif self.step + 1 >= len(s.steps):
                self.status = RolloutStatus.PROMOTED
                decision = Decision("promote", why, evidence)
            else:
                self.step += 1
                self._next_step()
                decision = Decision("advance", why, evidence)
            self.decisions.append(decision)
            return decision

    def abort(self, reason: str = "aborted") -> Decision:
        """Stop now: the champion takes all traffic back (``wait`` if it is over already)."""
        with self._lock:
            if self.status.final:
                return Decision("wait", f"rollout is {self.status.value}")
            self.status = RolloutStatus.ABORTED
            decision = Decision("abort", reason, {"step": self.step})
            self.decisions.append(decision)
            return decision
