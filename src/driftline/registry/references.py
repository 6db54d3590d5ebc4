"""A version's monitor reference in the registry: checking it when registering, reading it back.

``ModelRegistry.register(..., reference_id=...)`` records the ``monitor_reference`` artifact as an
input of the registration (lineage) and its id as a property of the version;
``ModelRegistry.monitor_reference(name, version)`` reads it back (``None`` for a version
registered without one).
"""

from __future__ import annotations

from typing import BinaryIO, cast

from driftline.core.errors import InputError
from driftline.models.monitoring.reference import (
    MONITOR_REFERENCE_KIND,
    MonitorReference,
    MonitorReferenceType,
)
from driftline.registry.arguments import check_artifact_id
from driftline.store.metadata import MetadataStore
from driftline.store.stores import Stores

__all__ = ["MONITOR_REFERENCE_KIND", "MonitorReference", "check_reference", "read_reference"]


def check_reference(metadata: MetadataStore, reference_id: int) -> int:
    """The id of the ``monitor_reference`` artifact ``reference_id``, checked.

    Raises:
        InputError: not an artifact id, or an artifact of another kind.
        ArtifactNotFoundError: no artifact has that id.

    """
    found = metadata.get_artifact(check_artifact_id(reference_id, "reference_id"))
    if found.kind != MONITOR_REFERENCE_KIND:
        raise InputError(
            f"artifact {found.id} ({found.name or found.uri}) is a {found.kind!r}, not a "
            f"{MONITOR_REFERENCE_KIND!r}: reference_id must name a monitor reference"
        )
    return found.id


def read_reference(stores: Stores, reference_id: object) -> MonitorReference | None:
    """Read the monitor reference ``reference_id`` (``None`` when it is ``None``).

    The bytes are checked against the recorded SHA-256 as they are read.

    Raises:
        ArtifactCorruptError: the bytes do not match the recorded SHA-256.
        IntegrityError: the bytes are not a monitor reference.

    """
    if reference_id is None:
        return None
    artifact = stores.metadata.get_artifact(int(cast(int, reference_id)))
    label = f"monitor reference {artifact.id}"
    with stores.artifacts.open(artifact.uri, artifact.sha256, label=label) as reader:
        return MonitorReferenceType.load(cast(BinaryIO, reader), artifact.properties)
