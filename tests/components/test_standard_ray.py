"""The standard pipeline on the Ray runner: the same states and the same results as locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftline.components import standard_pipeline
from driftline.pipeline import RunResult, run_pipeline
from driftline.pipeline.ray_runner import RayRunner
from driftline.registry import ModelRegistry
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import WorkspaceMaker
from tests.pipeline.ray_fixtures import ray_session  # noqa: F401  (a fixture)

pytestmark = pytest.mark.ray

# the model archive is not byte-reproducible (skops names arrays by object id) and the
# infra-validation output holds timings; every other output must have the same bytes
SAME_BYTES = ("schema", "profile", "evaluate", "push")


def _run(new_workspace: WorkspaceMaker, folder: Path, runner: Any) -> tuple[RunResult, Workspace]:
    ws = new_workspace(folder)
    ws.ingest("synth", make_table(0), label="label")
    return run_pipeline(ws, standard_pipeline(), params=params(), runner=runner), ws


@pytest.mark.usefixtures("ray_session")
def test_standard_pipeline_on_ray_matches_local(
    tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    local, local_ws = _run(new_workspace, tmp_path / "local", "local")
    on_ray, ray_ws = _run(new_workspace, tmp_path / "ray", RayRunner())
    try:
        assert on_ray.states() == local.states()
        for name in SAME_BYTES:
            assert on_ray.output(name).sha256 == local.output(name).sha256, name
        report = on_ray.output("validate", "anomalies")
        assert report.sha256 == local.output("validate", "anomalies").sha256
        assert ModelRegistry(ray_ws.metadata, ray_ws.artifacts).aliases("synth") == {"champion": 1}
        again = run_pipeline(ray_ws, standard_pipeline(), params=params(), runner=RayRunner())
        assert again.states()["train"].value == "CACHED"
    finally:
        local_ws.close()
        ray_ws.close()
