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

from collections.abc import Mapping, Sequence
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
    from driftline.workspace.finding import Found

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

    def find(self, ref: str | int) -> Found:
        """The artifacts a reference names, with notes for stderr (:mod:`.finding`).

        Any form that names an artifact is taken: ``#12`` / ``artifact:12``, a span
        (``elec2:3``, ``elec2#3``), a model version (``churn:1``, ``churn@champion``), a run, or
        an artifact's recorded name; an ``int`` is an artifact id.

        Raises:
            InputError: a text of none of the forms (listing them).
            NotFoundError: it names nothing here (naming it and what exists).

        """
        from driftline.core.refs import parse_ref
        from driftline.workspace.finding import Found, Places, find_artifacts

        if isinstance(ref, int):
            return Found(parse_ref(f"#{ref}"), (self.metadata.get_artifact(ref),))
        where = self.settings.where
        return find_artifacts(Places(self.metadata, self.registry, self.data, where), ref)

    def find_artifact(self, ref: str | int) -> Artifact:
        """The artifact a reference names (a run's newest); see :meth:`find`.

        Raises:
            InputError, NotFoundError: as :meth:`find`.

        """
        return self.find(ref).artifact

    def lineage(
        self,
        ref: str | int | Found,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int | None = None,
    ) -> LineageGraph:
        """The lineage graph around the artifact a reference names, to ``depth`` hops (all if None).

        ``ref`` is any form :meth:`find` takes; a run's graph is drawn around its newest
        artifact (its last output).
        """
        found = ref if not isinstance(ref, str | int) else self.find(ref)
        return self.metadata.lineage(found.artifact.id, direction=direction, depth=depth)

    def verify(self, refs: Sequence[str | int | Found] | None = None) -> VerifyResult:
        """Check artifacts' bytes against their recorded SHA-256 (all LIVE artifacts if None).

        Each reference is any form :meth:`find` takes; a run checks every artifact it recorded.

        Raises:
            InputError, NotFoundError: a reference names no artifact.

        """
        from driftline.store.queries import ArtifactQuery
        from driftline.store.records import ArtifactState

        if refs is None:
            targets = self.metadata.artifacts(
                ArtifactQuery(states=frozenset({ArtifactState.LIVE}), ascending=True)
            )
        else:
            found = [r if not isinstance(r, str | int) else self.find(r) for r in refs]
            targets = list({a.id: a for f in found for a in reversed(f.artifacts)}.values())
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
            workspace=self.settings.where,
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
