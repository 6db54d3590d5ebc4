"""A model's history, rebuilt from its ``register`` and ``alias`` executions (the event log).

The registry keeps no mutable state: every registration and every alias change is one execution,
and the current aliases are what replaying those executions in order (by execution id) gives.
The ``previous`` of each alias change is taken from the replay too, so the history stays
consistent even when two processes changed the same alias at the same moment (the change
recorded last wins).

Examples:
    >>> from datetime import UTC, datetime
    >>> from driftline.store.records import Execution, ExecutionState
    >>> def alias(i, version):
    ...     props = {"model": "m", "alias": "champion", "version": version, "action": "set"}
    ...     at = datetime(2026, 1, 1, tzinfo=UTC)
    ...     return Execution(i, "alias", ExecutionState.COMPLETE, {}, "", None, props, at, at,
    ...                      at, None)
    >>> log = transitions("m", [alias(3, 2), alias(1, 1)])
    >>> [(t.version, t.previous) for t in log], current_aliases(log)
    ([(1, None), (2, 1)], {'champion': 2})

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from driftline.registry.versions import Action, Transition
from driftline.store.records import Execution, ExecutionState

__all__ = ["ALIAS_KIND", "REGISTER_KIND", "current_aliases", "transitions"]

REGISTER_KIND = "register"
"""The execution kind that registers a version."""

ALIAS_KIND = "alias"
"""The execution kind that sets, moves or removes an alias."""


def _version(value: object) -> int | None:
    return None if value is None else int(str(value))


def _action(value: object) -> Action:
    try:
        return Action(str(value))
    except ValueError:
        return Action.SET


def transitions(name: str, executions: Iterable[Execution]) -> list[Transition]:
    """The history of model ``name`` from its executions (any order), oldest first.

    Executions of other kinds, of other models, or that did not complete are skipped.
    """
    current: dict[str, int] = {}
    out: list[Transition] = []
    for e in sorted(executions, key=lambda e: e.id):
        p = e.properties
        if e.state is not ExecutionState.COMPLETE or p.get("model") != name:
            continue
        by, reason = str(p.get("by") or ""), str(p.get("reason") or "")
        if e.kind == REGISTER_KIND:
            number = _version(p.get("version"))
            out.append(
                Transition(
                    name, None, number, None, Action.REGISTER, by, reason, e.created_at, e.id
                )
            )
        elif e.kind == ALIAS_KIND and isinstance(p.get("alias"), str):
            alias = str(p["alias"])
            number = _version(p.get("version"))
            previous = current.get(alias)
            if number is None:
                current.pop(alias, None)
            else:
                current[alias] = number
            action = _action(p.get("action"))
            out.append(
                Transition(name, alias, number, previous, action, by, reason, e.created_at, e.id)
            )
    return out


def current_aliases(history: Sequence[Transition]) -> dict[str, int]:
    """Each alias set at the end of ``history`` (oldest first), with its version, sorted."""
    current: dict[str, int] = {}
    for t in history:
        if t.alias is None:
            continue
        if t.version is None:
            current.pop(t.alias, None)
        else:
            current[t.alias] = t.version
    return dict(sorted(current.items()))
