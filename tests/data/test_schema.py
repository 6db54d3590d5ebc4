"""Schemas: inferred from profiles, kept as TOML, every bad edit named; versions stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from driftline.core.errors import NotFoundError
from driftline.data import profile_table
from driftline.data.errors import SchemaError
from driftline.data.kinds import ColumnKind
from driftline.data.schema import Schema, infer_schema
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws") as opened:
        yield opened


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
            "columns.x.max_unseen_share must be a number from 0 to 1; got 2",
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
