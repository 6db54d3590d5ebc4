"""The artifact store a step is running against, for values that read more artifacts lazily.

A step's inputs are loaded by their artifact type from the bytes of one artifact. Some values are
*references* to further artifacts (a window of spans lists the Parquet files of each span; a
champion reference names a model): they read those artifacts when the step asks, from the store
the step runs against. :func:`using_store` sets that store for the duration of a step (every
runner calls it, in whatever process runs the step); :func:`active_store` returns it.

Examples:
    >>> import tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = ArtifactStore(folder).create()
    ...     with using_store(store):
    ...         same = active_store() is store
    >>> same
    True
    >>> active_store()
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: no artifact store is active: references to artifacts can \
only be read inside a running step (or inside `with using_store(store):`)

"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.store.artifacts.store import ArtifactStore

__all__ = ["active_store", "using_store"]

_ACTIVE: ContextVar[ArtifactStore | None] = ContextVar("driftline_active_store", default=None)


def active_store() -> ArtifactStore:
    """The artifact store set by the innermost :func:`using_store`.

    Raises:
        InputError: no store is active.

    """
    store = _ACTIVE.get()
    if store is None:
        raise InputError(
            "no artifact store is active: references to artifacts can only be read inside a "
            "running step (or inside `with using_store(store):`)"
        )
    return store


@contextmanager
def using_store(store: ArtifactStore) -> Iterator[ArtifactStore]:
    """Make ``store`` the active artifact store inside the block (restored afterwards)."""
    token = _ACTIVE.set(store)
    try:
        yield store
    finally:
        _ACTIVE.reset(token)
