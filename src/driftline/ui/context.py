"""What a request of the dashboard reads from: the workspace services the app was built on.

:class:`Services` names what the pages may use (an open
:class:`~driftline.workspace.Workspace` is one); the dashboard never reads SQL or file paths.

Examples:
    >>> from starlette.applications import Starlette
    >>> from starlette.requests import Request
    >>> app = Starlette()
    >>> app.state.services = "the services"
    >>> services(Request({"type": "http", "app": app}))
    'the services'

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from starlette.requests import Request

if TYPE_CHECKING:
    from driftline.core.settings import Settings
    from driftline.data.catalog import DataCatalog
    from driftline.monitor.reader import MonitorReader
    from driftline.registry import ModelRegistry
    from driftline.rollout.store import RolloutStore
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore
    from driftline.store.records import Artifact, LineageDirection, LineageGraph
    from driftline.store.stores import Stores

__all__ = ["Services", "services"]


class Services(Protocol):
    """What the dashboard reads and changes: an open workspace's services.

    ``registry`` (versions, aliases, history), ``data`` (datasets, spans, profiles, schemas,
    validations), ``rollouts``, ``monitor`` (live windows and metrics), ``metadata`` (runs,
    executions, contexts, lineage: its typed queries), ``artifacts``.
    """

    settings: Settings
    metadata: MetadataStore
    artifacts: ArtifactStore

    @property
    def stores(self) -> Stores:
        """The two stores as one value."""

    @property
    def data(self) -> DataCatalog:
        """Datasets, spans, profiles, schemas, validations."""

    @property
    def registry(self) -> ModelRegistry:
        """Versions, aliases, the champion."""

    @property
    def rollouts(self) -> RolloutStore:
        """Requested and running rollouts."""

    @property
    def monitor(self) -> MonitorReader:
        """Prediction log, feedback, live metrics."""

    def find_artifact(self, ref: str | int) -> Artifact:
        """The artifact a reference names."""

    def lineage(
        self, ref: str | int, direction: LineageDirection = ..., depth: int | None = ...
    ) -> LineageGraph:
        """The lineage graph around an artifact."""


def services(request: Request) -> Services:
    """The workspace services (``registry``, ``data``, ``monitor``, ...) of the app."""
    return cast("Services", request.app.state.services)


def ui_settings(request: Request) -> Any:
    """The :class:`~driftline.ui.auth.UiSettings` the app was built with."""
    return request.app.state.ui
