"""A dataset's schema and its versions: what changed from each version to the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.data.spans import dataset_context
from driftline.store.queries import ArtifactQuery

if TYPE_CHECKING:
    from driftline.ui.context import Services

__all__ = ["SchemaVersion", "SchemaView", "schema_view"]


@dataclass(frozen=True)
class SchemaVersion:
    """One version of a schema: its columns and what changed from the version before."""

    version: int
    artifact_id: int
    created_at: datetime
    columns: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "version": self.version,
            "artifact_id": self.artifact_id,
            "created_at": self.created_at,
            "columns": list(self.columns),
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
        }


@dataclass(frozen=True)
class SchemaView:
    """The current schema (its TOML text, comments kept) and every version, newest first."""

    dataset: str
    text: str
    versions: tuple[SchemaVersion, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "dataset": self.dataset,
            "schema": self.text,
            "versions": [v.to_dict() for v in self.versions],
        }


def schema_view(services: Services, dataset: str) -> SchemaView:
    """The schema page of ``dataset``.

    Raises:
        NotFoundError: no such dataset (a 404 naming it).

    """
    services.data.span(dataset)  # a 404 naming an unknown dataset
    text = services.data.schema_text(dataset) if services.data.schema_version(dataset) else ""
    found = services.metadata.artifacts(
        ArtifactQuery(kind="schema", context=dataset_context(dataset), ascending=True)
    )
    from driftline.data.schema import Schema

    versions: list[SchemaVersion] = []
    before: dict[str, Any] = {}
    for a in sorted(found, key=lambda a: int(a.properties.get("version", 0))):
        stored = services.artifacts.read_bytes(a.uri, a.sha256, label=f"schema {a.name}")
        schema = Schema.from_toml(stored.decode("utf-8"), where=f"schema {a.name}")
        now = {c.name: c for c in schema.columns}
        first = not versions
        versions.append(
            SchemaVersion(
                version=int(a.properties.get("version", 0)),
                artifact_id=a.id,
                created_at=a.created_at,
                columns=tuple(now),
                added=() if first else tuple(c for c in now if c not in before),
                removed=tuple(c for c in before if c not in now),
                changed=tuple(c for c in now if c in before and before[c] != now[c]),
            )
        )
        before = now
    return SchemaView(dataset, text, tuple(reversed(versions)))
