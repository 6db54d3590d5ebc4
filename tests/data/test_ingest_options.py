"""IngestOptions: one value from the CLI down to the ingest; keywords change single fields."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from driftline.core.errors import InputError
from driftline.data.ingest_options import IngestFields, IngestOptions
from driftline.store.queries import ExecutionQuery
from driftline.workspace import Workspace
from tests.data.ingest_helpers import state, write_csv


def test_the_keywords_are_exactly_the_fields() -> None:
    fields = {f.name for f in dataclasses.fields(IngestOptions)}
    assert set(typing.get_type_hints(IngestFields)) == fields
    assert "progress" not in fields  # a callback, not an option


def test_options_and_keywords_give_the_same_span(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 200)
    options = IngestOptions(label="y", key="id", eval_fraction=0.3, column_types={"id": "string"})
    by_value = ws.data.ingest("a", path, options)
    by_keywords = ws.ingest(
        "b", path, label="y", key="id", eval_fraction=0.3, column_types={"id": "string"}
    )
    same = ("rows", "train_rows", "eval_rows", "label", "key", "types", "eval_fraction")
    assert [getattr(by_value, n) for n in same] == [getattr(by_keywords, n) for n in same]
    assert by_value.types[0] == "string"
    runs = ws.metadata.executions(ExecutionQuery(kind="ingest", ascending=True))
    params = [
        {k: v for k, v in r.parameters.items() if k not in ("dataset", "sources")} for r in runs
    ]
    assert params[0] == params[1]
    assert params[0]["column_types"] == {"id": "string"}


def test_a_keyword_changes_one_field_of_the_options(ws: Workspace, tmp_path: Path) -> None:
    base = IngestOptions(label="y", eval_fraction=0.1)
    span = ws.ingest("d", write_csv(tmp_path / "a.csv", 100), base, eval_fraction=0.5)
    assert (span.label, span.eval_fraction) == ("y", 0.5)
    assert base.eval_fraction == 0.1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (IngestOptions(eval_fraction=1.0), r"eval_fraction must be a number in \[0, 1\), got 1.0"),
        (IngestOptions(label=""), "label must be a column name, got ''"),
        (IngestOptions(format="xlsx"), "format must be one of csv, parquet, arrow, got 'xlsx'"),
        (IngestOptions(encoding=""), "encoding must be a codec name"),
        (IngestOptions(column_types={"id": "text"}), "unknown type 'text' for column 'id'"),
    ],
)
def test_a_bad_option_is_named_and_nothing_is_stored(
    ws: Workspace, tmp_path: Path, options: IngestOptions, message: str
) -> None:
    path = write_csv(tmp_path / "a.csv", 10)
    before = state(ws)
    with pytest.raises(InputError, match=message):
        ws.data.ingest("d", path, options)
    assert state(ws) == before


def test_an_unknown_keyword_is_refused_listing_the_options(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown ingest option 'lable'; the options are .*label"):
        ws.ingest("d", write_csv(tmp_path / "a.csv", 10), lable="y")  # type: ignore[call-arg]
