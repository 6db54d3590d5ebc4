"""Probing a model in a fresh process, and the infra_validate step that stops a run on it."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.components import deploy_steps
from driftline.components.data_steps import window
from driftline.components.deploy_steps import infra_validate
from driftline.components.trainers import fit_trainer, split_features
from driftline.components.training import model_with_signature, train
from driftline.core.errors import IntegrityError
from driftline.data.artifact_types import SpanWindow
from driftline.models.loaded import LoadedModel
from driftline.models.probe import ProbeReport, probe_model
from driftline.pipeline import Pipeline, StepAbort, StepFailedError, run_pipeline
from driftline.store.artifacts import using_store
from driftline.store.records import EventKind, ExecutionState
from driftline.workspace import Workspace
from tests.components.conftest import make_table

REPORT_KEYS = {
    "rows",
    "requests",
    "load_ms",
    "batch_ms",
    "p50_ms",
    "p99_ms",
    "p50_cpu_ms",
    "p99_cpu_ms",
    "same_predictions",
}


@pytest.fixture(scope="module")
def model() -> LoadedModel:
    features, target = split_features(make_table(5, rows=600), "label")
    fitted = fit_trainer("sklearn:LogisticRegression", features, target)
    return model_with_signature(fitted, features.slice(0, 100))


def _sample(rows: int = 30) -> pa.Table:
    features, _ = split_features(make_table(6, rows=rows), "label")
    return features


def test_probe_model_loads_and_predicts_the_same_in_a_fresh_process(model: LoadedModel) -> None:
    report = probe_model(model, _sample(), requests=7)
    assert report.same_predictions is True
    assert report.rows == 30
    assert report.requests == 7
    assert report.load_ms > 0
    assert report.batch_ms > 0
    assert 0 < report.p50_ms <= report.p99_ms
    assert 0 < report.p50_cpu_ms <= report.p99_cpu_ms
    metrics = report.to_metrics()
    assert set(metrics) == REPORT_KEYS
    assert metrics["same_predictions"] == 1.0
    assert all(isinstance(v, float) for v in metrics.values())


def test_a_failing_fresh_process_is_an_integrity_error(model: LoadedModel) -> None:
    sample = _sample().append_column("surprise", pa.array(np.zeros(30)))
    with pytest.raises(IntegrityError, match="failed to load or predict in a fresh process") as e:
        probe_model(model, sample, requests=1)
    # the fresh process's own error is in the message
    assert "'surprise', which the model does not take" in str(e.value)


def _fake_probe(calls: list[pa.Table], **report: Any) -> Any:
    def probe(model: LoadedModel, features: pa.Table, *, requests: int = 100) -> ProbeReport:
        calls.append(features)
        values: dict[str, Any] = {
            "rows": features.num_rows,
            "requests": requests,
            "load_ms": 50.0,
            "batch_ms": 2.0,
            "p50_ms": 0.4,
            "p99_ms": 0.9,
            "p50_cpu_ms": 0.3,
            "p99_cpu_ms": 0.8,
            "same_predictions": True,
            **report,
        }
        return ProbeReport(**values)

    return probe


def _run_step(ws: Workspace, model: LoadedModel, **params: Any) -> Any:
    spans = SpanWindow("synth", tuple(ws.spans("synth")))
    with using_store(ws.artifacts):
        return infra_validate(model, spans, **params)


@pytest.mark.usefixtures("synth_span")
def test_the_step_probes_sample_eval_rows_with_the_model_columns(
    ws: Workspace, model: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[pa.Table] = []
    monkeypatch.setattr(deploy_steps, "probe_model", _fake_probe(calls))
    metrics = _run_step(ws, model, rows=40, requests=9, max_p99_ms=1.0)
    assert metrics["p99_ms"] == 0.9
    assert metrics["requests"] == 9.0
    (features,) = calls
    assert model.signature is not None
    assert features.column_names == list(model.signature.column_names)  # no label
    eval_rows = ws.read_span(ws.span("synth"), "eval").slice(0, 40)
    assert features.equals(eval_rows.drop_columns(["label"]))


@pytest.mark.parametrize(
    ("report", "limit", "message"),
    [
        (
            {"p99_cpu_ms": 12.5},
            10.0,
            "take 12.5 ms of CPU time at p99, over the limit max_p99_ms=10",
        ),
        ({"same_predictions": False}, 100.0, "predicts differently when loaded in a fresh"),
    ],
)
@pytest.mark.usefixtures("synth_span")
def test_the_step_aborts_with_the_measurements_attached(
    ws: Workspace,
    model: LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
    report: dict[str, Any],
    limit: float,
    message: str,
) -> None:
    monkeypatch.setattr(deploy_steps, "probe_model", _fake_probe([], **report))
    with pytest.raises(StepAbort, match=message) as caught:
        _run_step(ws, model, max_p99_ms=limit)
    kind_type, metrics = caught.value.attach["infra_validate"]
    assert getattr(kind_type, "__metadata__", (None,))[0].kind == "metrics"
    assert set(metrics) == REPORT_KEYS
    for key, value in report.items():
        assert metrics[key] == float(value)


@pytest.mark.usefixtures("synth_span")
def test_a_slow_wall_clock_on_a_busy_machine_does_not_fail_a_cheap_model(
    ws: Workspace, model: LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the machine was busy: the wall time's tail is long, but each prediction costs little CPU
    report = {"p50_ms": 40.0, "p99_ms": 250.0, "p50_cpu_ms": 0.4, "p99_cpu_ms": 0.9}
    monkeypatch.setattr(deploy_steps, "probe_model", _fake_probe([], **report))
    metrics = _run_step(ws, model, max_p99_ms=10.0)
    assert metrics["p99_ms"] == 250.0
    assert metrics["p99_cpu_ms"] == 0.9


@pytest.mark.usefixtures("synth_span")
def test_a_real_run_records_the_measurements_of_a_failed_infra_validation(
    ws: Workspace,
) -> None:
    pipeline = Pipeline("infra", [window, train, infra_validate])
    run_params = {
        "dataset": "synth",
        "trainer": "sklearn:LogisticRegression",
        "rows": 20,
        "requests": 5,
        "max_p99_ms": 0.0,
    }
    with pytest.raises(StepFailedError, match="over the limit max_p99_ms=0") as caught:
        run_pipeline(ws, pipeline, params=run_params, progress=False)
    result = caught.value.result
    assert result is not None
    assert result.states() == {
        "window": ExecutionState.COMPLETE,
        "train": ExecutionState.COMPLETE,
        "infra_validate": ExecutionState.FAILED,
    }
    step = result.steps["infra_validate"]
    attached = step.outputs["infra_validate"]
    assert attached.kind == "metrics"
    metrics = json.loads(ws.artifacts.read_bytes(attached.uri, attached.sha256))
    assert set(metrics) == REPORT_KEYS
    assert metrics["same_predictions"] == 1.0
    assert metrics["rows"] == 20.0
    assert metrics["requests"] == 5.0
    assert metrics["p99_ms"] > 0.0
    assert step.execution_id is not None
    execution = ws.metadata.get_execution(step.execution_id)
    assert execution.state is ExecutionState.FAILED
    assert "over the limit" in (execution.error or "")
    outputs = [
        e for e in ws.metadata.events(execution_id=step.execution_id) if e.kind is EventKind.OUTPUT
    ]
    assert [(e.name, e.artifact_id) for e in outputs] == [("infra_validate", attached.id)]
