"""Pipeline runs: the list, and one run with its step graph, parameters and artifacts.

The list is paginated and filtered by state and pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.pipeline.run_lookup import find_run, short_run_id
from driftline.pipeline.run_record import RunRecord, read_run
from driftline.store.queries import ContextQuery
from driftline.store.records import EventKind
from driftline.ui.views.graph import DrawnGraph, Node, draw

if TYPE_CHECKING:
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["RUN_STATES", "RunRow", "RunView", "run_view", "runs_view"]

RUN_STATES = ("RUNNING", "COMPLETE", "FAILED", "CANCELED")
"""The states a run can be filtered by."""


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RunRow:
    """One run in the list."""

    run: str
    short_id: str
    pipeline: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    trigger: str

    @property
    def seconds(self) -> float | None:
        """How long it took (``None`` while it runs)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "run": self.run,
            "short_id": self.short_id,
            "pipeline": self.pipeline,
            "status": self.status,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "seconds": self.seconds,
            "trigger": self.trigger,
        }


def _row(name: str, props: dict[str, Any]) -> RunRow:
    trigger = props.get("trigger") or props.get("reason") or ""
    return RunRow(
        run=name,
        short_id=short_run_id(name),
        pipeline=str(props.get("pipeline") or ""),
        status=str(props.get("status") or ""),
        started_at=_time(props.get("started_at")),
        ended_at=_time(props.get("ended_at")),
        trigger=str(trigger),
    )


def runs_view(
    services: Services, paging: Paging, *, state: str | None = None, pipeline: str | None = None
) -> list[RunRow]:
    """One page of runs, newest first (of one state and pipeline, when given)."""
    if state is not None and state not in RUN_STATES:
        raise InputError(
            f"query parameter 'state': {state!r} is not one of {', '.join(RUN_STATES)}"
        )
    if state is None and pipeline is None:
        query = ContextQuery(kind="run", limit=paging.limit, offset=paging.offset)
        return [_row(c.name, dict(c.properties)) for c in services.metadata.contexts(query)]
    every = services.metadata.contexts(ContextQuery(kind="run", name_contains=pipeline))
    rows = [
        _row(c.name, dict(c.properties))
        for c in every
        if (state is None or c.properties.get("status") == state)
        and (pipeline is None or c.properties.get("pipeline") == pipeline)
    ]
    return rows[paging.offset : paging.offset + paging.limit]


@dataclass(frozen=True)
class RunView:
    """A run: its record (steps, parameters, outputs, metrics), inputs, and its step graph."""

    record: RunRecord
    inputs: dict[int, list[tuple[str, int, str]]]
    graph: DrawnGraph

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        doc = self.record.to_dict()
        by_step = {s["execution_id"]: s for s in doc["steps"]}
        for execution_id, inputs in self.inputs.items():
            by_step[execution_id]["inputs"] = [
                {"port": p, "artifact_id": a, "kind": k} for p, a, k in inputs
            ]
        doc["graph"] = self.graph.to_dict()
        return doc


def run_view(services: Services, run_id: str, root: str = "") -> RunView:
    """The run ``run_id`` names (a full id, a short one, a unique prefix, or ``latest``).

    Raises:
        RunNotFoundError: no run matches (a 404 naming it).
        AmbiguousRunError: several match (a 400 listing them).

    """
    record = read_run(services.metadata, find_run(services.metadata, run_id))
    producer: dict[int, int] = {}
    for step in record.steps:
        for out in step.outputs:
            producer[out.artifact_id] = step.execution_id
    inputs: dict[int, list[tuple[str, int, str]]] = {}
    edges: list[tuple[str, str]] = []
    for step in record.steps:
        events = services.metadata.events(execution_id=step.execution_id)
        mine = [e for e in events if e.kind is EventKind.INPUT]
        inputs[step.execution_id] = []
        for e in mine:
            kind = services.metadata.get_artifact(e.artifact_id).kind
            inputs[step.execution_id].append((e.name, e.artifact_id, kind))
            if e.artifact_id in producer:
                edges.append((f"e{producer[e.artifact_id]}", f"e{step.execution_id}"))
    seconds = {s.execution_id: s.seconds for s in record.steps}
    nodes = [
        Node(
            key=f"e{s.execution_id}",
            type="execution",
            kind=s.step,
            label=s.step,
            href=f"{root}/runs/{record.run_id}#step-{s.step}",
            state=s.state,
            detail="" if seconds[s.execution_id] is None else f"{seconds[s.execution_id]:.2f} s",
        )
        for s in record.steps
    ]
    return RunView(record, inputs, draw(nodes, edges))
