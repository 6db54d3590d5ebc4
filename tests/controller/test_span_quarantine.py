"""A span refused by validation is quarantined and left out of every later training window."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from driftline.components import standard_pipeline
from driftline.data.quarantine import quarantined
from driftline.pipeline import RunStatus, StepFailedError, run_pipeline
from driftline.store.queries import ExecutionQuery
from driftline.store.records import EventKind
from tests.components.conftest import make_table, params
from tests.conftest import WorkspaceMaker


def test_a_refused_span_is_quarantined_and_skipped_by_later_windows(
    tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    pipeline = standard_pipeline()
    with new_workspace(tmp_path / "ws") as ws:
        ws.ingest("synth", make_table(0), label="label")
        assert run_pipeline(ws, pipeline, params=params(), progress=False).status is (
            RunStatus.COMPLETE
        )
        good = make_table(1)
        bad = good.set_column(0, "x0", pa.nulls(good.num_rows, pa.float64()))  # no value
        ws.ingest("synth", bad, label="label")
        with pytest.raises(StepFailedError, match=r"synth:2 has \d+ blocking") as caught:
            run_pipeline(ws, pipeline, params=params(), progress=False)
        held = quarantined(ws.metadata, "synth")
        assert list(held) == [2]
        assert "synth:2" in held[2]
        assert "x0" in held[2]
        assert caught.value.result is not None
        assert caught.value.result.run_id in {
            e.properties["run"] for e in ws.metadata.executions(ExecutionQuery(kind="quarantine"))
        }

        ws.ingest("synth", make_table(2), label="label")
        result = run_pipeline(ws, pipeline, params=params(spans=5), progress=False)
        assert result.status is RunStatus.COMPLETE
        execution = result.steps["window"].execution_id
        assert execution is not None
        ports: dict[str, list[int]] = {}
        for event in ws.metadata.events(execution_id=execution):
            if event.kind is EventKind.INPUT and event.name in ("span", "quarantined_span"):
                number = ws.metadata.get_artifact(event.artifact_id).properties["number"]
                ports.setdefault(event.name, []).append(number)
        assert ports["span"] == [1, 3]  # span 2 is left out of the window...
        assert ports["quarantined_span"] == [2]  # ...and recorded as skipped
