"""Validation against a schema: each kind of anomaly, its severity, reports and recording."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from rich.console import Console

from driftline.core.errors import InputError
from driftline.data import profile_table
from driftline.data.anomalies import AnomalyKind, Severity, ValidationReport
from driftline.data.errors import ValidationFailedError
from driftline.data.schema import Schema, infer_schema
from driftline.data.validate import validate
from driftline.store.queries import ExecutionQuery
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv

RNG = np.random.default_rng(3)
N = 2000


def _reference() -> pa.Table:
    return pa.table(
        {
            "x": RNG.uniform(0, 10, N),
            "c": RNG.choice(["a", "b", "c"], N),
            "k": RNG.integers(1, 5, N),
            "m": pa.array(np.where(RNG.random(N) < 0.1, np.nan, 1.0)),
        }
    )


@pytest.fixture
def schema() -> Schema:
    return infer_schema(profile_table(_reference()), dataset="d")


def _kinds(table: pa.Table, schema: Schema) -> list[tuple[str, str, str]]:
    return [(a.column, a.kind.value, a.severity.value) for a in validate(table, schema)]


def test_the_reference_itself_passes(schema: Schema) -> None:
    assert validate(_reference(), schema) == []


def test_missing_and_new_columns(schema: Schema) -> None:
    t = _reference().drop_columns(["k"]).append_column("new", pa.array(range(N)))
    assert _kinds(t, schema) == [("k", "missing_column", "error"), ("new", "new_column", "warning")]


def test_wrong_kind_is_an_error_and_wrong_width_a_warning(schema: Schema) -> None:
    t = _reference()
    t = t.set_column(1, "c", pa.array(RNG.integers(0, 3, N)))
    t = t.set_column(2, "k", t["k"].cast(pa.int32()))
    assert _kinds(t, schema) == [("c", "wrong_type", "error"), ("k", "wrong_type", "warning")]


def test_nulls_in_a_non_nullable_column(schema: Schema) -> None:
    x = _reference()["x"].to_numpy().copy()
    x[:5] = np.nan
    found = validate(_reference().set_column(0, "x", pa.array(x)), schema)
    assert [(a.kind, a.severity) for a in found] == [(AnomalyKind.UNEXPECTED_NULLS, Severity.ERROR)]
    assert found[0].observed == {"missing": 5, "share": 5 / N}


def test_unseen_values_above_the_share_only(schema: Schema) -> None:
    c = np.array(_reference()["c"].to_pylist(), dtype=object)
    c[:10] = "zz"  # 0.5 %: below the default 1 %
    assert validate(_reference().set_column(1, "c", pa.array(c)), schema) == []
    c[:100] = "zz"  # 5 %
    (a,) = validate(_reference().set_column(1, "c", pa.array(c)), schema)
    assert (a.kind, a.severity, a.observed["examples"]) == (
        AnomalyKind.UNSEEN_VALUES,
        Severity.ERROR,
        ["zz"],
    )
    assert a.observed["share"] == pytest.approx(0.05)


def test_out_of_range_share_comes_from_the_sketch(schema: Schema) -> None:
    x = _reference()["x"].to_numpy().copy()
    x[:300] = 50.0  # 15 % above the max
    (a,) = validate(_reference().set_column(0, "x", pa.array(x)), schema)
    assert (a.kind, a.severity) == (AnomalyKind.OUT_OF_RANGE, Severity.ERROR)
    assert a.observed["share"] == pytest.approx(0.15, abs=0.01)
    assert a.expected["max"] == schema.column("x").max


def test_missing_rate_increase_is_a_warning(schema: Schema) -> None:
    m = np.where(RNG.random(N) < 0.4, np.nan, 1.0)
    (a,) = validate(_reference().set_column(3, "m", pa.array(m)), schema)
    assert (a.kind, a.severity) == (AnomalyKind.MISSING_RATE_INCREASE, Severity.WARNING)


def test_per_column_thresholds_override(schema: Schema) -> None:
    text = schema.to_toml().replace("[columns.c]\n", "[columns.c]\nmax_unseen_share = 0.5\n")
    c = np.array(_reference()["c"].to_pylist(), dtype=object)
    c[:100] = "zz"
    assert validate(_reference().set_column(1, "c", pa.array(c)), Schema.from_toml(text)) == []


def test_report_blocking_json_and_rendering(schema: Schema) -> None:
    t = _reference().drop_columns(["k"]).append_column("new", pa.array(range(N)))
    report = ValidationReport("d", "d:2", tuple(validate(t, schema)), N, 1)
    assert report.blocking
    assert len(report.errors) == 1
    assert json.loads(report.to_json())["anomalies"][1]["kind"] == "new_column"
    console = Console(record=True, width=150)
    console.print(report)
    text = console.export_text()
    assert "missing_column" in text
    assert "blocking" in text
    with pytest.raises(ValidationFailedError, match=r"d:2 failed validation .* 1 blocking anomaly"):
        report.raise_for_blocking()
    assert not issubclass(ValidationFailedError, InputError)
    warnings_only = ValidationReport("d", "x", report.anomalies[1:])
    assert not warnings_only.blocking
    warnings_only.raise_for_blocking()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws") as opened:
        yield opened


def test_a_span_validation_is_recorded(ws: Workspace, tmp_path: Path) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 300), label="y")
    ws.infer_schema("d")
    bad = tmp_path / "b.csv"
    bad.write_text("id,x,city,y\n1,0.5,Paris,1\n2,0.5,Paris,0\n", encoding="utf-8")
    span = ws.ingest("d", bad)
    report = ws.validate("d", "2")
    assert report.subject == "d:2"
    assert report.blocking
    assert [a.column for a in report.errors] == ["city"]
    (run,) = ws.metadata.executions(ExecutionQuery(kind="validate"))
    events = {e.name: e.artifact_id for e in ws.metadata.events(execution_id=run.id)}
    assert events["span"] == span.artifact_id
    assert events["profile"] == span.profile_id
    stored = ws.metadata.get_artifact(events["anomalies"])
    body = ws.artifacts.read_bytes(stored.uri, stored.sha256)
    assert json.loads(body)["blocking"] is True
    assert stored.properties["errors"] == 1
    assert not ws.validate("d", "d:1").blocking
    assert not ws.validate("d", str(tmp_path / "a.csv")).blocking  # a file: not recorded
    assert len(ws.metadata.executions(ExecutionQuery(kind="validate"))) == 2
