"""How a candidate version takes traffic: the one settings type from the policy to the engine.

:class:`RolloutSettings` is what the policy's ``[rollout]`` reads into
(:attr:`driftline.policy.model.Policy.rollout`), what a retrain job records, and what a
:class:`~driftline.rollout.engine.RolloutSpec` (the settings plus which versions) holds. Times
are seconds everywhere; only the policy file speaks of ``hold_minutes``.

=======================  ======================================================================
``plan``                 ``canary``, ``blue-green``, ``shadow``; ``none`` (a policy's only):
                         no rollout, a blessed version becomes the champion at once
``steps``                the candidate's traffic percentages, increasing (a canary ends at 100)
``hold_requests``        candidate requests per step before it is checked
``hold_seconds``         or this long, whichever comes first (``None``: requests only)
``max_failed_checks``    failed checks that roll the candidate back
``tolerance``            how much lower its live accuracy may be than the champion's
``error_margin``         how much higher its error rate may be than the champion's
``min_labels``           labelled predictions each needs before accuracies are compared
=======================  ======================================================================

Examples:
    >>> settings = RolloutSettings(steps=(10, 100), hold_seconds=300)
    >>> settings.steps, settings.hold_seconds, settings.min_labels
    ((10.0, 100.0), 300, 50)
    >>> RolloutSettings.from_dict(settings.to_dict()) == settings
    True
    >>> RolloutSettings(plan="blue-green").steps
    (100.0,)
    >>> RolloutSettings(min_labels=0)
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: min_labels must be an int >= 1, got 0

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from math import inf
from typing import Any

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_params

__all__ = ["Plan", "RolloutSettings"]

_COUNT = Interval(int, 1)
_AMOUNT = Interval(float, 0, inf, closed="left")
_PARAMS = {
    "hold_requests": _COUNT,
    "max_failed_checks": _COUNT,
    "min_labels": _COUNT,
    "tolerance": _AMOUNT,
    "error_margin": _AMOUNT,
    "hold_seconds": _AMOUNT | None,
}


class Plan(StrEnum):
    """How the candidate takes traffic (``none``: no rollout, for a policy)."""

    CANARY = "canary"
    BLUE_GREEN = "blue-green"
    SHADOW = "shadow"
    NONE = "none"


@dataclass(frozen=True, kw_only=True)
class RolloutSettings:
    """How a rollout runs (see the module docstring); checked when made.

    Raises:
        InputError: a value out of range, naming the setting, what it must be and what it was.

    """

    plan: Plan = Plan.CANARY
    steps: tuple[float, ...] = (5.0, 25.0, 100.0)
    hold_requests: int = 500
    hold_seconds: float | None = None
    max_failed_checks: int = 1
    tolerance: float = 0.0
    error_margin: float = 0.01
    min_labels: int = 50

    def __post_init__(self) -> None:
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
        check_params("", {name: getattr(self, name) for name in _PARAMS}, _PARAMS)

    @property
    def settings(self) -> RolloutSettings:
        """Just the settings (a :class:`~driftline.rollout.engine.RolloutSpec` has versions too)."""
        return RolloutSettings(**self.values())

    def values(self) -> dict[str, Any]:
        """The settings by name, as they are (``plan`` a :class:`Plan`, ``steps`` a tuple)."""
        return {f.name: getattr(self, f.name) for f in fields(RolloutSettings)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``hold_seconds`` in seconds)."""
        return {
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
    def from_dict(cls, d: Mapping[str, Any]) -> RolloutSettings:
        """Rebuild settings from :meth:`to_dict` (or an older record's ``hold_minutes``)."""
        return cls(**settings_from(d))


def settings_from(d: Mapping[str, Any]) -> dict[str, Any]:
    """The settings' keys of a stored dictionary; ``hold_minutes`` becomes ``hold_seconds``."""
    names = {f.name for f in fields(RolloutSettings)}
    values = {k: v for k, v in d.items() if k in names}
    if "steps" in values:
        values["steps"] = tuple(values["steps"])
    minutes = d.get("hold_minutes")
    if "hold_seconds" not in values and minutes is not None:
        values["hold_seconds"] = float(minutes) * 60.0
    return values
