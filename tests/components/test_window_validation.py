"""The window step validates what the schema in force never saw; the ingest step never trains on
a quarantined span."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from driftline.components.data_steps import ingest, window
from driftline.data.quarantine import quarantined, release
from driftline.pipeline import Pipeline, StepFailedError, run_pipeline
from driftline.store.queries import ExecutionQuery
from driftline.store.records import EventKind
from driftline.workspace import Workspace
from tests.components.conftest import make_table


def _empty_x0(seed: int) -> pa.Table:
    """A span that fits the dataset's columns but breaks its contract: x0 has no value."""
    table = make_table(seed, 300)
    return table.set_column(0, "x0", pa.nulls(table.num_rows, pa.float64()))


def _window(ws: Workspace, spans: int = 5) -> list[int]:
    result = run_pipeline(
        ws, Pipeline("w", [window]), params={"dataset": "synth", "spans": spans}, progress=False
    )
    execution = result.steps["window"].execution_id
    assert execution is not None
    return [
        ws.metadata.get_artifact(e.artifact_id).properties["number"]
        for e in ws.metadata.events(execution_id=execution)
        if e.kind is EventKind.INPUT and e.name == "span"
    ]


def _validated(ws: Workspace) -> dict[int, list[int]]:
    """Span number to the schema versions it was validated against."""
    out: dict[int, list[int]] = {}
    for e in ws.metadata.executions(ExecutionQuery(kind="validate", ascending=True)):
        out.setdefault(e.parameters["span"], []).append(e.parameters["schema_version"])
    return out


def test_the_window_validates_unchecked_spans_and_leaves_out_the_ones_that_fail(
    ws: Workspace,
) -> None:
    ws.ingest("synth", make_table(0, 300), label="label")
    ws.infer_schema("synth")
    ws.ingest("synth", _empty_x0(1), label="label")  # fits: admitted, never validated
    ws.ingest("synth", make_table(2, 300), label="label")
    assert _window(ws) == [1, 3]
    held = quarantined(ws.metadata, "synth")
    assert list(held) == [2]
    assert "x0" in held[2]
    assert _validated(ws) == {1: [1], 2: [1]}  # the newest is the validate step's to judge
    assert _window(ws) == [1, 3]  # validated once: nothing is validated again
    assert _validated(ws) == {1: [1], 2: [1]}
    release(ws.metadata, ws.span("synth", 2), "meant", by="test", schema_version=1)
    assert _window(ws) == [1, 2, 3]  # released under version 1: not judged again
    ws.data.save_schema("synth", ws.schema("synth"))  # version 2: everything is judged again
    assert _window(ws) == [1, 3]
    assert _validated(ws) == {1: [1, 2], 2: [1, 2]}


def test_the_ingest_step_stops_when_its_span_is_quarantined(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path
    ws.ingest("synth", make_table(0, 300), label="label")
    odd = make_table(1, 300).drop_columns(["x5"])
    pq.write_table(odd, folder / "odd.parquet")
    ws.ingest("synth", folder / "odd.parquet", label="label", allow_schema_change=True)
    params = {"dataset": "synth", "source": [str(folder / "odd.parquet")], "label": "label"}
    with pytest.raises(StepFailedError, match=r"span synth:2 is quarantined"):
        run_pipeline(ws, Pipeline("i", [ingest]), params=params, progress=False)
    assert [s.number for s in ws.spans("synth")] == [1, 2]  # found again, not ingested twice
