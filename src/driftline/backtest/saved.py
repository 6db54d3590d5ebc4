"""Backtest reports kept in a workspace (``driftline backtest --save``; the dashboard shows them).

A saved report is an artifact of kind ``backtest_report`` (the report's JSON, as
:meth:`~driftline.backtest.result.BacktestResult.to_dict` writes it), made by an execution
``backtest`` in the context ``backtest:<data>``; its properties summarise it (data, rows, the
policy's model, each method's accuracy) so a list of reports reads no file.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as tmp, Workspace.init(tmp + "/ws") as ws:
    ...     saved = save_report(ws, _EXAMPLE)
    ...     report = load_report(ws, saved)
    >>> report.data, report.model, report.accuracy["policy"]
    ('river:SEA', 'sea', 0.9)

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from driftline.core.errors import IntegrityError, NotFoundError
from driftline.store.queries import ArtifactQuery
from driftline.store.records import Artifact, ContextRef, NewArtifact, NewExecution
from driftline.store.stores import HasStores

__all__ = ["REPORT_KIND", "SavedBacktest", "load_report", "save_report", "saved_reports"]

REPORT_KIND = "backtest_report"
"""The artifact kind of a saved backtest report."""

_CONTEXT_KIND = "backtest"


@dataclass(frozen=True)
class SavedBacktest:
    """A backtest report stored in a workspace: its summary and (when read) its figures.

    Attributes:
        id: the artifact's id.
        at: when it was saved.
        data: what was replayed (a file's name, or ``river:NAME``).
        rows: rows replayed.
        model: the policy's model name.
        accuracy: each method's accuracy, by method key (``policy`` first).
        report: the whole report (``BacktestResult.to_dict()``); empty in a list.

    """

    id: int
    at: datetime
    data: str
    rows: int
    model: str | None
    accuracy: Mapping[str, float]
    report: Mapping[str, Any]

    @classmethod
    def from_artifact(
        cls, artifact: Artifact, report: Mapping[str, Any] | None = None
    ) -> SavedBacktest:
        """The summary held in ``artifact``'s properties (with ``report`` when read)."""
        p = artifact.properties
        accuracy = p.get("accuracy")
        return cls(
            id=artifact.id,
            at=artifact.created_at,
            data=str(p.get("data") or artifact.name or ""),
            rows=int(p.get("rows") or 0),
            model=str(p["model"]) if p.get("model") else None,
            accuracy=dict(accuracy) if isinstance(accuracy, Mapping) else {},
            report=dict(report or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        out: dict[str, Any] = {
            "id": self.id,
            "at": self.at.isoformat(),
            "data": self.data,
            "rows": self.rows,
            "model": self.model,
            "accuracy": dict(self.accuracy),
        }
        if self.report:
            out["report"] = dict(self.report)
        return out


def _summary(report: Mapping[str, Any]) -> dict[str, Any]:
    policy = report.get("policy") or {}
    methods = report.get("methods") or []
    return {
        "data": str(report.get("data", "")),
        "rows": int(report.get("rows", 0)),
        "model": policy.get("model") if isinstance(policy, Mapping) else None,
        "accuracy": {str(m["key"]): float(m["accuracy"]) for m in methods},
        "retrains": len(report.get("decisions") or []),
    }


def save_report(stores: HasStores, result: Any) -> int:
    """Store ``result`` (a ``BacktestResult``, or its ``to_dict()``) in the workspace; its id."""
    report: Mapping[str, Any] = result if isinstance(result, Mapping) else result.to_dict()
    summary = _summary(report)
    payload = json.dumps(report, indent=2, sort_keys=True).encode("utf-8")
    stored = stores.artifacts.put_bytes(
        stores.artifacts.new_key(REPORT_KIND, "backtest.json"), payload
    )
    done = stores.metadata.record_execution(
        NewExecution(kind="backtest", parameters={"data": summary["data"]}),
        outputs={
            "report": NewArtifact(
                REPORT_KIND,
                stored.uri,
                stored.sha256,
                stored.size,
                name=summary["data"],
                properties=summary,
            )
        },
        contexts=[ContextRef(_CONTEXT_KIND, summary["data"])],
    )
    return int(done.outputs["report"][0].id)


def saved_reports(stores: HasStores, *, limit: int = 50, offset: int = 0) -> list[SavedBacktest]:
    """The saved reports, newest first (summaries: no file is read)."""
    query = ArtifactQuery(kind=REPORT_KIND, limit=limit, offset=offset)
    return [SavedBacktest.from_artifact(a) for a in stores.metadata.artifacts(query)]


def load_report(stores: HasStores, artifact_id: int) -> SavedBacktest:
    """The saved report ``artifact_id`` with its figures.

    Raises:
        NotFoundError: no backtest report has this id.
        IntegrityError: its bytes are missing or changed.

    """
    found = stores.metadata.artifacts(ArtifactQuery(ids=frozenset({artifact_id}), kind=REPORT_KIND))
    if not found:
        raise NotFoundError(f"no backtest report {artifact_id}")
    artifact = found[0]
    data = stores.artifacts.read_bytes(
        artifact.uri, artifact.sha256, label=f"backtest report {artifact_id}"
    )
    try:
        report = json.loads(data)
    except ValueError as exc:
        raise IntegrityError(f"backtest report {artifact_id} is not JSON: {exc}") from None
    return SavedBacktest.from_artifact(artifact, report)


_EXAMPLE = {
    "data": "river:SEA",
    "rows": 100,
    "policy": {"model": "sea"},
    "methods": [{"key": "policy", "name": "driftline policy", "accuracy": 0.9}],
    "decisions": [],
}
