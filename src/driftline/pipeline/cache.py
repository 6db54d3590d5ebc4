"""Caching: a step's cache key, and finding an earlier execution whose outputs can be reused.

The cache key is the hash of the step's name, code version (its normalised source and the
driftline version), parameters, the SHA-256 of each input and the kind of each output. A step
with the same key as an earlier ``COMPLETE`` execution is ``CACHED``: a new execution is
recorded whose outputs are the *same* artifacts.

Reused artifacts are checked cheaply, not re-hashed: each must still be ``LIVE`` in the metadata
store and present in the artifact store with its recorded size. Their bytes are checked against
their SHA-256 whenever a later step reads them, so a corrupted cached artifact fails loudly there.

Examples:
    >>> from driftline.pipeline.artifact_types import JsonArtifact
    >>> from driftline.pipeline.step_def import step
    >>> @step
    ... def make(n: int = 1) -> JsonArtifact:
    ...     return [n]
    >>> cache_key(make, {"n": 1}, {}) == cache_key(make, {"n": 1}, {})
    True
    >>> cache_key(make, {"n": 1}, {}) == cache_key(make, {"n": 2}, {})
    False

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftline.core.errors import ArtifactNotFoundError
from driftline.core.hashing import hash_value
from driftline.pipeline.step_def import Step
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import Artifact, ArtifactState, EventKind, Execution, ExecutionState

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["cache_key", "find_cached", "outputs_of"]

_COMPLETE = frozenset({ExecutionState.COMPLETE})


def cache_key(step: Step, params: Mapping[str, Any], input_sha256: Mapping[str, str]) -> str:
    """The cache key of running ``step`` with these parameters (JSON) and input hashes."""
    return hash_value(
        {
            "step": step.name,
            "code": step.code_version,
            "params": dict(params),
            "inputs": dict(input_sha256),
            "outputs": {p.name: p.type.kind for p in step.outputs},
        }
    )


def outputs_of(metadata: MetadataStore, execution_id: int) -> dict[str, Artifact]:
    """The output artifacts of an execution, by port (the first of each port)."""
    events = [e for e in metadata.events(execution_id=execution_id) if e.kind is EventKind.OUTPUT]
    if not events:
        return {}
    found = metadata.artifacts(ArtifactQuery(ids=frozenset(e.artifact_id for e in events)))
    by_id = {a.id: a for a in found}
    out: dict[str, Artifact] = {}
    for e in sorted(events, key=lambda e: (e.name, e.index)):
        out.setdefault(e.name, by_id[e.artifact_id])
    return out


def intact(step: Step, outputs: Mapping[str, Artifact], artifacts: ArtifactStore) -> bool:
    """Whether ``outputs`` has every port of ``step``, each LIVE and stored at its size."""
    if set(outputs) != {p.name for p in step.outputs}:
        return False
    for a in outputs.values():
        if a.state is not ArtifactState.LIVE:
            return False
        try:
            if artifacts.size(a.uri) != a.size:
                return False
        except ArtifactNotFoundError:
            return False
    return True


def find_cached(
    metadata: MetadataStore, artifacts: ArtifactStore, step: Step, key: str
) -> tuple[Execution, dict[str, Artifact]] | None:
    """The newest COMPLETE execution with ``key`` whose outputs are intact, or ``None``."""
    for found in metadata.executions(ExecutionQuery(cache_key=key, states=_COMPLETE, limit=3)):
        if found.kind != step.name:
            continue
        outputs = outputs_of(metadata, found.id)
        if intact(step, outputs, artifacts):
            return found, outputs
    return None
