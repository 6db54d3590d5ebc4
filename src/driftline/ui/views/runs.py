"""Pipeline runs: the list, and one run with its step graph, parameters and artifacts.

The list is paginated and filtered by state and pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.pipeline.run_lookup import find_run, short_run_id
from driftline.pipeline.run_record import RunRecord, read_run
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import EventKind, ExecutionState
from driftline.ui.views.graph import DrawnGraph, Node, draw

if TYPE_CHECKING:
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["RUN_STATES", "RunRow", "RunView", "run_view", "runs_view"]

RUN_STATES = ("RUNNING", "COMPLETE", "FAILED", "CANCELED")
"""The states a run can be filtered by."""

_JOBS_CHUNK = 100
_CANCELED = re.compile(r"canceled: (\S+) failed")


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RunRow:
    """One run in the list: its ids, pipeline, state, times, what started it, what failed."""

    run: str
    short_id: str
    pipeline: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    trigger: str
    job: str | None = None
    failures: tuple[tuple[str, str], ...] = ()

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
            "job": self.job,
            "failures": [{"step": s, "error": e} for s, e in self.failures],
        }


def _row(name: str, props: dict[str, Any]) -> RunRow:
    return RunRow(
        run=name,
        short_id=short_run_id(name),
        pipeline=str(props.get("pipeline") or ""),
        status=str(props.get("status") or ""),
        started_at=_time(props.get("started_at")),
        ended_at=_time(props.get("ended_at")),
        trigger="",
    )


def _trigger_text(job: dict[str, Any]) -> str:
    first = (job.get("triggers") or [{}])[0]
    what = first.get("trigger") or first.get("kind") or "trigger"
    reason = first.get("reason")
    return f"{what}: {reason}" if reason else str(what)


def _jobs(services: Services, rows: list[RunRow]) -> dict[str, tuple[str, str]]:
    """The job and trigger (by run id) of the controller's jobs that started these runs.

    Jobs are read newest first, a page at a time, until one is older than the oldest run.
    """
    wanted = {r.run for r in rows}
    starts = [r.started_at for r in rows if r.started_at is not None]
    if not wanted or not starts:
        return {}
    oldest, found, offset = min(starts), {}, 0
    while True:
        query = ContextQuery(kind="job", limit=_JOBS_CHUNK, offset=offset)
        page = services.metadata.contexts(query)
        for c in page:
            props = dict(c.properties)
            if props.get("run_id") in wanted:
                found[str(props["run_id"])] = (c.name, _trigger_text(props))
        created = _time(page[-1].properties.get("created_at")) if page else None
        if len(page) < _JOBS_CHUNK or len(found) == len(wanted) or (created and created < oldest):
            return found
        offset += _JOBS_CHUNK


def _failures(services: Services, rows: list[RunRow]) -> dict[str, list[tuple[str, str]]]:
    """The FAILED steps (by run id) of these runs, each with the last line of its error."""
    starts = [r.started_at for r in rows if r.started_at is not None]
    if not starts or not any(r.status != "COMPLETE" for r in rows):
        return {}
    ends = [r.ended_at for r in rows]
    last = None if None in ends else max(e for e in ends if e is not None)
    query = ExecutionQuery(
        states=frozenset({ExecutionState.FAILED}),
        created_after=min(starts) - timedelta(seconds=1),
        created_before=None if last is None else last + timedelta(seconds=1),
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for x in services.metadata.executions(query):
        run = x.properties.get("run")
        if isinstance(run, str):
            found.setdefault(run, []).append((x.kind, (x.error or "").strip().split("\n")[-1]))
    return found


def _matching(
    services: Services, paging: Paging, state: str | None, pipeline: str | None
) -> list[RunRow]:
    """The page of runs of ``state`` and ``pipeline``, newest first (filtered in the store)."""
    wanted = (("status", state), ("pipeline", pipeline))
    query = ContextQuery(
        kind="run",
        name_contains=pipeline,  # a run's id starts with its pipeline's name
        properties=tuple((k, v) for k, v in wanted if v is not None),
        limit=paging.limit,
        offset=paging.offset,
    )
    return [_row(c.name, dict(c.properties)) for c in services.metadata.contexts(query)]


def runs_view(
    services: Services, paging: Paging, *, state: str | None = None, pipeline: str | None = None
) -> list[RunRow]:
    """One page of runs, newest first (of one state and pipeline, when given).

    Each row says what started it (the controller's job and its trigger; empty for a run
    started by hand) and its failed steps with the last line of their errors.

    Raises:
        InputError: a state that is not one of :data:`RUN_STATES` (a 400 naming it).

    """
    if state is not None and state not in RUN_STATES:
        raise InputError(
            f"query parameter 'state': {state!r} is not one of {', '.join(RUN_STATES)}"
        )
    return _with_jobs(services, _matching(services, paging, state, pipeline))


def _with_jobs(services: Services, rows: list[RunRow]) -> list[RunRow]:
    """``rows`` with the job and trigger that started them and their failed steps."""
    jobs, failures = _jobs(services, rows), _failures(services, rows)
    return [
        replace(
            r,
            job=jobs[r.run][0] if r.run in jobs else None,
            trigger=jobs[r.run][1] if r.run in jobs else "",
            failures=tuple(failures.get(r.run, ())),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RunView:
    """A run: its record (steps, parameters, outputs, metrics), inputs, and its step graph.

    ``summary`` is its row of the list (duration, the job and trigger that started it);
    ``inputs`` maps each step's execution id to its inputs as (port, artifact id, kind).
    """

    record: RunRecord
    summary: RunRow
    inputs: dict[int, list[tuple[str, int, str]]]
    graph: DrawnGraph

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        doc = self.record.to_dict()
        by_step = {s["execution"]: s for s in doc["steps"]}
        for execution_id, inputs in self.inputs.items():
            by_step[execution_id]["inputs"] = [
                {"port": p, "artifact_id": a, "kind": k} for p, a, k in inputs
            ]
        doc["graph"] = self.graph.to_dict()
        doc.update(seconds=self.summary.seconds, job=self.summary.job, trigger=self.summary.trigger)
        return doc


def _canceled_edges(record: RunRecord) -> list[tuple[str, str]]:
    """A canceled step read nothing: draw it after the step whose failure canceled it."""
    by_name = {s.step: s.execution_id for s in record.steps}
    edges = []
    for s in record.steps:
        found = _CANCELED.fullmatch(s.error or "") if s.state == "CANCELED" else None
        if found and found.group(1) in by_name:
            edges.append((f"e{by_name[found.group(1)]}", f"e{s.execution_id}"))
    return edges


def run_view(services: Services, run_id: str, root: str = "") -> RunView:
    """The run ``run_id`` names (a full id, a short one, a unique prefix, or ``latest``).

    Raises:
        RunNotFoundError: no run matches (a 404 naming it).
        AmbiguousRunError: several match (a 400 listing them).

    """
    context = find_run(services.metadata, run_id)
    record = read_run(services.metadata, context)
    (summary,) = _with_jobs(services, [_row(context.name, dict(context.properties))])
    producer: dict[int, int] = {}
    for step in record.steps:
        for out in step.outputs:
            producer[out.artifact_id] = step.execution_id
    taken = {
        step.execution_id: [
            e
            for e in services.metadata.events(execution_id=step.execution_id)
            if e.kind is EventKind.INPUT
        ]
        for step in record.steps
    }
    ids = frozenset(e.artifact_id for events in taken.values() for e in events)
    kinds = {a.id: a.kind for a in services.metadata.artifacts(ArtifactQuery(ids=ids))}
    inputs = {
        x: [(e.name, e.artifact_id, kinds[e.artifact_id]) for e in es] for x, es in taken.items()
    }
    edges = [
        (f"e{producer[e.artifact_id]}", f"e{x}")
        for x, events in taken.items()
        for e in events
        if e.artifact_id in producer
    ]
    edges += _canceled_edges(record)
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
    return RunView(record, summary, inputs, draw(nodes, edges))
