"""The controller's way to ask for a rollout: a pending rollout record that the server runs.

The controller takes a function (``Controller(..., rollouts=rollout_requester(metadata))``), and
this is that function. Asking twice for the same versions finds the first request: a
controller that died after asking and is started again never asks for a second rollout.

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> with open_metadata_store("sqlite://", create=True) as meta:
    ...     request = rollout_requester(meta)
    ...     ask = RolloutRequest("churn", 1, 2, "canary", (5.0, 100.0), 100, None, 1, 0.0,
    ...                          "retrained by job retrain:churn#2", "controller")
    ...     first, again = request(ask), request(ask)
    ...     status = RolloutStore(meta).get(first).status.value
    >>> first, again, status
    ('churn#1', 'churn#1', 'pending')

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftline.rollout.engine import Plan, RolloutSpec
from driftline.rollout.store import RolloutStore

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["RolloutRequest", "RolloutRequester", "rollout_requester"]


@dataclass(frozen=True)
class RolloutRequest:
    """A rollout the controller asks for after a retrain (the policy's ``[rollout]``)."""

    model: str
    champion: int
    candidate: int
    plan: str
    steps: tuple[float, ...]
    hold_requests: int
    hold_minutes: float | None
    max_failed_checks: int
    tolerance: float
    reason: str
    by: str


RolloutRequester = Callable[[RolloutRequest], str]
"""Records a pending rollout (or finds the one recorded for the same versions); returns its name.

The model server runs rollouts; :func:`rollout_requester` records them in the metadata store.
"""


def rollout_requester(metadata: MetadataStore) -> Callable[[RolloutRequest], str]:
    """A function that records a pending rollout for a request and returns its name."""
    store = RolloutStore(metadata)

    def request(ask: RolloutRequest) -> str:
        for earlier in store.all(ask.model):
            spec = earlier.spec
            if (spec.champion, spec.candidate) == (ask.champion, ask.candidate):
                return earlier.name
        spec = RolloutSpec(
            ask.model,
            champion=ask.champion,
            candidate=ask.candidate,
            plan=Plan(ask.plan),
            steps=ask.steps,
            hold_requests=ask.hold_requests,
            hold_seconds=ask.hold_minutes * 60.0 if ask.hold_minutes is not None else None,
            max_failed_checks=ask.max_failed_checks,
            tolerance=ask.tolerance,
        )
        return store.request(spec, by=ask.by, reason=ask.reason).name

    return request
