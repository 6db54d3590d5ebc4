"""The trigger base class: a kind, its keys, the parts it observes and a pure ``decide``.

A trigger is a small frozen object built from one ``[[trigger]]`` table (:meth:`Trigger.read`
checks its keys and names a bad one). :meth:`Trigger.decide` takes an
:class:`~driftline.policy.observation.Observation` and what the trigger remembered from before
(``state``) and returns a :class:`TriggerVerdict`: fired or not, why, the evidence, a skip code when
it could not decide, and what to remember next. It reads nothing else and changes nothing: the
controller and the backtest call the same ``decide`` on the observations they make.

Every built-in kind passes :func:`driftline.policy.triggers.checks.check_trigger`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from driftline.core.clock import utc
from driftline.policy.observation import ChampionView, Observation
from driftline.policy.reader import TableReader

__all__ = ["Trigger", "TriggerVerdict", "champion_evidence", "no_champion", "state_time"]


@dataclass(frozen=True)
class TriggerVerdict:
    """What a trigger decided on one observation.

    Attributes:
        fired: whether it fired.
        reason: one line saying why (or why not).
        evidence: the numbers, files and versions it decided on (JSON-ready).
        skip: a code when it could not decide (``no_champion``, ``not_enough_labels``...).
        state: what to remember from now on (merged into the trigger's state), or ``None``.

    """

    fired: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None
    state: dict[str, Any] | None = None


class Trigger(ABC):
    """One ``[[trigger]]`` of a policy (see the module docstring).

    Class attributes: ``kind`` (its ``kind = "..."``), ``keys`` (the keys it takes besides
    ``kind``), ``observes`` (the parts of an observation it reads) and ``automatic`` (whether the
    controller evaluates it every tick; a ``manual`` trigger is only ever asked for).
    """

    kind: ClassVar[str]
    keys: ClassVar[tuple[str, ...]] = ()
    observes: ClassVar[frozenset[str]] = frozenset()
    automatic: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def read(cls, table: TableReader) -> Trigger:
        """Build the trigger from its table, checking every key (the reader names a bad one)."""

    @abstractmethod
    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Decide on ``observation``, given what was remembered; read and change nothing else."""


def no_champion() -> TriggerVerdict:
    """The verdict of a trigger that watches the champion when there is none."""
    return TriggerVerdict(False, "no champion serves yet", {}, skip="no_champion")


def champion_evidence(champion: ChampionView) -> dict[str, Any]:
    """The evidence naming the champion: model, version and since when it serves."""
    return {
        "model": champion.name,
        "version": champion.version,
        "since": champion.since.isoformat(),
    }


def state_time(state: Mapping[str, Any], key: str) -> datetime | None:
    """A time remembered in ``state`` as ISO-8601 text (``None`` when absent)."""
    text = state.get(key)
    return utc(datetime.fromisoformat(str(text))) if text else None
