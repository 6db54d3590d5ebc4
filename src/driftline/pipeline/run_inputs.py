"""The inputs of a run that no step produces: :func:`store_run_input`.

A run input is given as an artifact id (``int``), an ``Artifact`` (both must be of the kind the
step wants), or a value, which is stored with the input's artifact type and recorded in the run's
context as artifact ``input.<name>``.

Examples:
    >>> import tempfile
    >>> from driftline.pipeline.artifact_types import JsonType
    >>> from driftline.store.records import ContextRef
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     run = ws.metadata.put_context(ContextRef("run", "r1"))
    ...     stored = store_run_input(ws, ContextRef("run", "r1"), "n", [1, 2], JsonType)
    ...     again = store_run_input(ws, ContextRef("run", "r1"), "n", stored.id, JsonType)
    >>> stored.name, again.id == stored.id
    ('input.n', True)

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.store.records import Artifact, ContextRef, NewArtifact

if TYPE_CHECKING:
    from driftline.store.stores import HasStores

__all__ = ["store_run_input"]


def store_run_input(
    stores: HasStores, run: ContextRef, key: str, value: Any, wanted: Any
) -> Artifact:
    """The artifact of run input ``key``: the one ``value`` names, or ``value`` stored.

    Args:
        stores: the metadata and artifact stores.
        run: the run's context; a stored value is attributed to it.
        key: the input's name (``step.input``), for messages and the artifact's name.
        value: an artifact id, an ``Artifact``, or a value of the input's type.
        wanted: the input's artifact type (its ``kind`` and ``save``).

    Raises:
        InputError: an artifact of another kind than the step wants.
        ArtifactNotFoundError: no artifact has the id.

    """
    if isinstance(value, Artifact):
        value = value.id
    if isinstance(value, int) and not isinstance(value, bool):
        found = stores.metadata.get_artifact(value)
        if found.kind != wanted.kind:
            raise InputError(
                f"run input {key!r} is artifact {found.id} of kind {found.kind!r}, but the "
                f"step wants {wanted.kind!r}"
            )
        return found
    stored = stores.artifacts.new_key(wanted.kind, f"input-{key}")
    with stores.artifacts.writer(stored) as out:
        properties = dict(wanted.save(value, out))
    obj = out.result
    return stores.metadata.put_artifact(
        NewArtifact(wanted.kind, obj.uri, obj.sha256, obj.size, f"input.{key}", properties),
        contexts=[run],
    )
