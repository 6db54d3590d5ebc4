"""One artifact: what it is, the step that made it and the steps that read it (no file path).

Examples:
    >>> import tempfile
    >>> import pyarrow as pa
    >>> from driftline.workspace import Workspace
    >>> from driftline.ui.params import Paging
    >>> with tempfile.TemporaryDirectory() as tmp, Workspace.init(tmp + "/ws") as ws:
    ...     span = ws.ingest("d", pa.table({"x": [1.0, 2.0]}))
    ...     view = artifact_view(ws, span.artifact_id, Paging(0, 50))
    >>> view.label, [p.kind for p in view.produced_by], "uri" in view.to_dict()
    ('span d:1', ['ingest'], False)

"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.store.queries import ExecutionQuery
from driftline.store.records import EventKind
from driftline.ui.views.lineage import artifact_label

if TYPE_CHECKING:
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["ArtifactView", "StepUse", "artifact_view"]


@dataclass(frozen=True)
class StepUse:
    """An execution that made or read the artifact: its kind, state, port and run."""

    execution: int
    kind: str
    state: str
    port: str
    run: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "execution": self.execution,
            "kind": self.kind,
            "state": self.state,
            "port": self.port,
            "run": self.run,
        }


@dataclass(frozen=True)
class ArtifactView:
    """An artifact's page: its record (no uri), producers, and one page of its consumers.

    ``readers`` counts every execution that read it; ``used_by`` holds the newest ones of the
    page asked for.
    """

    id: int
    kind: str
    name: str | None
    label: str
    state: str
    size: int | None
    created_at: datetime
    properties: dict[str, Any]
    produced_by: tuple[StepUse, ...]
    used_by: tuple[StepUse, ...]
    readers: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "label": self.label,
            "state": self.state,
            "size": self.size,
            "created_at": self.created_at,
            "properties": self.properties,
            "produced_by": [p.to_dict() for p in self.produced_by],
            "used_by": [c.to_dict() for c in self.used_by],
            "readers": self.readers,
        }


def artifact_view(services: Services, artifact_id: int, paging: Paging) -> ArtifactView:
    """The artifact ``artifact_id``, with the page ``paging`` of the steps that read it.

    Raises:
        ArtifactNotFoundError: no artifact has that id (a 404 naming it).

    """
    artifact = services.metadata.get_artifact(artifact_id)
    events = services.metadata.events(artifact_id=artifact_id)
    made = [e for e in events if e.kind is EventKind.OUTPUT]
    read = sorted(
        (e for e in events if e.kind is not EventKind.OUTPUT), key=lambda e: -e.execution_id
    )
    page = read[paging.offset : paging.offset + paging.limit]
    wanted = frozenset(e.execution_id for e in [*made, *page])
    executions = (
        {x.id: x for x in services.metadata.executions(ExecutionQuery(ids=wanted))}
        if wanted
        else {}
    )

    def use(e: Any) -> StepUse:
        x = executions[e.execution_id]
        run = x.properties.get("run")
        return StepUse(x.id, x.kind, x.state.value, e.name, run if isinstance(run, str) else None)

    return ArtifactView(
        id=artifact.id,
        kind=artifact.kind,
        name=artifact.name,
        label=artifact_label(artifact),
        state=artifact.state.value,
        size=artifact.size,
        created_at=artifact.created_at,
        properties=dict(artifact.properties),
        produced_by=tuple(use(e) for e in made),
        used_by=tuple(use(e) for e in page),
        readers=len(read),
    )
