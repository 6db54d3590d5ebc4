"""The policy: the checked policy file, its trigger kinds, the cooldown and cron schedules.

The rules of the adaptation loop live here once. The controller (:mod:`driftline.controller`)
turns the workspace's stores into :class:`Observation` s and the backtest turns a replayed stream
into the same observations; both ask the same triggers to :meth:`~Trigger.decide`, hold retrains
back with the same :func:`cooldown_until`, and gate challengers with the same
:func:`driftline.components.gate.judge`.

Importing this package is cheap; names load on first use.

=========================  ========================================================================
:class:`Policy`            the checked policy file (:func:`load_policy`)
:class:`Trigger`           a trigger kind: ``read`` its keys, ``decide(observation, state)``
:func:`read_trigger`       the trigger of one ``[[trigger]]`` table
:class:`Observation`       what triggers decide on (champion, live outcomes, new spans, drift)
:class:`TriggerVerdict`    fired or not, why, the evidence, a skip code, what to remember
:func:`cooldown_until`     whether a cooldown holds automatic triggers back
:class:`CronSchedule`      a parsed cron expression and when it fires next
=========================  ========================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "CronSchedule",
    "Observation",
    "Policy",
    "Trigger",
    "TriggerVerdict",
    "cooldown_until",
    "load_policy",
    "read_trigger",
]

_LAZY = {
    "CronSchedule": "driftline.policy.cron",
    "Observation": "driftline.policy.observation",
    "Policy": "driftline.policy.model",
    "load_policy": "driftline.policy.model",
    "Trigger": "driftline.policy.triggers",
    "TriggerVerdict": "driftline.policy.triggers",
    "read_trigger": "driftline.policy.triggers",
    "cooldown_until": "driftline.policy.cooldown",
}

if TYPE_CHECKING:
    from driftline.policy.cooldown import cooldown_until
    from driftline.policy.cron import CronSchedule
    from driftline.policy.model import Policy, load_policy
    from driftline.policy.observation import Observation
    from driftline.policy.triggers import Trigger, TriggerVerdict, read_trigger

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
