"""The loop's decisions as one timeline, newest first, each with its evidence.

The controller's trigger decisions, the rollouts' decisions and the saved backtest reports.
Each source is read newest first, at most ``offset + limit`` records of it (one bounded query per
source; one per rollout for the rollouts), and the three are merged by time: a page never reads
a whole history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.backtest.saved import saved_reports
from driftline.controller.jobs import JOB_KIND, TRIGGER_KIND
from driftline.controller.parts import CONTROLLER_KIND
from driftline.core.errors import NotFoundError
from driftline.rollout.store import ROLLOUT_KIND, RolloutRecord
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef

if TYPE_CHECKING:
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["DECISION_KINDS", "DecisionRow", "Decisions", "decisions_view"]

DECISION_KINDS = ("trigger", "rollout", "backtest")
"""The kinds of decision the timeline holds (the ``kind`` filter's choices)."""


@dataclass(frozen=True)
class DecisionRow:
    """One decision: when, of which kind, for which model, what was decided and why.

    Attributes:
        at: when it was recorded.
        kind: ``trigger``, ``rollout`` or ``backtest``.
        model: the model it is about (``None`` when not known).
        what: the trigger's name, the rollout's action or the data backtested.
        outcome: ``enqueued``, ``deduplicated``, ``skipped`` (a trigger); the rollout's status
            after the decision; ``saved`` (a backtest).
        reason: why, in words.
        evidence: the observed values it was decided on.
        job: the job a trigger decision started (or joined).
        run_id: the pipeline run of that job, once it started.
        rollout: the rollout ``MODEL#N``.
        by: who asked (rollout requests and aborts).
        report: the id of a saved backtest report.

    """

    at: datetime
    kind: str
    model: str | None
    what: str
    outcome: str
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    job: str | None = None
    run_id: str | None = None
    rollout: str | None = None
    by: str | None = None
    report: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "model": self.model,
            "what": self.what,
            "outcome": self.outcome,
            "reason": self.reason,
            "evidence": dict(self.evidence),
            "job": self.job,
            "run_id": self.run_id,
            "rollout": self.rollout,
            "by": self.by,
            "report": self.report,
        }


@dataclass(frozen=True)
class Decisions:
    """A page of the timeline and the filters that chose it."""

    rows: tuple[DecisionRow, ...]
    model: str | None
    kind: str | None
    offset: int
    limit: int
    more: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "decisions": [r.to_dict() for r in self.rows],
            "model": self.model,
            "kind": self.kind,
            "offset": self.offset,
            "limit": self.limit,
            "more": self.more,
        }


def _job_model(job: object) -> str | None:
    """``train:MODEL#N`` -> ``MODEL``."""
    if isinstance(job, str) and ":" in job:
        return job.split(":", 1)[1].split("#", 1)[0] or None
    return None


def _triggers(services: Services, model: str | None, n: int) -> list[DecisionRow]:
    context = ContextRef(CONTROLLER_KIND, model) if model is not None else None
    query = ExecutionQuery(kind=TRIGGER_KIND, context=context, limit=n)
    rows = []
    for x in services.metadata.executions(query):
        p = x.properties
        job = p.get("job")
        evidence = p.get("evidence")
        rows.append(
            DecisionRow(
                at=x.created_at,
                kind="trigger",
                model=model or _job_model(job),
                what=str(p.get("trigger") or p.get("kind") or ""),
                outcome=str(p.get("outcome") or ""),
                reason=str(p.get("reason") or ""),
                evidence=dict(evidence) if isinstance(evidence, Mapping) else {},
                job=str(job) if job else None,
                by=str(p["by"]) if p.get("by") else None,
            )
        )
    return rows


_SKEW = timedelta(minutes=1)
"""Slack between a rollout's ``ended_at`` (the server's clock) and its last record's time."""


def _latest_possible(record: RolloutRecord) -> datetime:
    """No decision of ``record`` is newer than this (a rollout still going: any time)."""
    try:
        ended = datetime.fromisoformat(record.ended_at) if record.ended_at else None
    except ValueError:
        ended = None
    if ended is None:
        return datetime.max.replace(tzinfo=UTC)
    return (ended if ended.tzinfo else ended.replace(tzinfo=UTC)) + _SKEW


def _rollouts(services: Services, model: str | None, n: int) -> list[DecisionRow]:
    """The ``n`` newest rollout decisions (at least; some older ones may come too).

    The rollouts are read latest-ending first; reading stops once no rollout left can hold a
    decision among the ``n`` newest.
    """
    records = sorted(services.rollouts.all(model), key=_latest_possible, reverse=True)
    rows: list[DecisionRow] = []
    for record in records:
        if len(rows) >= n:
            rows.sort(key=lambda r: r.at, reverse=True)
            del rows[n:]
            if _aware(rows[-1].at) >= _latest_possible(record):
                break
        query = ExecutionQuery(
            kind=ROLLOUT_KIND, context=ContextRef(ROLLOUT_KIND, record.name), limit=n
        )
        for x in services.metadata.executions(query):
            p = x.properties
            evidence = p.get("evidence")
            rows.append(
                DecisionRow(
                    at=x.created_at,
                    kind="rollout",
                    model=record.spec.model,
                    what=str(p.get("action") or ""),
                    outcome=str(p.get("status") or "requested"),
                    reason=str(p.get("reason") or ""),
                    evidence=dict(evidence) if isinstance(evidence, Mapping) else {},
                    rollout=record.name,
                    by=str(p["by"]) if p.get("by") else None,
                )
            )
    return rows


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _backtests(services: Services, model: str | None, n: int) -> list[DecisionRow]:
    rows = []
    for saved in saved_reports(services, limit=n):
        if model is not None and saved.model != model:
            continue
        accuracy = saved.accuracy.get("policy")
        said = f"policy accuracy {accuracy:.4f}" if accuracy is not None else ""
        rows.append(
            DecisionRow(
                at=saved.at,
                kind="backtest",
                model=saved.model,
                what=saved.data,
                outcome="saved",
                reason=f"{saved.rows:,} rows replayed; {said}".rstrip("; "),
                evidence={"accuracy": dict(saved.accuracy)},
                report=saved.id,
            )
        )
    return rows


def _with_runs(services: Services, rows: list[DecisionRow]) -> list[DecisionRow]:
    """Each trigger decision's job's run (one lookup per job named on the page)."""
    runs: dict[str, str | None] = {}
    for job in {r.job for r in rows if r.job}:
        try:
            run = services.metadata.get_context_by_name(JOB_KIND, job).properties.get("run_id")
        except NotFoundError:
            run = None
        runs[job] = str(run) if run else None
    return [
        r if not r.job or not runs.get(r.job) else _replace(r, run_id=runs[r.job]) for r in rows
    ]


def _replace(row: DecisionRow, **changes: Any) -> DecisionRow:
    from dataclasses import replace

    return replace(row, **changes)


def decisions_view(
    services: Services, paging: Paging, *, model: str | None = None, kind: str | None = None
) -> Decisions:
    """A page of the decisions (of ``model``, of ``kind``), newest first.

    Raises:
        NotFoundError: ``model`` names no registered model and no controller.

    """
    if model is not None and model not in services.registry.models():
        try:
            services.metadata.get_context_by_name(CONTROLLER_KIND, model)
        except NotFoundError:
            raise NotFoundError(f"no model {model!r}") from None
    n = paging.offset + paging.limit + 1
    rows: list[DecisionRow] = []
    if kind in (None, "trigger"):
        rows += _triggers(services, model, n)
    if kind in (None, "rollout"):
        rows += _rollouts(services, model, n)
    if kind in (None, "backtest"):
        rows += _backtests(services, model, n)
    rows.sort(key=lambda r: _aware(r.at), reverse=True)
    page = rows[paging.offset : paging.offset + paging.limit]
    return Decisions(
        rows=tuple(_with_runs(services, page)),
        model=model,
        kind=kind,
        offset=paging.offset,
        limit=paging.limit,
        more=len(rows) > paging.offset + paging.limit,
    )
