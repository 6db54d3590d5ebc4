"""A model trained once by the standard pipeline on the known-drift stream (``stream_model``).

Tests register its artifacts again under their own model names (:meth:`StreamModel.register`),
so each gets a fresh prediction log without training again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from driftline.workspace import Workspace
from tests.monitor.drift_stream import training_table

TRAINING_ROWS = 4000


@dataclass
class StreamModel:
    """The workspace, the trained version's artifacts and the loaded model."""

    ws: Workspace
    model_id: int
    profile_id: int | None
    evaluation_id: int | None
    reference_id: int | None
    loaded: Any

    def register(self, name: str, *, reference: bool = True, profile: bool = True) -> int:
        """Register the trained model as ``name``; return the version number."""
        found = self.ws.registry.register(
            name,
            self.model_id,
            evaluation_id=self.evaluation_id,
            profile_id=self.profile_id if profile else None,
            reference_id=self.reference_id if reference else None,
        )
        return found.number


@pytest.fixture(scope="session")
def stream_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamModel]:
    """The standard pipeline run once on :func:`training_table` (model ``stream``, version 1)."""
    from driftline.components import standard_pipeline
    from driftline.pipeline import run_pipeline

    folder = tmp_path_factory.mktemp("known-drift") / "ws"
    with Workspace.init(folder) as ws:
        ws.ingest("stream", training_table(0, TRAINING_ROWS), label="label")
        params = {"dataset": "stream", "model_name": "stream", "requests": 20}
        run_pipeline(ws, standard_pipeline(), params=params, progress=False)
        (version,) = ws.registry.versions("stream")
        props = ws.metadata.get_artifact(version.artifact_id).properties
        yield StreamModel(
            ws,
            version.model_id,
            version.profile_id,
            version.evaluation_id,
            props.get("reference_id"),
            ws.registry.load(version),
        )
