"""The controller's way to ask for a rollout: a pending rollout record that the server runs.

The controller takes a function (``Controller(..., rollouts=rollout_requester(metadata))``), and
this is that function. Asking twice for the same versions finds the first request: a
controller that died after asking and is started again never asks for a second rollout.

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.rollout.engine import RolloutSpec
    >>> with open_metadata_store("sqlite://", create=True) as meta:
    ...     request = rollout_requester(meta)
    ...     spec = RolloutSpec("churn", 1, 2, steps=(5.0, 100.0), hold_requests=100)
    ...     ask = RolloutRequest(spec, reason="retrained by job retrain:churn#2", by="controller")
    ...     first, again = request(ask), request(ask)
    ...     status = RolloutStore(meta).get(first).status.value
    >>> first, again, status
    ('churn#1', 'churn#1', 'pending')

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftline.rollout.engine import RolloutSpec
from driftline.rollout.store import RolloutStore

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["RolloutRequest", "RolloutRequester", "rollout_requester"]


@dataclass(frozen=True)
class RolloutRequest:
    """A rollout the controller asks for after a retrain: the spec, why, and who asks."""

    spec: RolloutSpec
    reason: str = ""
    by: str = ""


RolloutRequester = Callable[[RolloutRequest], str]
"""Records a pending rollout (or finds the one recorded for the same versions); returns its name.

The model server runs rollouts; :func:`rollout_requester` records them in the metadata store.
"""


def rollout_requester(metadata: MetadataStore) -> RolloutRequester:
    """A function that records a pending rollout for a request and returns its name."""
    store = RolloutStore(metadata)

    def request(ask: RolloutRequest) -> str:
        spec = ask.spec
        for earlier in store.all(spec.model):
            if (earlier.spec.champion, earlier.spec.candidate) == (spec.champion, spec.candidate):
                return earlier.name
        return store.request(spec, by=ask.by or None, reason=ask.reason).name

    return request
