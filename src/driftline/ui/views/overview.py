"""The whole loop at a glance: the overview page, ``/api/overview`` and ``driftline status``.

Per model: the champion, its live accuracy over the newest windows (realised and estimated), the
input drift and outlier rate of the newest window, the controller's health; then the newest
trigger decisions, active rollouts, the last jobs (failures first, with their reason) and each
dataset's newest span. Stored summaries are read (window parts, contexts, execution records);
of the prediction logs only the labelled rows of the newest windows, for the realised accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.ui.views.health import (
    ControllerHealth,
    TriggerRow,
    controller_health,
    recent_jobs,
    recent_triggers,
)
from driftline.ui.views.overview_model import TREND_WINDOWS, ModelHealth, model_health

if TYPE_CHECKING:
    from driftline.controller.jobs import Job
    from driftline.ui.context import Services

__all__ = ["TREND_WINDOWS", "DatasetRow", "ModelHealth", "Overview", "overview"]


@dataclass(frozen=True)
class DatasetRow:
    """A dataset and its newest span."""

    name: str
    spans: int
    newest: int | None
    rows: int | None
    created_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "spans": self.spans,
            "newest_span": self.newest,
            "rows": self.rows,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Overview:
    """The workspace's loop at a glance (see the module docstring)."""

    models: tuple[ModelHealth, ...]
    controllers: tuple[ControllerHealth, ...]
    decisions: tuple[TriggerRow, ...]
    rollouts: tuple[dict[str, Any], ...]
    jobs: tuple[Job, ...]
    datasets: tuple[DatasetRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "models": [m.to_dict() for m in self.models],
            "controllers": [c.to_dict() for c in self.controllers],
            "decisions": [d.to_dict() for d in self.decisions],
            "rollouts": list(self.rollouts),
            "jobs": [j.to_dict() for j in self.jobs],
            "datasets": [d.to_dict() for d in self.datasets],
        }


def _datasets(services: Services, limit: int) -> list[DatasetRow]:
    """The first ``limit`` datasets, each with its newest span (one bounded query each)."""
    from driftline.data.spans import dataset_context
    from driftline.store.queries import ArtifactQuery

    rows = []
    for name in services.data.datasets()[:limit]:
        query = ArtifactQuery(kind="span", context=dataset_context(name), limit=1)
        newest = services.metadata.artifacts(query)
        p = newest[0].properties if newest else {}
        number = int(p["number"]) if "number" in p else None
        rows.append(
            DatasetRow(
                name,
                number or 0,  # spans are numbered 1, 2, 3...: the newest's number is the count
                number,
                int(p["rows"]) if "rows" in p else None,
                newest[0].created_at if newest else None,
            )
        )
    return rows


def overview(services: Services, *, decisions: int = 10, jobs: int = 10) -> Overview:
    """The overview of the workspace behind ``services``."""
    registered = services.registry.overview()
    models = tuple(
        model_health(services, m.name, m.aliases.get("champion"), m.versions)
        for m in sorted(registered, key=lambda m: m.name)
    )
    return Overview(
        models=models,
        controllers=tuple(controller_health(services.metadata, [m.name for m in registered])),
        decisions=tuple(recent_triggers(services.metadata, limit=decisions)),
        rollouts=tuple(r.to_dict() for r in services.rollouts.active()),
        jobs=tuple(recent_jobs(services.metadata, jobs)),
        datasets=tuple(_datasets(services, 50)),
    )
