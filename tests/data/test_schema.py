"""Schemas: inferred from profiles, kept as TOML, every bad edit named; versions stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from driftline.core.errors import NotFoundError
from driftline.data import profile_table
from driftline.data.errors import SchemaError, UnknownColumnError
from driftline.data.kinds import ColumnKind
from driftline.data.schema import Bounds, ColumnRole, Schema, infer_schema
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv


def _table() -> pa.Table:
    return pa.table(
        {
            "n": [3, 1, 2, None],
            "f": [1.5, 0.5, float("nan"), 2.5],
            "c": ["a", "b", "a", "c"],
            "b": [True, False, True, True],
            "t": pa.array([0, 86_400, 172_800, 3_600], pa.timestamp("s")),
            "odd name": ["x", "y", "z", "w"],
        }
    )


def test_inference_reads_the_profile() -> None:
    s = infer_schema(profile_table(_table()), dataset="d", label="c", max_domain=3)
    n, f, c, b, t, odd = s.columns
    assert (n.type, n.kind, n.nullable, n.min, n.max, n.domain) == (
        "int64",
        ColumnKind.NUMERIC,
        True,
        1,
        3,
        (1, 2, 3),
    )
    assert (f.nullable, f.min, f.max, f.domain, f.missing_rate) == (True, 0.5, 2.5, None, 0.25)
    assert (c.domain, c.nullable, s.label) == (("a", "b", "c"), False, "c")
    assert b.domain == (False, True)
    assert t.min == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert t.max == dt.datetime(1970, 1, 3, tzinfo=dt.UTC)
    assert odd.domain is None  # 4 values > max_domain


def test_toml_round_trips_exactly() -> None:
    s = infer_schema(profile_table(_table()), dataset="d", label="c")
    text = s.to_toml()
    assert '[columns."odd name"]' in text
    assert "min = 1970-01-01T00:00:00+00:00" in text
    assert Schema.from_toml(text) == s
    assert s.to_dict()["columns"]["t"]["max"] == "1970-01-03T00:00:00+00:00"


BASE = 'dataset = "d"\nlabel = "x"\n[columns.x]\ntype = "int64"\nkind = "numeric"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dataset = ", "the file is not valid TOML"),
        (BASE + "colour = 1\n", "unknown key columns.x.colour; allowed keys are type, kind"),
        (
            BASE.replace('"numeric"', '"number"'),
            "columns.x.kind must be one of numeric, "
            "categorical, boolean, datetime, text; got 'number'",
        ),
        (BASE + "nullable = 1\n", "columns.x.nullable must be true or false; got 1"),
        (BASE + "min = 5\nmax = 1\n", r"columns.x.min \(5\) is above columns.x.max \(1\)"),
        (BASE + 'min = "low"\n', "columns.x.min must be a number; got 'low'"),
        (BASE + "domain = [1.5]\n", "columns.x.domain must be a list of strings, integers"),
        (
            BASE + "max_unseen_share = 2\n",
            r"columns.x.max_unseen_share must be a number in \[0, 1\]; got 2",
        ),
        (BASE.replace('label = "x"', 'label = "y"'), "label must name one of the columns: x"),
        (
            BASE + "[thresholds]\nmax_share = 0.1\n",
            "unknown key thresholds.max_share; allowed keys are max_unseen_share",
        ),
        ('dataset = "d"\n', "columns must hold one table per column"),
        (BASE + "[extra]\n", "unknown key extra; allowed keys are dataset, label"),
    ],
)
def test_bad_files_name_the_key(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=f"^the file: .*{message}|^the file is not valid"):
        Schema.from_toml(text, where="the file")
    with pytest.raises(SchemaError, match=message):
        Schema.from_toml(text, where="the file")


def test_schemas_are_versioned_per_dataset(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="has no schema; infer one with"):
        ws.schema("d")
    ws.ingest("d", write_csv(tmp_path / "a.csv", 60), label="y")
    inferred = ws.infer_schema("d")
    assert ws.schema("d") == inferred
    assert ws.data.schema_version("d") == 1
    assert inferred.label == "y"
    assert inferred.column("city").domain == ("Lima", "Oslo", "Rome")
    edited = Schema.from_toml(inferred.to_toml().replace("nullable = false", "nullable = true"))
    assert ws.data.save_schema("d", edited) == 2
    assert ws.schema("d") == edited
    other = Schema.from_toml(edited.to_toml().replace('dataset = "d"', 'dataset = "e"'))
    with pytest.raises(SchemaError.__mro__[1], match="the schema is of dataset 'e', not 'd'"):
        ws.data.save_schema("d", other)
    assert ws.data.schema_version("d") == 2


def test_growing_and_named_columns_are_index_columns() -> None:
    t = pa.table(
        {
            "seconds": [0.0, 1800.0, 3600.0, 5400.0],
            "order_id": ["a1", "b7", "c2", "d9"],
            "x": [0.3, 0.1, 0.2, 0.1],
        }
    )
    s = infer_schema(profile_table(t), dataset="d", index=["order_id", None])
    seconds, order_id, x = s.columns
    assert (seconds.role, seconds.min, seconds.max) == (ColumnRole.INDEX, None, None)
    assert (order_id.role, order_id.domain) == (ColumnRole.INDEX, None)
    assert (x.role, x.bounds, x.min, x.max) == (ColumnRole.VALUE, Bounds.OBSERVED, 0.1, 0.3)
    assert s.index_columns == ("seconds", "order_id")
    text = s.to_toml()
    assert '[columns.seconds]\ntype = "double"\nkind = "numeric"\nrole = "index"\n' in text
    assert Schema.from_toml(text) == s
    plain = infer_schema(profile_table(t), dataset="d", detect_index=False)
    assert plain.index_columns == ()
    assert plain.column("seconds").max == 5400.0
    with pytest.raises(UnknownColumnError, match="no column 'nope'"):
        infer_schema(profile_table(t), dataset="d", index=["nope"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + 'bounds = "hard"\n', "columns.x.bounds must be one of 'observed', 'declared'"),
        (BASE + 'role = "time"\n', "columns.x.role must be one of 'value', 'index'; got 'time'"),
    ],
)
def test_bad_bounds_and_roles_name_the_key(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Schema.from_toml(text)


# What the previous version of driftline inferred and stored: min/max/domain, no bounds, no role.
OLD_STYLE = """\
# driftline schema of dataset "d"; edit it, then store it with
# `driftline schema set d FILE` (or `driftline schema edit`).
dataset = "d"
label = "y"

[thresholds]
max_unseen_share = 0.01
max_out_of_range_share = 0.01
max_missing_increase = 0.05

[columns.id]
type = "int64"
kind = "numeric"
nullable = false
min = 0
max = 59
missing_rate = 0.0

[columns.x]
type = "double"
kind = "numeric"
nullable = false
min = 0.0
max = 29.5
missing_rate = 0.0

[columns.city]
type = "string"
kind = "categorical"
nullable = false
domain = ["Lima", "Oslo", "Rome"]
missing_rate = 0.0

[columns.y]
type = "int64"
kind = "numeric"
nullable = false
min = 0
max = 1
domain = [0, 1]
missing_rate = 0.0
"""


def test_an_old_style_schema_reads_its_bounds_as_observed() -> None:
    s = Schema.from_toml(OLD_STYLE)
    assert {c.bounds for c in s.columns} == {Bounds.OBSERVED}
    assert {c.role for c in s.columns} == {ColumnRole.VALUE}
    assert (s.column("x").min, s.column("x").max) == (0.0, 29.5)
    assert s.column("city").domain == ("Lima", "Oslo", "Rome")
    rewritten = s.to_toml()
    assert rewritten.count('\nbounds = "observed"\n') == 4  # one per column
    assert Schema.from_toml(rewritten) == s


class _StoredByAnOlderVersion(Schema):
    """A schema whose stored text is exactly what an older driftline wrote."""

    def to_toml(self) -> str:
        return OLD_STYLE


def test_an_old_style_stored_schema_validates_a_changed_span_with_warnings(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 60), label="y")
    old = Schema.from_toml(OLD_STYLE)
    ws.data.save_schema("d", _StoredByAnOlderVersion(old.dataset, old.columns, old.label))
    stored = ws.data.schema_artifact("d")
    assert stored is not None
    assert ws.artifacts.read_bytes(stored.uri, stored.sha256).decode() == OLD_STYLE
    assert ws.schema("d") == old
    assert not ws.validate("d", "d:1").anomalies
    # the next span leaves every observed range and brings a new city: warnings, not errors
    later = tmp_path / "b.csv"
    later.write_text("id,x,city,y\n100,90.5,Quito,1\n101,91.0,Quito,0\n", encoding="utf-8")
    ws.ingest("d", later)
    report = ws.validate("d", "d:2")
    assert not report.blocking
    assert {(a.column, a.kind.value, a.severity.value) for a in report.anomalies} == {
        ("id", "out_of_range", "warning"),
        ("x", "out_of_range", "warning"),
        ("city", "unseen_values", "warning"),
    }
