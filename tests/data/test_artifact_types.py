"""The data layer's pipeline artifact types: windows of spans, profiles, schemas, anomalies."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.data.anomalies import Anomaly, AnomalyKind, Severity, ValidationReport
from driftline.data.artifact_types import (
    AnomaliesType,
    ProfileType,
    SchemaType,
    SpansType,
    SpanWindow,
)
from driftline.data.schema import infer_schema
from driftline.data.spans import Span
from driftline.data.validation import validate
from driftline.store.artifacts import using_store
from driftline.workspace import Workspace

pytestmark = pytest.mark.usefixtures("three_spans")


def _table(seed: int, rows: int, *, text_x: bool = False) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    return pa.table(
        {
            "x": x.astype(str) if text_x else x,
            "city": rng.choice(["oslo", "lima", "pune"], size=rows),
            "y": (x > 0).astype(np.int64),
        }
    )


@pytest.fixture
def three_spans(ws: Workspace) -> None:
    """Dataset ``d`` of ``ws`` gets three spans of 300, 500 and 200 rows."""
    for seed, rows in ((0, 300), (1, 500), (2, 200)):
        ws.ingest("d", _table(seed, rows), label="y")


def _window(ws: Workspace, dataset: str = "d") -> SpanWindow:
    return SpanWindow(dataset, tuple(ws.spans(dataset)))


def _round_trip(kind_type: Any, value: Any) -> tuple[Any, dict[str, Any], bytes]:
    out = io.BytesIO()
    properties = dict(kind_type.save(value, out))
    data = out.getvalue()
    return kind_type.load(io.BytesIO(data), properties), properties, data


def test_a_window_round_trips_as_references(ws: Workspace) -> None:
    window = _window(ws)
    loaded, properties, data = _round_trip(SpansType, window)
    assert loaded == window
    assert properties == {"dataset": "d", "spans": [1, 2, 3], "rows": 1000}
    assert len(data) < 10_000  # the span files are referenced, not copied
    # the same window gives the same bytes; a list of spans is taken as a window
    assert _round_trip(SpansType, window)[2] == data
    assert _round_trip(SpansType, list(window.spans))[2] == data
    with pytest.raises(InputError, match="Spans needs a SpanWindow or a list of spans"):
        SpansType.save({"spans": [1]}, io.BytesIO())


def test_window_properties(ws: Workspace) -> None:
    window = _window(ws)
    assert window.numbers == [1, 2, 3]
    assert window.latest.number == 3
    assert window.label == "y"
    assert window.rows == 1000


def test_table_parts_and_latest_only(ws: Workspace) -> None:
    window = _window(ws)
    spans = ws.spans("d")
    with using_store(ws.artifacts):
        assert window.table("eval").num_rows == sum(s.eval_rows for s in spans)
        assert window.table("train").num_rows == sum(s.train_rows for s in spans)
        assert window.table("all").num_rows == 1000
        assert window.table().column_names == ["x", "city", "y"]  # no split column
        for s in spans:
            one = SpanWindow("d", (s,))
            assert one.table("eval").num_rows == s.eval_rows > 0
            assert one.table("train").num_rows == s.train_rows > 0
        latest = window.table("all", latest_only=True)
        assert latest.num_rows == 200
        assert latest.equals(ws.read_span(spans[-1], "all"))
        assert window.table("eval", latest_only=True).num_rows == spans[-1].eval_rows
        # the parts of the spans, oldest first
        train = window.table("train")
        first = ws.read_span(spans[0], "train")
        assert train.slice(0, first.num_rows).equals(first)
        with pytest.raises(InputError, match="part must be 'train', 'eval' or 'all'"):
            window.table("test")


def test_profile_and_latest_only(ws: Workspace) -> None:
    window = _window(ws)
    with using_store(ws.artifacts):
        merged = window.profile()
        newest = window.profile(latest_only=True)
    assert merged.num_rows == 1000
    assert newest.num_rows == 200
    assert newest == ws.load_profile("d:3")
    assert merged.names == ("x", "city", "y")


def test_a_window_needs_spans_of_one_dataset(ws: Workspace) -> None:
    with pytest.raises(InputError, match="a window of spans of 'd' needs at least one span"):
        SpanWindow("d", ())
    ws.ingest("other", _table(3, 100), label="y")
    mixed = (*ws.spans("d"), ws.span("other"))
    with pytest.raises(InputError, match=r"a window of 'd' holds spans of \['other'\]"):
        SpanWindow("d", mixed)


def test_reading_without_an_active_store_is_an_input_error(ws: Workspace) -> None:
    window = _window(ws)
    with pytest.raises(InputError, match=r"no artifact store is active.*using_store"):
        window.table()
    with pytest.raises(InputError, match="no artifact store is active"):
        window.profile()


def test_spans_whose_columns_differ_cannot_be_read_as_one_table(ws: Workspace) -> None:
    ws.ingest("d", _table(4, 100, text_x=True), label="y", allow_schema_change=True)
    window = _window(ws)
    with (
        using_store(ws.artifacts),
        pytest.raises(InputError, match=r"the spans d#1, d#2, d#3, d#4 cannot be read as one"),
    ):
        window.table()
    with using_store(ws.artifacts):
        # each part on its own still reads
        assert window.table("all", latest_only=True).schema.field("x").type == pa.string()


def test_span_to_dict_and_back(ws: Workspace) -> None:
    for span in ws.spans("d"):
        assert Span.from_dict(span.to_dict()) == span
    changed = replace(ws.span("d"), time="at", time_min="2024-01-01", time_max=3.5)
    assert Span.from_dict(changed.to_dict()) == changed


def test_profile_round_trip(ws: Workspace) -> None:
    with using_store(ws.artifacts):
        profile = _window(ws).profile()
    loaded, properties, _ = _round_trip(ProfileType, profile)
    assert loaded == profile
    assert properties == {"rows": 1000, "columns": ["x", "city", "y"]}
    with pytest.raises(InputError, match="DataProfile needs a Profile"):
        ProfileType.save("not a profile", io.BytesIO())


def test_schema_round_trip(ws: Workspace) -> None:
    with using_store(ws.artifacts):
        schema = infer_schema(_window(ws).profile(), dataset="d", label="y")
    loaded, properties, data = _round_trip(SchemaType, schema)
    assert loaded == schema
    assert properties == {"dataset": "d", "label": "y", "columns": ["x", "city", "y"]}
    assert data.decode("utf-8") == schema.to_toml()
    with pytest.raises(InputError, match="DataSchema needs a Schema"):
        SchemaType.save(None, io.BytesIO())


def _report(ws: Workspace) -> ValidationReport:
    with using_store(ws.artifacts):
        schema = infer_schema(_window(ws).profile(), dataset="d", label="y")
    bad = _table(5, 100).drop_columns(["city"])
    return ValidationReport("d", "new.parquet", tuple(validate(bad, schema)), 100, 1)


def test_anomalies_round_trip(ws: Workspace) -> None:
    report = _report(ws)
    assert report.blocking
    assert "city" in {a.column for a in report.errors}
    loaded, properties, data = _round_trip(AnomaliesType, report)
    assert loaded == report
    assert properties == {
        "dataset": "d",
        "subject": "new.parquet",
        "blocking": True,
        "errors": len(report.errors),
        "anomalies": len(report.anomalies),
    }
    assert data == report.to_json()
    with pytest.raises(InputError, match="Anomalies needs a ValidationReport"):
        AnomaliesType.save([], io.BytesIO())


def test_validation_report_to_dict_and_back(ws: Workspace) -> None:
    report = _report(ws)
    assert ValidationReport.from_dict(report.to_dict()) == report
    by_hand = ValidationReport(
        "d",
        "d:4",
        (
            Anomaly(
                "x",
                AnomalyKind.MISSING_RATE_INCREASE,
                Severity.WARNING,
                "more missing values",
                {"share": 0.2},
                {"max_share": 0.1},
            ),
        ),
    )
    again = ValidationReport.from_dict(by_hand.to_dict())
    assert again == by_hand
    assert again.rows is None
    assert again.schema_version is None
    assert not again.blocking
    empty = ValidationReport("d", "d:5", (), 10, 2)
    assert ValidationReport.from_dict(empty.to_dict()) == empty
