"""What a run needs to record itself: a metadata store and an artifact store.

:class:`Stores` here is the protocol :class:`driftline.store.stores.HasStores` (a ``Workspace``,
a step's context or a :class:`driftline.store.stores.Stores` value satisfies it), kept under this
name because ``driftline.pipeline.Stores`` is public.

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

from driftline.store.stores import HasStores as Stores

__all__ = ["Stores"]
