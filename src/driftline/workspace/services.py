"""An open workspace's stores and the services built on them, each built once, on first use.

=====================  ==========================================================================
``ws.data``            :class:`~driftline.data.catalog.DataCatalog`: datasets, spans, profiles,
                       schemas, validations, references
``ws.registry``        :class:`~driftline.registry.ModelRegistry`: versions, aliases, champion
``ws.rollouts``        :class:`~driftline.rollout.store.RolloutStore`: requested and running
                       rollouts
``ws.monitor``         :class:`~driftline.monitor.reader.MonitorReader`: the prediction log,
                       feedback labels and live metrics
``ws.stores``          :class:`~driftline.store.stores.Stores`: the two stores as one value
=====================  ==========================================================================

:class:`WorkspaceServices` also finds artifacts, walks lineage, verifies bytes and reports the
workspace's status; :class:`~driftline.workspace.Workspace` adds opening and creating one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from driftline.core.closing import Closing
from driftline.core.errors import ArtifactCorruptError, ArtifactNotFoundError
from driftline.core.settings import Settings
from driftline.core.urls import redact_url
from driftline.store.records import Artifact, LineageDirection, LineageGraph, NewArtifact
from driftline.store.stores import Stores
from driftline.workspace.reports import VerifyResult, WorkspaceStatus

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.monitor.reader import MonitorReader
    from driftline.registry import ModelRegistry
    from driftline.rollout.store import RolloutStore
    from driftline.store.artifacts import ArtifactStore, StoredObject
    from driftline.store.metadata import MetadataStore

__all__ = ["WorkspaceServices"]


class WorkspaceServices(Closing):
    """A workspace's settings, its two stores and the services over them.

    Args:
        settings: where the workspace is and where its stores are.
        metadata: the metadata store (closed by :meth:`close`).
        artifacts: the artifact store (closed by :meth:`close`).

    """

    def __init__(
        self, settings: Settings, metadata: MetadataStore, artifacts: ArtifactStore
    ) -> None:
        self.settings = settings
        self.metadata = metadata
        self.artifacts = artifacts

    # -- the services -------------------------------------------------------------------------

    @property
    def stores(self) -> Stores:
        """The metadata and artifact stores as one value (what every service is built from)."""
        return Stores(self.metadata, self.artifacts)

    @cached_property
    def data(self) -> DataCatalog:
        """Datasets, spans, profiles, schemas, validations (:mod:`driftline.data.catalog`)."""
        from driftline.data.catalog import DataCatalog

        return DataCatalog(self.stores)

    @cached_property
    def registry(self) -> ModelRegistry:
        """The model registry: versions, aliases, the champion (:mod:`driftline.registry`)."""
        from driftline.registry import ModelRegistry

        return ModelRegistry(self.stores)

    @cached_property
    def rollouts(self) -> RolloutStore:
        """The rollouts requested and running (:mod:`driftline.rollout.store`)."""
        from driftline.rollout.store import RolloutStore

        return RolloutStore(self.stores)

    @cached_property
    def monitor(self) -> MonitorReader:
        """The prediction log, feedback labels and live metrics (:mod:`driftline.monitor`)."""
        from driftline.monitor.reader import MonitorReader

        return MonitorReader(self.stores)

    # -- artifacts ----------------------------------------------------------------------------

    @staticmethod
    def new_artifact(
        kind: str,
        stored: StoredObject,
        *,
        name: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> NewArtifact:
        """Describe an object written to the artifact store, ready to be recorded."""
        return NewArtifact(
            kind=kind,
            uri=stored.uri,
            sha256=stored.sha256,
            size=stored.size,
            name=name,
            properties=dict(properties or {}),
        )

    def find_artifact(self, ref: str | int) -> Artifact:
        """The artifact named by an id (``42``), or by a name (the newest artifact with it).

        Raises:
            ArtifactNotFoundError: naming the reference and the workspace.

        """
        from driftline.store.queries import ArtifactQuery

        text = str(ref).strip()
        if text.isdigit():
            return self.metadata.get_artifact(int(text))
        found = self.metadata.artifacts(ArtifactQuery(name=text, limit=1))
        if not found:
            raise ArtifactNotFoundError(
                f"no artifact with id or name {text!r} in workspace {self.settings.workspace}"
            )
        return found[0]

    def lineage(
        self,
        ref: str | int,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int | None = None,
    ) -> LineageGraph:
        """The lineage graph around an artifact (by id or name), to ``depth`` hops (all if None)."""
        return self.metadata.lineage(self.find_artifact(ref).id, direction=direction, depth=depth)

    def verify(self, refs: list[str] | None = None) -> VerifyResult:
        """Check artifacts' bytes against their recorded SHA-256 (all LIVE artifacts if None).

        Raises:
            ArtifactNotFoundError: a reference names no artifact.

        """
        from driftline.store.queries import ArtifactQuery
        from driftline.store.records import ArtifactState

        if refs is None:
            targets = self.metadata.artifacts(
                ArtifactQuery(states=frozenset({ArtifactState.LIVE}), ascending=True)
            )
        else:
            targets = [self.find_artifact(ref) for ref in refs]
        failures: list[tuple[int, str]] = []
        for artifact in targets:
            label = f"artifact {artifact.id} ({artifact.kind} {artifact.name or artifact.uri})"
            try:
                self.artifacts.verify(artifact.uri, artifact.sha256, label=label)
            except (ArtifactCorruptError, ArtifactNotFoundError) as exc:
                failures.append((artifact.id, str(exc)))
        return VerifyResult(checked=len(targets), failures=tuple(failures))

    def status(self, last: int = 5) -> WorkspaceStatus:
        """What the workspace holds."""
        return WorkspaceStatus(
            workspace=str(self.settings.workspace),
            metadata_url=redact_url(self.settings.metadata_url),
            artifacts_url=redact_url(self.settings.artifacts_url),
            schema_version=self.metadata.schema_version(),
            counts=self.metadata.counts(last=last),
            temp_files=len(self.artifacts.temp_files()),
        )

    def close(self) -> None:
        """Release the database connections and the artifact store's sessions."""
        try:
            self.metadata.close()
        finally:
            self.artifacts.close()
