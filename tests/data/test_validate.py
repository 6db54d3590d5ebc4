"""Validation against a schema: each kind of anomaly, its severity, reports and recording."""

from __future__ import annotations

import json
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
from driftline.data.validation import validate
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


def _declared(schema: Schema, column: str, **edits: str | None) -> Schema:
    """The schema's TOML with ``bounds = "declared"`` for ``column``, as a user would edit it:
    each ``key=value`` of ``edits`` replaces that key's line (``None`` deletes it)."""
    edits = {"bounds": '"declared"', **edits}
    out, current = [], None
    for line in schema.to_toml().splitlines():
        if line.startswith("["):
            current = line
        key = line.split(" = ")[0]
        if current == f"[columns.{column}]" and key in edits:
            if edits[key] is None:
                continue
            line = f"{key} = {edits[key]}"
        out.append(line)
    return Schema.from_toml("\n".join(out))


def test_unseen_values_above_the_share_only(schema: Schema) -> None:
    c = np.array(_reference()["c"].to_pylist(), dtype=object)
    c[:10] = "zz"  # 0.5 %: below the default 1 %
    assert validate(_reference().set_column(1, "c", pa.array(c)), schema) == []
    c[:100] = "zz"  # 5 %
    (a,) = validate(_reference().set_column(1, "c", pa.array(c)), schema)
    # an inferred domain is what was seen: a new value is a change of the world, not an error
    assert (a.kind, a.severity, a.observed["examples"]) == (
        AnomalyKind.UNSEEN_VALUES,
        Severity.WARNING,
        ["zz"],
    )
    assert a.observed["share"] == pytest.approx(0.05)
    assert "5.0% of values are new, not among the observed values (more than 1.0%)" in a.message
    (a,) = validate(_reference().set_column(1, "c", pa.array(c)), _declared(schema, "c"))
    assert (a.kind, a.severity) == (AnomalyKind.UNSEEN_VALUES, Severity.ERROR)
    assert "outside the declared domain" in a.message
    assert a.expected["bounds"] == "declared"


def test_out_of_range_share_comes_from_the_sketch(schema: Schema) -> None:
    x = _reference()["x"].to_numpy().copy()
    x[:300] = 50.0  # 15 % above the max
    (a,) = validate(_reference().set_column(0, "x", pa.array(x)), schema)
    assert (a.kind, a.severity) == (AnomalyKind.OUT_OF_RANGE, Severity.WARNING)
    assert a.observed["share"] == pytest.approx(0.15, abs=0.01)
    assert a.expected["max"] == schema.column("x").max
    assert a.expected["bounds"] == "observed"


def test_a_declared_bound_still_blocks(schema: Schema) -> None:
    declared = _declared(schema, "x", min="0", max=None)  # "a price is never negative"
    assert (declared.column("x").min, declared.column("x").max) == (0, None)
    assert declared.column("x").declared
    x = _reference()["x"].to_numpy().copy()
    x[:100] = 1e6  # far above the observed max, but no max is declared
    assert validate(_reference().set_column(0, "x", pa.array(x)), declared) == []
    x[:100] = -1.0  # 5 % below the declared min = 0
    (a,) = validate(_reference().set_column(0, "x", pa.array(x)), declared)
    assert (a.column, a.kind, a.severity) == ("x", AnomalyKind.OUT_OF_RANGE, Severity.ERROR)
    assert a.observed["share"] == pytest.approx(0.05, abs=0.01)
    assert "5.0% of values are outside the declared bounds (at least 0)" in a.message


def test_a_column_of_another_type_blocks(schema: Schema) -> None:
    t = _reference().set_column(0, "x", pa.array([f"{v:.3f}" for v in range(N)]))
    found = validate(t, schema)
    assert [(a.column, a.kind, a.severity) for a in found] == [
        ("x", AnomalyKind.WRONG_TYPE, Severity.ERROR)
    ]
    assert "is categorical (string), the schema says numeric (double)" in found[0].message


@pytest.mark.parametrize("arrow_type", [pa.null(), pa.float64(), pa.string()])
def test_an_all_null_column_blocks_even_when_nullable(schema: Schema, arrow_type: object) -> None:
    assert schema.column("m").nullable  # 10 % NaN when inferred
    for column in ("x", "m"):  # x is not nullable, m is
        index = _reference().schema.get_field_index(column)
        t = _reference().set_column(index, column, pa.nulls(N, arrow_type))
        found = validate(t, schema)
        assert [(a.column, a.kind, a.severity) for a in found] == [
            (column, AnomalyKind.EMPTY_COLUMN, Severity.ERROR)
        ]
        assert f"has no value: all {N} rows are missing" in found[0].message


def test_a_column_that_was_always_empty_may_stay_empty() -> None:
    t = pa.table({"x": [1.0, 3.0, 2.0], "e": pa.nulls(3)})
    schema = infer_schema(profile_table(t), dataset="d")
    assert schema.column("e").missing_rate == 1.0
    assert validate(t, schema) == []


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


def test_a_span_validation_is_recorded(ws: Workspace, tmp_path: Path) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 300), label="y")
    ws.infer_schema("d")
    bad = tmp_path / "b.csv"
    bad.write_text("id,x,city,y\n1,abc,Paris,1\n2,def,Paris,0\n", encoding="utf-8")
    span = ws.ingest("d", bad, allow_schema_change=True)  # x holds text: stored quarantined
    report = ws.validate("d", str(span.artifact_id))  # N is the artifact with id N: span 2
    assert report.subject == "d:2"
    assert report.blocking
    assert [a.column for a in report.errors] == ["x"]  # text where numbers were
    assert [a.column for a in report.warnings] == ["city"]  # a city not seen before
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
