"""Rollouts: how a candidate version takes traffic from the champion, and when it stops.

A rollout is a record in the metadata store (:class:`RolloutStore`), so the controller that asks
for one, the model servers that run it, the CLI and the dashboard all read the same state. The
engine (:class:`Rollout`) decides from counts alone; the driver (:class:`RolloutDriver`) runs it
inside a server.

Importing this package is cheap; names load on first use.

===========================  ================================================================
:class:`Plan`                ``canary``, ``blue_green`` or ``shadow``
:class:`RolloutSpec`         which versions, the traffic steps, holds and the error margin
:class:`Rollout`             the state machine: counts in, a decision out
:class:`RolloutStore`        rollouts as metadata records, shared by every process
:class:`RolloutRequest`      what the controller asks for after a retrain
:func:`rollout_requester`    records a pending rollout for a request (once per versions)
:class:`RolloutDriver`       runs the rollouts of one server
===========================  ================================================================

Examples:
    >>> from driftline.rollout import Plan
    >>> [plan.value for plan in Plan]
    ['canary', 'blue-green', 'shadow']

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "Plan",
    "Rollout",
    "RolloutDriver",
    "RolloutRequest",
    "RolloutSpec",
    "RolloutStatus",
    "RolloutStore",
    "rollout_requester",
]

_LAZY = {
    "Plan": "driftline.rollout.engine",
    "Rollout": "driftline.rollout.engine",
    "RolloutSpec": "driftline.rollout.engine",
    "RolloutStatus": "driftline.rollout.engine",
    "RolloutStore": "driftline.rollout.store",
    "RolloutRequest": "driftline.rollout.requests",
    "rollout_requester": "driftline.rollout.requests",
    "RolloutDriver": "driftline.rollout.driver",
}

if TYPE_CHECKING:
    from driftline.rollout.driver import RolloutDriver
    from driftline.rollout.engine import Plan, Rollout, RolloutSpec, RolloutStatus
    from driftline.rollout.requests import RolloutRequest, rollout_requester
    from driftline.rollout.store import RolloutStore

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
