"""What a workspace reports about itself: its status and the outcome of ``verify``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from driftline.core.errors import IntegrityError
from driftline.store.records import StoreCounts

__all__ = ["VerifyResult", "WorkspaceStatus"]


@dataclass(frozen=True)
class WorkspaceStatus:
    """What a workspace holds: where its stores are and how much they hold."""

    workspace: str
    metadata_url: str
    artifacts_url: str
    schema_version: str
    counts: StoreCounts
    temp_files: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "workspace": self.workspace,
            "metadata_url": self.metadata_url,
            "artifacts_url": self.artifacts_url,
            "schema_version": self.schema_version,
            "artifacts": dict(self.counts.artifacts),
            "executions": {str(k): v for k, v in self.counts.executions.items()},
            "contexts": dict(self.counts.contexts),
            "last_executions": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "state": str(e.state),
                    "created_at": e.created_at.isoformat(),
                }
                for e in self.counts.last_executions
            ],
            "temp_files": self.temp_files,
        }


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking artifacts' bytes against their recorded SHA-256."""

    checked: int
    failures: tuple[tuple[int, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "checked": self.checked,
            "failures": [{"artifact": a, "problem": p} for a, p in self.failures],
        }

    def raise_for_failures(self) -> None:
        """Raise :class:`IntegrityError` naming the failed artifacts, if any failed."""
        if self.failures:
            names = ", ".join(f"artifact {a}" for a, _ in self.failures[:5])
            more = f" and {len(self.failures) - 5} more" if len(self.failures) > 5 else ""
            raise IntegrityError(
                f"{len(self.failures)} of {self.checked} artifact(s) failed verification: "
                f"{names}{more}"
            )
