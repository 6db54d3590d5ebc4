"""A span that does not fit, stored anyway, is used by nothing until a user releases it."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from driftline.components import standard_pipeline
from driftline.components.data_steps import window
from driftline.core.errors import InputError
from driftline.data.quarantine import quarantined
from driftline.pipeline import Pipeline, RunStatus, run_pipeline
from driftline.pipeline.result import RunResult
from driftline.store.records import EventKind
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import Run, WorkspaceMaker
from tests.controller.controller_fixtures import controller, policy
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow


def _ports(ws: Workspace, result: RunResult, step: str) -> dict[str, list[int]]:
    """The span numbers a step read, by input port."""
    execution = result.steps[step].execution_id
    assert execution is not None
    ports: dict[str, list[int]] = {}
    for event in ws.metadata.events(execution_id=execution):
        if event.kind is EventKind.INPUT and event.name in ("span", "quarantined_span"):
            number = ws.metadata.get_artifact(event.artifact_id).properties["number"]
            ports.setdefault(event.name, []).append(number)
    return ports


def _bad(tmp_path: Path) -> Path:
    """Span-sized data that does not fit: x0 gone, a new column, every value far away."""
    table = make_table(1, shift=4.0).drop_columns(["x0"])
    table = table.append_column("junk", pa.array(["?"] * table.num_rows))
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path)
    return path


def test_a_bad_span_between_good_ones_is_used_by_nothing_until_released(
    trial: Trial,
    tmp_path: Path,
    new_workspace: WorkspaceMaker,
    run: Run,
    caplog: pytest.LogCaptureFixture,
) -> None:
    trial.tries(
        "a file without one column and with a new one, ingested with --allow-schema-change "
        "between two good spans: training windows, the controller's drift check and drift "
        "references; then `driftline spans release`"
    )
    folder = tmp_path / "ws"
    pipeline = standard_pipeline()
    with new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0), label="label")
        assert run_pipeline(ws, pipeline, params=params(), progress=False).status is (
            RunStatus.COMPLETE
        )  # champion v1, trained on span 1; schema version 1 inferred from it

        with trial.attempt():  # refused by default: nothing stored, exit 1 naming the columns
            refused = run(
                "ingest", "synth", str(_bad(tmp_path)), "--label", "label", "-w", str(folder)
            )
            assert refused.code == 1
            assert "'x0': missing" in refused.err
            assert "'junk': new" in refused.err
            assert [s.number for s in ws.spans("synth")] == [1]

        stored = run(
            "ingest",
            "synth",
            str(_bad(tmp_path)),
            "--label",
            "label",
            "--allow-schema-change",
            "-w",
            str(folder),
        )
        assert stored.code == 0, stored.err
        assert "quarantined" in stored.out
        assert list(quarantined(ws.metadata, "synth")) == [2]

        with trial.attempt():  # the newest span, but the controller's drift check passes it by
            ctl = controller(ws, policy({"kind": "drift", "share": 0.5}))
            (decision,) = ctl.evaluate_triggers()
            assert decision.evaluation.evidence["span"] == 1
            assert decision.outcome == "not_fired"  # span 2 would drift: it was never compared

        with trial.attempt():  # never a drift reference
            with pytest.raises(InputError, match="synth:2, which is quarantined"):
                ws.drift("synth:2", "synth:1")
            assert (
                ws.drift("synth", "synth:1").to_json() == ws.drift("synth:1", "synth:1").to_json()
            )

        ws.ingest("synth", make_table(2), label="label")
        with trial.attempt(), caplog.at_level(logging.WARNING, "driftline.components"):
            result = run_pipeline(ws, pipeline, params=params(spans=5), progress=False)
            assert result.status is RunStatus.COMPLETE
            ports = _ports(ws, result, "window")
            assert ports["span"] == [1, 3]  # the training window passes span 2 by...
            assert ports["quarantined_span"] == [2]  # ...records it as skipped...
            assert "leaves out quarantined synth:2" in caplog.text  # ...and says so

        released = run(
            "spans",
            "release",
            "synth:2",
            "--reason",
            "the new columns are meant",
            "-w",
            str(folder),
        )
        assert released.code == 0, released.err
        with trial.attempt():  # released: used again
            assert quarantined(ws.metadata, "synth") == {}
            again = run_pipeline(
                ws,
                Pipeline("window", [window]),
                params={"dataset": "synth", "spans": 5},
                progress=False,
            )
            assert _ports(ws, again, "window") == {"span": [1, 2, 3]}
            assert ws.drift("synth:2", "synth:3").compared_columns
    trial.lost(0)
    trial.found(
        "span 2 (1 column missing, 1 new) was refused with exit 1 naming both, then stored "
        "quarantined: the training window [1, 3] skipped it with a warning, the drift check "
        "compared span 1, a drift reference to it was refused; after release the window was "
        "[1, 2, 3]"
    )
