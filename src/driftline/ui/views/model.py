"""A registered model at a glance: versions, aliases, the alias history, active rollouts.

:func:`model_view` answers the model page and ``/api/models/{name}``; :func:`models_view` the
list of models. The live series are in :mod:`driftline.ui.views.model_series`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.registry.versions import ModelVersion, Transition
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["ModelListing", "ModelView", "VersionRow", "models_view", "model_view"]


@dataclass(frozen=True)
class VersionRow:
    """One version in a model's list: what a reviewer looks at first."""

    number: int
    aliases: tuple[str, ...]
    created_at: datetime
    registered_by: str
    reason: str
    flavor: str | None
    metrics: dict[str, float]
    artifact_id: int

    @classmethod
    def of(cls, version: ModelVersion) -> VersionRow:
        """The row of a registered version."""
        return cls(
            number=version.number,
            aliases=tuple(version.aliases),
            created_at=version.created_at,
            registered_by=version.registered_by,
            reason=version.reason,
            flavor=version.flavor,
            metrics=dict(version.metrics),
            artifact_id=version.artifact_id,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "version": self.number,
            "aliases": list(self.aliases),
            "created_at": self.created_at.isoformat(),
            "registered_by": self.registered_by,
            "reason": self.reason,
            "flavor": self.flavor,
            "metrics": self.metrics,
            "artifact_id": self.artifact_id,
        }


@dataclass(frozen=True)
class ModelView:
    """A model's page: its versions (one page of them), aliases, history and rollouts.

    Attributes:
        name: the model.
        aliases: alias -> version now.
        versions: this page of versions, newest first.
        version_count: how many versions it has.
        history: this page of its history (registrations and alias changes), newest first.
        history_count: how many entries the history has.
        rollouts: its active rollouts (as their records' dicts).

    """

    name: str
    aliases: dict[str, int]
    versions: tuple[VersionRow, ...]
    version_count: int
    history: tuple[Transition, ...]
    history_count: int
    rollouts: tuple[dict[str, Any], ...]

    @property
    def champion(self) -> int | None:
        """The version the ``champion`` alias points at, if set."""
        return self.aliases.get("champion")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "champion": self.champion,
            "aliases": self.aliases,
            "versions": [v.to_dict() for v in self.versions],
            "version_count": self.version_count,
            "history": [t.to_dict() for t in self.history],
            "history_count": self.history_count,
            "rollouts": list(self.rollouts),
        }


def model_view(services: Services, name: str, versions: Paging, history: Paging) -> ModelView:
    """The model page of ``name``.

    Raises:
        ModelNotFoundError: no model has that name (a 404 naming it).

    """
    registry = services.registry
    every = registry.versions(name)  # raises naming the model when there is none
    newest = sorted(every, key=lambda v: v.number, reverse=True)
    log = list(reversed(registry.history(name)))
    rollouts = tuple(r.to_dict() for r in services.rollouts.active(name))
    return ModelView(
        name=name,
        aliases=dict(sorted((a, v.number) for v in every for a in v.aliases)),  # as read
        versions=tuple(
            VersionRow.of(v) for v in newest[versions.offset : versions.offset + versions.limit]
        ),
        version_count=len(every),
        history=tuple(log[history.offset : history.offset + history.limit]),
        history_count=len(log),
        rollouts=rollouts,
    )


@dataclass(frozen=True)
class ModelListing:
    """One model in the list of models."""

    name: str
    versions: int
    latest: int
    aliases: dict[str, int]
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "versions": self.versions,
            "latest": self.latest,
            "champion": self.aliases.get("champion"),
            "aliases": self.aliases,
            "updated_at": self.updated_at.isoformat(),
        }


def models_view(services: Services, paging: Paging) -> tuple[list[ModelListing], int]:
    """One page of the registered models (by name), and how many there are."""
    every = services.registry.overview()
    rows = [
        ModelListing(m.name, m.versions, m.latest.number, dict(m.aliases), m.latest.created_at)
        for m in sorted(every, key=lambda m: m.name)
    ]
    return rows[paging.offset : paging.offset + paging.limit], len(rows)
