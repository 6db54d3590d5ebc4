"""Rollouts as records in the metadata store, so the CLI, the server and a dashboard share them.

A rollout is a context of kind ``rollout`` named ``MODEL#N`` (numbered per model) whose
properties hold its spec (:class:`~driftline.rollout.engine.RolloutSpec`), ``status``,
``step``, ``percent``, ``abort_requested``, who asked and why, and when it started and ended.
Every decision is an execution of kind ``rollout`` (properties: the action, the reason, the
evidence) associated with it, so the history of a rollout is a query.

``driftline rollout start`` records a *pending* rollout; the server that serves the model picks
it up, runs it and records each decision; ``driftline rollout abort`` sets ``abort_requested``,
which the server obeys. One model has at most one pending or running rollout.

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.rollout.engine import RolloutSpec
    >>> with open_metadata_store("sqlite://", create=True) as meta:
    ...     store = RolloutStore(meta)
    ...     first = store.request(RolloutSpec("churn", 1, 2), by="ana", reason="weekly retrain")
    ...     again = store.active("churn")
    >>> first.name, first.status.value, [r.name for r in again]
    ('churn#1', 'pending', ['churn#1'])

"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from driftline.core.errors import ConflictError, NotFoundError
from driftline.rollout.engine import RolloutDecision, RolloutSpec, RolloutStatus
from driftline.store.numbering import claim_next_number
from driftline.store.queries import ContextQuery, ExecutionQuery
from driftline.store.records import Context, ContextRef, ExecutionState, NewExecution
from driftline.store.stores import HasStores, metadata_of

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["ROLLOUT_KIND", "RolloutRecord", "RolloutStore"]

ROLLOUT_KIND = "rollout"
"""The kind of a rollout's context and of its decisions' executions."""


@dataclass(frozen=True)
class RolloutRecord:
    """A rollout as stored."""

    id: int
    name: str
    spec: RolloutSpec
    status: RolloutStatus
    step: int
    percent: float
    abort_requested: bool
    requested_by: str
    reason: str
    started_at: str | None
    ended_at: str | None

    @classmethod
    def from_context(cls, context: Context) -> RolloutRecord:
        """Rebuild a record from its context."""
        p: Mapping[str, Any] = context.properties
        return cls(
            id=context.id,
            name=context.name,
            spec=RolloutSpec.from_dict(dict(p["spec"])),
            status=RolloutStatus(p["status"]),
            step=int(p.get("step", 0)),
            percent=float(p.get("percent", 0.0)),
            abort_requested=bool(p.get("abort_requested", False)),
            requested_by=str(p.get("requested_by", "")),
            reason=str(p.get("reason", "")),
            started_at=p.get("started_at"),
            ended_at=p.get("ended_at"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "id": self.id,
            "name": self.name,
            **self.spec.to_dict(),
            "status": self.status.value,
            "step": self.step,
            "percent": self.percent,
            "abort_requested": self.abort_requested,
            "requested_by": self.requested_by,
            "reason": self.reason,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()


class RolloutStore:
    """Request, find, update and abort rollouts in a metadata store.

    Args:
        stores: the metadata store, or anything holding one (a
            :class:`~driftline.store.stores.Stores`, a workspace: ``ws.rollouts`` is one).

    """

    def __init__(self, stores: MetadataStore | HasStores) -> None:
        self.metadata = metadata_of(stores)

    def all(self, model: str | None = None) -> list[RolloutRecord]:
        """Every rollout (of ``model``), oldest first."""
        found = self.metadata.contexts(ContextQuery(kind=ROLLOUT_KIND, ascending=True))
        records = [RolloutRecord.from_context(c) for c in found]
        return [r for r in records if model is None or r.spec.model == model]

    def active(self, model: str | None = None) -> list[RolloutRecord]:
        """The pending and running rollouts (of ``model``)."""
        return [r for r in self.all(model) if not r.status.final]

    def get(self, name: str) -> RolloutRecord:
        """The rollout ``MODEL#N``.

        Raises:
            NotFoundError: no such rollout.

        """
        for record in self.all():
            if record.name == name:
                return record
        raise NotFoundError(f"no rollout {name!r}")

    def request(
        self, spec: RolloutSpec, *, by: str | None = None, reason: str = ""
    ) -> RolloutRecord:
        """Record a pending rollout of ``spec``.

        Raises:
            ConflictError: the model has a pending or running rollout already (naming it).

        """
        busy = self.active(spec.model)
        if busy:
            raise ConflictError(
                f"model {spec.model!r} has a rollout in progress already: {busy[0].name} "
                f"({busy[0].status.value}); abort it first with `driftline rollout abort`"
            )
        who = by or _user()
        props = {
            "spec": spec.to_dict(),
            "status": RolloutStatus.PENDING.value,
            "step": 0,
            "percent": 0.0,
            "abort_requested": False,
            "requested_by": who,
            "reason": reason,
            "requested_at": _now(),
            "started_at": None,
            "ended_at": None,
        }

        def record(number: int) -> RolloutRecord:
            ref = ContextRef(ROLLOUT_KIND, f"{spec.model}#{number}", props)
            self.metadata.record_execution(
                NewExecution(
                    ROLLOUT_KIND,
                    properties={"action": "request", "by": who, "reason": reason},
                    state=ExecutionState.COMPLETE,
                ),
                new_contexts=[ref],
            )
            return self.get(ref.name)

        return claim_next_number(
            record,
            taken=lambda: [int(r.name.rpartition("#")[2]) for r in self.all(spec.model)],
            what=f"a rollout of {spec.model!r}",
        )

    def record(
        self,
        record: RolloutRecord,
        decision: RolloutDecision,
        *,
        status: RolloutStatus,
        step: int,
        percent: float,
    ) -> RolloutRecord:
        """Record a decision and the rollout's new state."""
        props: dict[str, Any] = {"status": status.value, "step": step, "percent": percent}
        if record.started_at is None and status is RolloutStatus.RUNNING:
            props["started_at"] = _now()
        if status.final:
            props["ended_at"] = _now()
        self.metadata.record_execution(
            NewExecution(
                ROLLOUT_KIND,
                properties={
                    "action": decision.action,
                    "reason": decision.reason,
                    "evidence": decision.evidence,
                    "status": status.value,
                    "step": step,
                    "percent": percent,
                },
                state=ExecutionState.COMPLETE,
            ),
            contexts=[ContextRef(ROLLOUT_KIND, record.name)],
        )
        updated = self.metadata.set_context_properties(record.id, props)
        return RolloutRecord.from_context(updated)

    def request_abort(
        self, model: str, *, by: str | None = None, reason: str = ""
    ) -> RolloutRecord:
        """Ask the server running ``model``'s rollout to stop it (a pending one stops at once).

        Raises:
            NotFoundError: the model has no rollout in progress.

        """
        busy = self.active(model)
        if not busy:
            raise NotFoundError(f"model {model!r} has no rollout in progress")
        record = busy[0]
        if record.status is RolloutStatus.PENDING:
            why = reason or "aborted before it started"
            return self.record(
                record,
                RolloutDecision("abort", why, {"by": by or _user()}),
                status=RolloutStatus.ABORTED,
                step=0,
                percent=0.0,
            )
        updated = self.metadata.set_context_properties(
            record.id, {"abort_requested": True, "abort_reason": reason, "abort_by": by or _user()}
        )
        return RolloutRecord.from_context(updated)

    def decisions(self, name: str) -> list[dict[str, Any]]:
        """Every recorded decision of rollout ``name``, oldest first (JSON-ready)."""
        query = ExecutionQuery(
            kind=ROLLOUT_KIND, context=ContextRef(ROLLOUT_KIND, name), ascending=True
        )
        return [
            {"at": e.created_at.isoformat(), **dict(e.properties)}
            for e in self.metadata.executions(query)
        ]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
