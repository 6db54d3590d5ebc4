"""The batch-prediction pipeline: new files are predicted, scored, and become a span when the
champion does badly on them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from driftline.components import batch_pipeline, standard_pipeline
from driftline.pipeline import run_pipeline
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params


def _json(ws: Workspace, artifact: object) -> dict[str, object]:
    return json.loads(ws.artifacts.read_bytes(artifact.uri, artifact.sha256))  # type: ignore[attr-defined]


def _batch_params(folder: Path, threshold: float = 0.8) -> dict[str, object]:
    return {
        "dataset": "synth",
        "model_name": "synth",
        "path": str(folder),
        "pattern": "*.parquet",
        "label": "label",
        "threshold": threshold,
    }


@pytest.mark.usefixtures("synth_span")
def test_good_files_are_scored_and_bad_ones_become_a_span(ws: Workspace, tmp_path: Path) -> None:
    run_pipeline(ws, standard_pipeline(), params=params(), progress=False)  # champion v1
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    pq.write_table(make_table(7, rows=500), incoming / "day1.parquet")
    pipeline = batch_pipeline()
    good = run_pipeline(ws, pipeline, params=_batch_params(incoming), progress=False)
    scored = _json(ws, good.output("performance"))
    assert scored["rows"] == 500
    assert scored["accuracy"] > 0.8
    assert scored["below"] == 0.0
    assert _json(ws, good.output("prepare_span"))["retrain"] is False
    assert [s.number for s in ws.spans("synth")] == [1]

    flipped = make_table(8, rows=500)
    flipped = flipped.set_column(
        flipped.schema.get_field_index("label"), "label", [(1 - flipped["label"].to_numpy())]
    )
    pq.write_table(flipped, incoming / "day2.parquet")
    bad = run_pipeline(ws, pipeline, params=_batch_params(incoming), progress=False)
    listed = _json(ws, bad.output("new_files"))["files"]
    assert len(listed) == 2  # day1 was scored but not ingested, so it is still new
    assert _json(ws, bad.output("performance"))["below"] == 1.0
    prepared = _json(ws, bad.output("prepare_span"))
    assert prepared["retrain"] is True
    assert prepared["span"] == 2
    assert ws.span("synth", 2).rows == 1000
    after = run_pipeline(ws, pipeline, params=_batch_params(incoming), progress=False)
    assert _json(ws, after.output("new_files"))["files"] == []  # both files are in span 2 now
    assert _json(ws, after.output("prepare_span"))["retrain"] is False
