"""A changed world trains; corrupt data does not: the standard pipeline on drifting spans.

The first two tests run Elec2 from ``../shared/data`` (skipped if absent, failed under CI):
rows 1-10,000 as span 1 and the standard pipeline, then rows 10,001-20,000 as span 2 and the
pipeline again. Span 2 leaves the ranges seen in span 1 (``date`` grows; ``vicprice``,
``vicdemand`` and ``transfer`` are constant for the first 17,424 rows); it must still be
validated, trained on and judged by the gate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from driftline.components import standard_pipeline
from driftline.data import Bounds, ColumnRole, Schema, infer_schema
from driftline.data.quarantine import quarantined
from driftline.drift import ColumnStatus, compare
from driftline.pipeline import RunResult, RunStatus, StepFailedError, run_pipeline
from driftline.registry import ModelRegistry
from driftline.store.records import ExecutionState
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import WorkspaceMaker

ROWS = 10_000
TRAINED = ("validate", "profile", "train", "champion", "evaluate", "push")


def _json(ws: Workspace, artifact: Any) -> Any:
    return json.loads(ws.artifacts.read_bytes(artifact.uri, artifact.sha256))


def _elec2_parts(shared_data: Path, folder: Path) -> list[Path]:
    table = pcsv.read_csv(shared_data / "elec2.csv.gz")
    out = []
    for n in (1, 2):
        path = folder / f"elec2-{n}.csv"
        pcsv.write_csv(table.slice((n - 1) * ROWS, ROWS), path)
        out.append(path)
    return out


def _run(ws: Workspace, source: Path) -> RunResult:
    run_params = {
        "dataset": "elec2",
        "source": [str(source)],
        "label": "label",
        "model_name": "elec2",
    }
    return run_pipeline(ws, standard_pipeline(ingest_data=True), params=run_params, progress=False)


def _check_trained_and_gated(ws: Workspace, second: RunResult) -> dict[str, Any]:
    """The second run validated, trained, evaluated against v1 and the gate decided."""
    assert second.status is RunStatus.COMPLETE
    states = second.states()
    for name in TRAINED:
        assert states[name] is ExecutionState.COMPLETE, name
    report = _json(ws, second.output("validate", "anomalies"))
    assert report["subject"] == "elec2:2"
    assert report["blocking"] is False
    assert {a["severity"] for a in report["anomalies"]} <= {"warning"}
    evaluation = _json(ws, second.output("evaluate"))
    assert evaluation["champion_version"] == 1
    assert evaluation["spans"] == [2]  # evaluated on the newest span
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    pushed = _json(ws, second.output("push"))
    assert pushed["pushed"] is evaluation["blessed"]
    expected = 2 if evaluation["blessed"] else 1  # either way the gate decided
    assert registry.aliases("elec2") == {"champion": expected}
    return {"report": report, "evaluation": evaluation}


@pytest.mark.slow
def test_elec2_second_span_is_validated_trained_and_gated(
    tmp_path: Path, shared_data: Path, new_workspace: WorkspaceMaker
) -> None:
    part1, part2 = _elec2_parts(shared_data, tmp_path)
    with new_workspace(tmp_path / "ws") as ws:
        first = _run(ws, part1)
        assert first.status is RunStatus.COMPLETE
        schema = ws.schema("elec2")
        date = schema.column("date")
        assert (date.role, date.min, date.max) == (ColumnRole.INDEX, None, None)
        assert schema.index_columns == ("date",)
        assert {c.bounds for c in schema.columns} == {Bounds.OBSERVED}
        assert schema.column("vicprice").min == schema.column("vicprice").max == 0.003467

        second = _run(ws, part2)
        found = _check_trained_and_gated(ws, second)
        warned = {(a["column"], a["kind"]) for a in found["report"]["anomalies"]}
        assert warned == {
            ("vicprice", "out_of_range"),
            ("vicdemand", "out_of_range"),
            ("transfer", "out_of_range"),
        }
        shares = {a["column"]: a["observed"]["share"] for a in found["report"]["anomalies"]}
        assert shares["vicprice"] == pytest.approx(0.258, abs=0.002)
        assert ws.data.schema_version("elec2") == 1  # nobody had to edit it

        # The champion's training data against span 2: "date" drifts by construction, is
        # reported, and is not counted in the share that would trigger a retrain.
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        (v1, *_) = registry.versions("elec2")
        assert v1.profile_id is not None
        reference = ws.data.load_profile(str(v1.profile_id))
        drift = compare(reference, ws.span_profile(ws.spans("elec2")[1]))
        assert drift["date"].status is ColumnStatus.EXCLUDED
        assert drift["date"].statistic is not None
        assert drift["date"].statistic > 10
        assert "date" not in drift.compared_columns
        assert drift.excluded_columns == ("date",)
        assert len(drift.compared_columns) == 8


@pytest.mark.slow
def test_elec2_with_a_schema_stored_by_an_older_version(
    tmp_path: Path, shared_data: Path, new_workspace: WorkspaceMaker
) -> None:
    """An older driftline stored every observed range as min/max; they are read as observed."""
    part1, part2 = _elec2_parts(shared_data, tmp_path)
    with new_workspace(tmp_path / "ws") as ws:
        assert _run(ws, part1).status is RunStatus.COMPLETE
        profile = ws.span_profile(ws.spans("elec2")[0])
        inferred = infer_schema(profile, dataset="elec2", label="label", detect_index=False)
        old_text = "".join(
            line
            for line in inferred.to_toml().splitlines(keepends=True)
            if not line.startswith("bounds = ")
        )
        assert "min = 0.0\nmax = 0.030707\n" in old_text  # date, as the old schema had it
        ws.data.save_schema("elec2", Schema.from_toml(old_text))
        second = _run(ws, part2)
        found = _check_trained_and_gated(ws, second)
        warned = {a["column"] for a in found["report"]["anomalies"]}
        assert warned == {"date", "vicprice", "vicdemand", "transfer"}


@pytest.mark.usefixtures("synth_span")
def test_a_shifted_span_trains_but_a_broken_declared_bound_stops_the_run(ws: Workspace) -> None:
    pipeline = standard_pipeline()
    assert run_pipeline(ws, pipeline, params=params(), progress=False).status is RunStatus.COMPLETE
    ws.ingest("synth", make_table(1, shift=3.0), label="label")  # far outside the seen ranges
    shifted = run_pipeline(ws, pipeline, params=params(), progress=False)
    assert shifted.status is RunStatus.COMPLETE
    report = _json(ws, shifted.output("validate", "anomalies"))
    assert not report["blocking"]
    assert {a["column"] for a in report["anomalies"]} >= {"x0", "x1"}
    # A user declares that x0 is never below -10; a span that breaks it is not trained on.
    text = ws.schema("synth").to_toml()
    head = "[columns.x0]\n"
    section = text[text.index(head) :].split("\n\n")[0]
    declared = "\n".join(
        line for line in section.splitlines() if not line.startswith(("bounds", "min", "max"))
    )
    declared += '\nbounds = "declared"\nmin = -10'
    ws.data.save_schema("synth", Schema.from_toml(text.replace(section, declared)))
    bad = make_table(2)
    x0 = bad["x0"].to_numpy().copy()
    x0[:200] = -50.0  # 10 % below the declared bound
    ws.ingest("synth", bad.set_column(0, "x0", pa.array(x0)), label="label")
    registry = ModelRegistry(ws.metadata, ws.artifacts)
    before = (registry.aliases("synth"), [v.number for v in registry.versions("synth")])
    with pytest.raises(StepFailedError, match=r"x0: 10\.0% of values are outside the declared"):
        run_pipeline(ws, pipeline, params=params(), progress=False)
    assert list(quarantined(ws.metadata, "synth")) == [3]  # refused, so quarantined
    rerun = run_pipeline(ws, pipeline, params=params(), progress=False)
    assert rerun.status is RunStatus.COMPLETE  # a rerun leaves span 3 out of the window
    assert rerun.states()["train"] is ExecutionState.CACHED  # the spans trained on before
    assert (registry.aliases("synth"), [v.number for v in registry.versions("synth")]) == before
