"""The standard pipeline on Elec2 (``../shared/data``): ingest, train, bless, register, cache."""

from __future__ import annotations

import json
from pathlib import Path

from driftline.components import standard_pipeline
from driftline.pipeline import RunStatus, run_pipeline
from driftline.registry import ModelRegistry
from driftline.store.records import ExecutionState
from tests.conftest import WorkspaceMaker


def test_elec2_standard_pipeline(
    tmp_path: Path, shared_data: Path, new_workspace: WorkspaceMaker
) -> None:
    source = str(shared_data / "elec2.csv.gz")
    run_params = {
        "dataset": "elec2",
        "source": [source],
        "label": "label",
        "model_name": "elec2",
        "slices": ["day"],
    }
    pipeline = standard_pipeline(ingest_data=True)
    with new_workspace(tmp_path / "ws") as ws:
        first = run_pipeline(ws, pipeline, params=run_params, progress=False)
        assert first.status is RunStatus.COMPLETE
        evaluation = json.loads(
            ws.artifacts.read_bytes(first.output("evaluate").uri, first.output("evaluate").sha256)
        )
        assert evaluation["blessed"] is True
        assert evaluation["challenger"]["accuracy"] > 0.8
        assert len(evaluation["slices"]) == 7  # one per day of the week
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        (version,) = registry.versions("elec2")
        assert registry.aliases("elec2") == {"champion": 1}
        assert version.metrics["accuracy"] == evaluation["challenger"]["accuracy"]
        run_pipeline(ws, pipeline, params=run_params, progress=False)  # against the champion
        third = run_pipeline(ws, pipeline, params=run_params, progress=False)
        assert set(third.states().values()) == {ExecutionState.CACHED}
        assert [s.number for s in ws.spans("elec2")] == [1]  # the same file is not ingested twice
        assert len(registry.versions("elec2")) == 1
