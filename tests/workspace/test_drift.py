"""Workspace.drift with typed DriftOptions: each side resolved once, the report kept in lineage."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.drift import compare
from driftline.drift.options import DriftOptions
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import ContextRef
from driftline.workspace import Workspace


def _table(seed: int, shift: float, n: int = 3000) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"a": rng.normal(shift, 1, n), "b": rng.normal(0, 1, n)})


@pytest.fixture
def two_spans(ws: Workspace) -> Workspace:
    ws.ingest("d", _table(1, 0.0))
    ws.ingest("d", _table(2, 0.8))
    return ws


def test_the_defaults_are_compares_defaults() -> None:
    params = inspect.signature(compare).parameters
    for f in dataclasses.fields(DriftOptions):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        assert default == (params[f.name].default or type(default)()), f.name


def test_options_reach_compare_and_are_recorded(two_spans: Workspace) -> None:
    ws = two_spans
    options = DriftOptions(
        columns=["a", "b"], methods={"a": "psi"}, thresholds={"b": 0.01}, drift_share=0.4
    )
    report = ws.drift("d:1", "d", options)
    assert report["a"].method is not None
    assert report["a"].method.value == "psi"
    assert report["b"].threshold == 0.01
    assert (report.drift_share, report.drifted_columns) == (0.4, ("a", "b"))
    assert "b" not in ws.drift("d:1", "d", record=False).drifted_columns  # its own threshold
    (run,) = ws.metadata.executions(ExecutionQuery(kind="drift"))
    assert (run.parameters["reference"], run.parameters["current"]) == ("d:1", "d")
    recorded = json.loads(run.parameters["options"])
    assert recorded["methods"] == str({"a": "psi"})
    assert recorded["drift_share"] == "0.4"
    (stored,) = ws.metadata.artifacts(ArtifactQuery(kind="drift_report"))
    in_dataset = ws.metadata.artifacts(ArtifactQuery(context=ContextRef("dataset", "d")))
    assert stored.id in {a.id for a in in_dataset}


def test_a_bad_option_is_named(two_spans: Workspace) -> None:
    with pytest.raises(InputError, match="drift_share"):
        two_spans.drift("d:1", "d:2", DriftOptions(drift_share=2.0))
    with pytest.raises(InputError, match="bins"):
        two_spans.drift("d:1", "d:2", DriftOptions(bins=1))
    assert two_spans.metadata.executions(ExecutionQuery(kind="drift")) == []


def test_a_file_on_one_side_is_compared_but_not_recorded(
    two_spans: Workspace, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "new.parquet"
    pq.write_table(_table(3, 0.8), path)
    report = two_spans.drift("d:1", str(path))
    assert "a" in report.drifted_columns
    assert two_spans.metadata.executions(ExecutionQuery(kind="drift")) == []


def test_a_span_object_is_a_reference_too(two_spans: Workspace) -> None:
    first, second = two_spans.spans("d")
    report = two_spans.drift(first, second, record=False)
    assert report.drifted_columns == two_spans.drift("d:1", "d:2", record=False).drifted_columns


def test_compare_stays_the_function_after_a_drift(two_spans: Workspace) -> None:
    two_spans.drift("d:1", "d:2", record=False)
    from driftline.drift import compare as found

    assert inspect.isfunction(found)
