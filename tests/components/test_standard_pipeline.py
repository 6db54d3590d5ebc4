"""The standard pipeline: trains, blesses and registers; gates on bad data and worse models."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from driftline.components import standard_pipeline
from driftline.pipeline import RunStatus, StepFailedError, run_pipeline
from driftline.registry import ModelRegistry
from driftline.store.queries import ArtifactQuery
from driftline.store.records import ExecutionState
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params

pytestmark = pytest.mark.usefixtures("synth_span")  # ws holds span 1 of synth

STEPS = [
    "window",
    "schema",
    "validate",
    "profile",
    "train",
    "champion",
    "evaluate",
    "monitor_reference",
    "infra_validate",
    "push",
]


def _read_json(ws: Workspace, artifact: object) -> object:
    return json.loads(ws.artifacts.read_bytes(artifact.uri, artifact.sha256))  # type: ignore[attr-defined]


def test_first_run_registers_a_blessed_champion_and_reruns_are_cached(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    first = run_pipeline(ws, pipeline, params=params(), progress=False)
    assert first.status is RunStatus.COMPLETE
    assert list(first.states()) == STEPS
    assert set(first.states().values()) == {ExecutionState.COMPLETE}
    evaluation = _read_json(ws, first.output("evaluate"))
    assert evaluation["blessed"] is True  # type: ignore[index]
    assert evaluation["champion"] is None  # type: ignore[index]
    assert evaluation["challenger"]["accuracy"] > 0.8  # type: ignore[index]
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    (version,) = registry.versions("synth")
    assert registry.aliases("synth") == {"champion": 1}
    assert version.model_id == first.output("train").id
    assert version.evaluation_id == first.output("evaluate").id
    assert version.profile_id == first.output("profile").id
    # the registered version's lineage reaches the span it was trained on
    span = ws.span("synth")
    upstream = ws.lineage(version.artifact_id, direction="up", depth=20)
    assert span.artifact_id in upstream.artifacts

    second = run_pipeline(ws, pipeline, params=params(), progress=False)
    states = second.states()
    # the first run made a champion, so the challenger is evaluated again, against it
    assert states["train"] is ExecutionState.CACHED
    assert states["champion"] is ExecutionState.COMPLETE
    assert _read_json(ws, second.output("evaluate"))["champion_version"] == 1  # type: ignore[index]
    third = run_pipeline(ws, pipeline, params=params(), progress=False)
    assert set(third.states().values()) == {ExecutionState.CACHED}
    assert len(registry.versions("synth")) == 1  # pushing the same model again registers nothing


def test_a_blocking_anomaly_stops_the_run_before_training(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    run_pipeline(ws, pipeline, params=params(), progress=False)
    bad = make_table(1)
    bad = bad.set_column(0, "x0", pa.nulls(bad.num_rows, pa.float64()))  # fits, but empty
    ws.ingest("synth", bad, label="label")
    with pytest.raises(StepFailedError, match="blocking anomalies") as caught:
        run_pipeline(ws, pipeline, params=params(), progress=False)
    result = caught.value.result
    assert result is not None
    assert result.status is RunStatus.FAILED
    states = result.states()
    assert states["validate"] is ExecutionState.FAILED
    assert states["profile"] is ExecutionState.CANCELED
    assert states["train"] is ExecutionState.CANCELED
    assert states["push"] is ExecutionState.CANCELED
    report = _read_json(ws, result.steps["validate"].outputs["anomalies"])
    assert report["blocking"] is True  # type: ignore[index]
    assert "x0" in {a["column"] for a in report["anomalies"]}  # type: ignore[index]
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    assert [v.number for v in registry.versions("synth")] == [1]
    trained = ws.metadata.artifacts(ArtifactQuery(kind="model"))
    assert len(trained) == 1  # only the first run's model exists


def test_a_worse_challenger_is_neither_blessed_nor_pushed(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    run_pipeline(ws, pipeline, params=params(), progress=False)
    ws.ingest("synth", make_table(2), label="label")
    worse = params(trainer="sklearn:DummyClassifier", trainer_params={"strategy": "prior"})
    result = run_pipeline(ws, pipeline, params=worse, progress=False)
    assert result.status is RunStatus.COMPLETE
    evaluation = _read_json(ws, result.output("evaluate"))
    assert evaluation["blessed"] is False  # type: ignore[index]
    assert "worse than champion v1" in evaluation["reason"]  # type: ignore[index]
    assert evaluation["challenger"]["accuracy"] < evaluation["champion"]["accuracy"]  # type: ignore[index]
    pushed = _read_json(ws, result.output("push"))
    assert pushed["pushed"] is False  # type: ignore[index]
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    assert [v.number for v in registry.versions("synth")] == [1]
    assert registry.aliases("synth") == {"champion": 1}


def test_a_better_challenger_becomes_champion_and_a_margin_lets_a_tie_pass(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    weak = params(trainer="sklearn:LogisticRegression", trainer_params={"C": 1e-4})
    run_pipeline(ws, pipeline, params=weak, progress=False)
    ws.ingest("synth", make_table(3), label="label")
    result = run_pipeline(ws, pipeline, params=params(slices=["region"]), progress=False)
    evaluation = _read_json(ws, result.output("evaluate"))
    assert evaluation["blessed"] is True, evaluation["reason"]  # type: ignore[index]
    assert {s["value"] for s in evaluation["slices"]} == {"north", "south", "east"}  # type: ignore[index]
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    assert registry.aliases("synth") == {"champion": 2}
    assert [t.action.value for t in registry.history("synth")][-1] == "set"


def test_first_model_floor_and_bad_parameters(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    floor = params(first_model_min=0.999)
    result = run_pipeline(ws, pipeline, params=floor, progress=False)
    assert _read_json(ws, result.output("push"))["pushed"] is False  # type: ignore[index]
    with pytest.raises(StepFailedError, match="unknown metric 'accuracyy'"):
        run_pipeline(ws, pipeline, params=params(metric="accuracyy"), progress=False)
    with pytest.raises(StepFailedError, match="scikit-learn has no estimator 'Nope'"):
        run_pipeline(ws, pipeline, params=params(trainer="sklearn:Nope"), progress=False)
    with pytest.raises(StepFailedError, match="dataset 'other' has no spans"):
        run_pipeline(ws, pipeline, params=params(dataset="other"), progress=False)
