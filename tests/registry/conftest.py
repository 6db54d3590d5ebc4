"""Fixtures of the registry tests: one suite, run against SQLite and PostgreSQL.

The backends (``backend``, ``store_url``, ``dump``, ``clock``) are shared: see tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from driftline.core.clock import ManualClock
from driftline.models.artifact import ModelType
from driftline.registry import ModelRegistry
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.records import Artifact, NewArtifact

ModelFactory = Callable[..., Artifact]


@pytest.fixture
def metadata(store_url: str, clock: ManualClock) -> Iterator[MetadataStore]:
    with open_metadata_store(store_url, create=True, clock=clock) as opened:
        yield opened


@pytest.fixture
def artifacts(tmp_path: Path) -> Iterator[ArtifactStore]:
    with ArtifactStore(str(tmp_path / "artifacts")).create() as store:
        yield store


@pytest.fixture
def registry(metadata: MetadataStore, artifacts: ArtifactStore) -> ModelRegistry:
    return ModelRegistry(metadata, artifacts)


@pytest.fixture
def fake_model(metadata: MetadataStore) -> ModelFactory:
    """``fake_model(label, kind="model")``: a recorded artifact whose bytes are never read."""

    def make(label: str = "m", kind: str = "model", **properties: Any) -> Artifact:
        return metadata.put_artifact(
            NewArtifact(
                kind,
                f"file:///elsewhere/{label}",
                hashlib.sha256(label.encode()).hexdigest(),
                len(label),
                name=label,
                properties={"flavor": "sklearn", **properties},
            )
        )

    return make


@pytest.fixture
def xy() -> tuple[np.ndarray, np.ndarray]:
    """A seeded binary problem."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.25 * x[:, 2] > 0).astype(np.int64)
    return x, y


def store_model(
    metadata: MetadataStore, artifacts: ArtifactStore, model: Any, label: str
) -> Artifact:
    """Store ``model`` as a pipeline would: a ``.tar.gz`` model artifact, recorded."""
    with artifacts.writer(artifacts.new_key("model", f"{label}.tar.gz")) as out:
        properties = ModelType.save(model, out)
    stored = out.result
    return metadata.put_artifact(
        NewArtifact("model", stored.uri, stored.sha256, stored.size, label, dict(properties))
    )
