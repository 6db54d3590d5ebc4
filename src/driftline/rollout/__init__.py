"""Rollouts: how a candidate version takes traffic from the champion, and when it stops.

A rollout is a record in the metadata store (:class:`RolloutStore`), so the controller that asks
for one, the model servers that run it, the CLI and the dashboard all read the same state. The
engine (:class:`Rollout`) decides from counts alone; the driver (:class:`RolloutDriver`) runs it
inside a server, through the small protocol :class:`TrafficTable` that the server's model table
satisfies (this package never imports the server).

Importing this package is cheap; names load on first use.

===========================  ================================================================
:class:`Plan`                ``canary``, ``blue-green``, ``shadow`` (or ``none``: no rollout)
:class:`RolloutSettings`     the plan, traffic steps, holds and margins (the policy's
                             ``[rollout]``, in seconds)
:class:`RolloutSpec`         the settings for one candidate against one champion
:class:`Rollout`             the state machine: counts in, a :class:`RolloutDecision` out
:class:`RolloutStore`        rollouts as metadata records, shared by every process
:class:`RolloutRequest`      what the controller asks for after a retrain
:func:`rollout_requester`    records a pending rollout for a request (once per versions)
:class:`RolloutDriver`       runs the rollouts of one server
:class:`TrafficTable`        what the driver needs of the server's model table
===========================  ================================================================

Examples:
    >>> from driftline.rollout import Plan
    >>> [plan.value for plan in Plan]
    ['canary', 'blue-green', 'shadow', 'none']

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "Plan",
    "Rollout",
    "RolloutDecision",
    "RolloutDriver",
    "RolloutRequest",
    "RolloutSettings",
    "RolloutSpec",
    "RolloutStatus",
    "RolloutStore",
    "TrafficTable",
    "rollout_requester",
]

_LAZY = {
    "Plan": "driftline.rollout.settings",
    "RolloutSettings": "driftline.rollout.settings",
    "Rollout": "driftline.rollout.engine",
    "RolloutDecision": "driftline.rollout.engine",
    "RolloutSpec": "driftline.rollout.engine",
    "RolloutStatus": "driftline.rollout.engine",
    "RolloutStore": "driftline.rollout.store",
    "RolloutRequest": "driftline.rollout.requests",
    "rollout_requester": "driftline.rollout.requests",
    "RolloutDriver": "driftline.rollout.driver",
    "TrafficTable": "driftline.rollout.traffic",
}

if TYPE_CHECKING:
    from driftline.rollout.driver import RolloutDriver
    from driftline.rollout.engine import Rollout, RolloutDecision, RolloutSpec, RolloutStatus
    from driftline.rollout.requests import RolloutRequest, rollout_requester
    from driftline.rollout.settings import Plan, RolloutSettings
    from driftline.rollout.store import RolloutStore
    from driftline.rollout.traffic import TrafficTable

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
