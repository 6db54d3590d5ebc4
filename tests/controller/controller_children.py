"""Functions the controller tests run in spawned processes (a light module: quick to import)."""

from __future__ import annotations

from typing import Any

from driftline.controller.leases import Leases
from driftline.controller.loop import Controller
from driftline.policy.model import Policy
from driftline.workspace import Workspace

POLICY = {
    "model": {"name": "synth", "dataset": "synth", "label": "label"},
    "rollout": {"plan": "none"},
}


def trigger(folder: str, i: int, barrier: Any, results: Any) -> None:
    """Fire a manual trigger when every process is ready; report the outcome."""
    with Workspace.open(folder) as ws:
        ctl = Controller(ws, Policy.from_dict(POLICY), log=lambda line: None)
        barrier.wait()
        results.put(ctl.trigger("train", reason=f"process {i}").outcome)


def claim(folder: str, i: int, barrier: Any, results: Any) -> None:
    """Claim one lease when every process is ready; report the owner, or None."""
    with Workspace.open(folder) as ws:
        leases = Leases(ws.metadata, owner=f"p{i}", seconds=60)
        barrier.wait()
        lease = leases.claim("retrain:synth#1")
        results.put(lease.owner if lease is not None else None)


def trigger_and_tick(folder: str, i: int, barrier: Any, results: Any) -> None:
    """Fire a manual trigger and tick when every process is ready; report what happened."""
    with Workspace.open(folder) as ws:
        ctl = Controller(
            ws,
            Policy.from_dict(POLICY),
            params={"requests": 5, "exclude": ["region"], "trainer": "sklearn:LogisticRegression"},
            log=lambda line: None,
        )
        barrier.wait()
        outcome = ctl.trigger("train", reason=f"process {i}").outcome
        tick = ctl.tick()
        results.put({"outcome": outcome, "jobs": [j.to_dict() for j in tick.jobs]})
