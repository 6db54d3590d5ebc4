"""The monitor_reference step: fitted in the standard pipeline, registered by push, read back."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from driftline.components import standard_pipeline
from driftline.components.data_steps import profile, schema, validate, window
from driftline.components.deploy_steps import infra_validate, push
from driftline.components.evaluation import evaluate
from driftline.components.models_ref import champion
from driftline.components.training import train
from driftline.core.errors import InputError
from driftline.pipeline import Pipeline, RunStatus, run_pipeline
from driftline.registry import ModelRegistry
from driftline.registry.errors import VersionNotFoundError
from driftline.store.records import NewArtifact
from driftline.workspace import Workspace
from tests.components.conftest import params

FEATURES = ("x0", "x1", "x2", "x3", "x4", "x5", "region")


@pytest.mark.slow
@pytest.mark.usefixtures("synth_span")
def test_the_standard_pipeline_registers_a_reference_with_the_version(ws: Workspace) -> None:
    result = run_pipeline(ws, standard_pipeline(), params=params(), progress=False)
    assert result.status is RunStatus.COMPLETE
    registry = ModelRegistry(ws)
    reference = registry.monitor_reference("synth", 1)
    assert reference is not None
    assert reference.features == FEATURES
    assert reference.notes == ()
    # the outlier detector, fitted on the training profile and rows, flags rows far outside them
    assert reference.outliers is not None
    assert reference.outliers.method == "profile"
    rows = ws.read_span(ws.span("synth"), "eval").select(list(FEATURES))
    inside = reference.outliers.flag(reference.outliers.score(rows))
    far = rows.set_column(0, "x0", pa.array(np.full(rows.num_rows, 50.0)))
    outside = reference.outliers.flag(reference.outliers.score(far))
    assert inside.mean() < 0.02
    assert outside.all()
    eval_rows = ws.span("synth").eval_rows
    assert reference.eval_rows == eval_rows
    assert reference.predictions["prediction"].count == eval_rows
    # the calibration reproduces the evaluation's accuracy on the rows it was fitted on
    assert reference.calibration is not None
    assert reference.calibration.classes == (0, 1)
    evaluation = registry.version("synth", 1).metrics["accuracy"]
    assert reference.calibration.accuracy == pytest.approx(evaluation)
    # x0 carries the most weight in the label (1.5 * x0 - x1 + ...); x3..x5 none
    assert set(reference.importance) == set(FEATURES)
    assert max(reference.importance, key=reference.importance.__getitem__) == "x0"
    assert all(abs(reference.importance[c]) < 0.02 for c in ("x3", "x4", "x5"))
    # the reference is the run's artifact, and the version's lineage reaches it
    stored = result.output("monitor_reference")
    assert stored.kind == "monitor_reference"
    version = registry.version("synth", 1)
    assert stored.id in ws.lineage(version.artifact_id, direction="up", depth=1).artifacts


@pytest.mark.slow
@pytest.mark.usefixtures("synth_span")
def test_a_model_without_probabilities_gets_no_calibration_and_one_note(ws: Workspace) -> None:
    run = params(trainer="sklearn:LinearSVC", **{"monitor_reference.outliers": "off"})
    result = run_pipeline(ws, standard_pipeline(), params=run, progress=False)
    assert result.status is RunStatus.COMPLETE  # a monitoring gap never fails the run
    reference = ModelRegistry(ws).monitor_reference("synth", 1)
    assert reference is not None
    assert reference.calibration is None
    assert reference.outliers is None
    assert len(reference.notes) == 1
    assert "no probabilities" in reference.notes[0]
    assert "no label-free accuracy estimate" in reference.notes[0]
    assert reference.importance["x0"] > 0.05


@pytest.mark.slow
def test_a_regression_model_is_noted_and_keeps_its_importance(ws: Workspace) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1500, 3))
    target = 2.0 * x[:, 0] + 0.1 * rng.normal(size=1500)
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": target})
    ws.ingest("reg", table, label="y")
    run = {
        "dataset": "reg",
        "model_name": "reg",
        "requests": 20,
        "trainer": "sklearn:LinearRegression",
        "metric": "rmse",
        "monitor_reference.outliers": "off",
    }
    result = run_pipeline(ws, standard_pipeline(), params=run, progress=False)
    assert result.status is RunStatus.COMPLETE
    reference = ModelRegistry(ws).monitor_reference("reg", 1)
    assert reference is not None
    assert reference.calibration is None
    assert reference.notes == (
        "a regression model: no label-free accuracy estimate (it needs probabilities)",
    )
    assert reference.importance["a"] > 1.0  # RMSE rises by about 2 * sqrt(2)
    assert reference.predictions["prediction"].count == reference.eval_rows


@pytest.mark.slow
@pytest.mark.usefixtures("synth_span")
def test_push_without_the_step_registers_a_version_without_reference(ws: Workspace) -> None:
    steps = [window, schema, validate, profile, train, champion, evaluate, infra_validate, push]
    result = run_pipeline(ws, Pipeline("plain", steps), params=params(), progress=False)
    assert result.status is RunStatus.COMPLETE
    registry = ModelRegistry(ws)
    assert registry.version("synth", 1).number == 1
    assert registry.monitor_reference("synth", 1) is None
    with pytest.raises(VersionNotFoundError, match="has no version 2"):
        registry.monitor_reference("synth", 2)


def test_registering_another_kind_as_reference_is_refused_and_stores_nothing(
    ws: Workspace,
) -> None:
    model = ws.metadata.put_artifact(NewArtifact("model", "file:///m.tar.gz", "0" * 64, 9))
    other = ws.metadata.put_artifact(NewArtifact("profile", "file:///p.profile", "1" * 64, 9))
    registry = ModelRegistry(ws)
    with pytest.raises(InputError, match="is a 'profile', not a 'monitor_reference'"):
        registry.register("synth", model.id, reference_id=other.id)
    assert registry.models() == []
    with pytest.raises(InputError, match="reference_id"):
        registry.register("synth", model.id, reference_id=-1)
    first = registry.register("synth", model.id)
    assert registry.monitor_reference("synth", first.number) is None
    assert "reference_id" not in ws.metadata.get_artifact(first.artifact_id).properties
