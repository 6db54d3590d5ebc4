"""Conformance checks that every trigger kind passes (a third party's own kind can run them too).

:func:`check_trigger` runs one trigger through a set of observations and checks that

* the class declares a ``kind``, its ``keys``, the ``observes`` parts (known ones) and has a
  docstring with an example;
* its table is read with its ``keys`` only: an unknown key is refused, naming it;
* :meth:`~driftline.policy.triggers.Trigger.decide` returns a
  :class:`~driftline.policy.triggers.TriggerVerdict`, is *pure* (the same observation and state
  give the same verdict; neither is changed), a skip never fires, and its evidence and state are
  JSON-ready;
* it decides on an empty observation (nothing observed yet) without raising.

Examples:
    >>> from datetime import datetime, UTC
    >>> from driftline.policy.triggers import ManualTrigger
    >>> check_trigger(ManualTrigger(), [Observation(datetime(2026, 1, 1, tzinfo=UTC))])

"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from driftline.core.errors import ConfigError
from driftline.policy.observation import PARTS, Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict

__all__ = ["TriggerCheckError", "check_trigger"]


class TriggerCheckError(AssertionError):
    """A trigger broke a rule every trigger keeps (the message says which)."""


def _fail(trigger: Trigger, text: str) -> TriggerCheckError:
    return TriggerCheckError(f"{type(trigger).__name__} ({trigger.kind}): {text}")


def _check_class(trigger: Trigger) -> None:
    cls = type(trigger)
    if not isinstance(getattr(cls, "kind", None), str) or not cls.kind:
        raise _fail(trigger, "declares no kind")
    if not isinstance(cls.keys, tuple) or "kind" in cls.keys or not all(cls.keys):
        raise _fail(trigger, "keys must be a tuple of its keys besides kind")
    unknown = set(cls.observes) - PARTS
    if unknown:
        raise _fail(trigger, f"observes unknown parts {sorted(unknown)}; parts: {sorted(PARTS)}")
    if not cls.__doc__ or ">>>" not in cls.__doc__:
        raise _fail(trigger, "needs a docstring with an example")
    allowed = ("kind", *cls.keys)
    try:
        TableReader("checks", "trigger[0]", {"kind": cls.kind, "surely_unknown": 1}, allowed)
    except ConfigError as exc:
        if "surely_unknown" not in str(exc):
            raise _fail(trigger, f"an unknown key is not named: {exc}") from None
    else:
        raise _fail(trigger, "an unknown key was accepted")


def _json(trigger: Trigger, what: str, value: Any) -> None:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise _fail(trigger, f"its {what} is not JSON-ready: {exc}") from None


def _check_decision(trigger: Trigger, observation: Observation, state: Mapping[str, Any]) -> None:
    before = copy.deepcopy(dict(state))
    first = trigger.decide(observation, state)
    if not isinstance(first, TriggerVerdict):
        raise _fail(trigger, f"decide() returned {type(first).__name__}, not a TriggerVerdict")
    if dict(state) != before:
        raise _fail(trigger, "decide() changed the state it was given")
    second = trigger.decide(observation, state)
    if second != first:
        raise _fail(trigger, "decide() is not pure: the same inputs gave another verdict")
    if first.skip is not None and first.fired:
        raise _fail(trigger, f"a skip ({first.skip}) must not fire")
    if not first.reason:
        raise _fail(trigger, "a verdict needs a reason")
    _json(trigger, "evidence", first.evidence)
    _json(trigger, "state", first.state)


def check_trigger(trigger: Trigger, observations: Sequence[Observation]) -> None:
    """Run every check on ``trigger`` with each observation (see the module docstring).

    Each observation is decided on with an empty state, then again with the state its first
    verdict asked to remember (as the controller and the backtest carry it forward).

    Raises:
        TriggerCheckError: naming the trigger and the rule it broke.

    """
    _check_class(trigger)
    if not observations:
        raise _fail(trigger, "check_trigger needs at least one observation")
    empty = Observation(observations[0].now)
    _check_decision(trigger, empty, {})
    for observation in observations:
        _check_decision(trigger, observation, {})
        remembered = trigger.decide(observation, {}).state or {}
        _check_decision(trigger, observation, remembered)
