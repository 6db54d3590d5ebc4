"""The two stores every service takes: a metadata store and an artifact store, as one value.

:class:`Stores` is what :class:`~driftline.data.catalog.DataCatalog`,
:class:`~driftline.registry.ModelRegistry`, :class:`~driftline.rollout.store.RolloutStore` and
the monitor's readers are built from. Anything with ``metadata`` and ``artifacts`` attributes
(:class:`HasStores`: a workspace, a step's context, a :class:`Stores`) can be given instead.

Examples:
    >>> import tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_metadata_store(
    ...     "sqlite://", create=True
    ... ) as meta:
    ...     stores = Stores(meta, ArtifactStore(tmp).create())
    ...     same = Stores.of(stores) is stores
    ...     again = Stores.of(meta, stores.artifacts) == stores
    >>> same, again
    (True, True)

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["HasStores", "Stores", "metadata_of"]


class HasStores(Protocol):
    """Anything holding a metadata store and an artifact store (a workspace, a step context)."""

    @property
    def metadata(self) -> MetadataStore:
        """The metadata store."""
        ...

    @property
    def artifacts(self) -> ArtifactStore:
        """The artifact store."""
        ...


@dataclass(frozen=True)
class Stores:
    """A metadata store and an artifact store, the pair every service is built from.

    Attributes:
        metadata: where executions, artifacts' records, contexts and lineage are kept.
        artifacts: where the artifacts' bytes are kept.

    """

    metadata: MetadataStore
    artifacts: ArtifactStore

    @classmethod
    def of(
        cls, source: HasStores | MetadataStore, artifacts: ArtifactStore | None = None
    ) -> Stores:
        """The stores of ``source`` (anything with both), or of the pair ``(metadata, artifacts)``.

        Raises:
            InputError: ``source`` holds no stores and no artifact store was given.

        """
        if isinstance(source, Stores) and artifacts is None:
            return source
        if artifacts is not None:
            return cls(_metadata(source), artifacts)
        found_metadata = getattr(source, "metadata", None)
        found_artifacts = getattr(source, "artifacts", None)
        if found_metadata is None or found_artifacts is None:
            raise InputError(
                "expected the stores (a Stores, a Workspace, a step context: anything with "
                f"`metadata` and `artifacts`) or a metadata store and an artifact store, got "
                f"{type(source).__name__}"
            )
        return cls(cast("MetadataStore", found_metadata), cast("ArtifactStore", found_artifacts))


def metadata_of(source: HasStores | MetadataStore) -> MetadataStore:
    """The metadata store itself, or the one ``source`` holds (a :class:`Stores`, a workspace).

    Examples:
        >>> from driftline.store.metadata import open_metadata_store
        >>> with open_metadata_store("sqlite://", create=True) as meta:
        ...     metadata_of(meta) is meta
        True

    """
    return _metadata(source)


def _metadata(source: HasStores | MetadataStore) -> MetadataStore:
    held = getattr(source, "metadata", None)
    if held is not None and hasattr(source, "artifacts"):
        return cast("MetadataStore", held)
    return cast("MetadataStore", source)
