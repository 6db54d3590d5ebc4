"""The policy file (its model lives in :mod:`driftline.policy.model`; these names keep working)."""

from __future__ import annotations

from driftline.policy.model import (
    BacktestSettings,
    Cooldown,
    Gate,
    ModelPolicy,
    Policy,
    RolloutPlan,
    load_policy,
)
from driftline.policy.triggers import TRIGGER_KINDS, Trigger

__all__ = [
    "BacktestSettings",
    "Cooldown",
    "Gate",
    "ModelPolicy",
    "Policy",
    "RolloutPlan",
    "TRIGGER_KINDS",
    "Trigger",
    "load_policy",
]
