"""What a run needs to record itself: :class:`Stores` (a ``Workspace`` is one).

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> def artifact_root(stores: Stores) -> str:
    ...     return stores.artifacts.root_uri
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     root = artifact_root(ws)
    >>> root.startswith("file://")
    True

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["Stores"]


class Stores(Protocol):
    """What a run needs: a metadata store and an artifact store (a ``Workspace`` has both)."""

    @property
    def metadata(self) -> MetadataStore:
        """The metadata store."""
        ...

    @property
    def artifacts(self) -> ArtifactStore:
        """The artifact store."""
        ...
