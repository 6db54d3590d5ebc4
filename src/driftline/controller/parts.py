"""What the controller's halves share: the stores, the policy, the clock, the queue and leases.

:class:`ControllerParts` is built once by :class:`~driftline.controller.loop.Controller`; the
trigger desk (:mod:`~driftline.controller.firing`) and the job runner
(:mod:`~driftline.controller.runner`) each hold it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.controller.jobs import JobQueue
from driftline.controller.leases import Leases
from driftline.controller.results import RolloutRequester
from driftline.core.clock import Clock
from driftline.policy.model import Policy
from driftline.store.records import ContextRef

if TYPE_CHECKING:
    from driftline.pipeline import Pipeline
    from driftline.store.stores import HasStores

__all__ = ["CONTROLLER_KIND", "TRAIN_PIPELINE", "ControllerParts"]

TRAIN_PIPELINE = "train"
"""The name of the policy's training pipeline (``driftline trigger train``)."""

CONTROLLER_KIND = "controller"
"""The kind of the context ``controller:MODEL``: trigger records and trigger state."""

_logger = logging.getLogger("driftline.controller")


class ControllerParts:
    """The shared parts of one controller (see the module docstring)."""

    def __init__(
        self,
        stores: HasStores,
        policy: Policy,
        *,
        clock: Clock,
        leases: Leases,
        base: Path,
        params: Mapping[str, Any],
        rollouts: RolloutRequester | None,
        max_crashes: int,
        log: Callable[[str], None] | None,
    ) -> None:
        self.stores = stores
        self.metadata, self.artifacts = stores.metadata, stores.artifacts
        self.policy = policy
        self.clock = clock
        self.leases = leases
        self.queue = JobQueue(self.metadata, clock=clock)
        self.base = base
        self.extra_params = dict(params)
        self.rollouts = rollouts
        self.max_crashes = max_crashes
        self.stop = threading.Event()
        self.fingerprints: dict[tuple[str, int, int], str] = {}
        self._log = log

    @property
    def model(self) -> str:
        """The policy's model name."""
        return self.policy.model.name

    @property
    def key(self) -> str:
        """The key of this policy's retrain jobs: ``retrain:MODEL``."""
        return f"retrain:{self.model}"

    @property
    def context(self) -> ContextRef:
        """``controller:MODEL``: trigger records and the triggers' state."""
        return ContextRef(CONTROLLER_KIND, self.model)

    @property
    def owner(self) -> str:
        """The id this controller claims leases with."""
        return self.leases.owner

    @property
    def stopping(self) -> bool:
        """Whether the controller was asked to stop."""
        return self.stop.is_set()

    def log(self, line: str) -> None:
        """Write one line about a decision."""
        if self._log is not None:
            self._log(line)
        else:
            _logger.info(line)

    def pipeline(self) -> Pipeline:
        """The training pipeline a retrain runs."""
        from driftline.components import standard_pipeline

        return standard_pipeline(TRAIN_PIPELINE)

    def _trainer(self) -> str:
        trainer = self.policy.model.trainer
        file, colon, function = trainer.rpartition(":")
        if colon and file.endswith(".py") and not Path(file).expanduser().is_absolute():
            return f"{self.base / file}:{function}"
        return trainer

    def run_params(self) -> dict[str, Any]:
        """The training pipeline's parameters from the policy (and the extra ``params``)."""
        m, g = self.policy.model, self.policy.gate
        params: dict[str, Any] = {
            "dataset": m.dataset,
            "model_name": m.name,
            "spans": self.policy.spans,
            "trainer": self._trainer(),
            "metric": g.metric,
            "tolerance": g.tolerance,
        }
        if m.trainer_params:
            params["trainer_params"] = dict(m.trainer_params)
        if g.first_model_min is not None:
            params["first_model_min"] = g.first_model_min
        if g.slices:
            params["slices"] = list(g.slices)
        return {**params, **self.extra_params}

    def rollout_settings(self) -> dict[str, Any]:
        """The policy's ``[rollout]`` as a job records it (:class:`RolloutSettings`' dict)."""
        return self.policy.rollout.to_dict()
