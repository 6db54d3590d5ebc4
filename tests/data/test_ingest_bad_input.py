"""Bad input to ingest: a clear error naming the file and column; nothing stored changes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from driftline.core.errors import InputError
from driftline.data.errors import SourceError, UnknownColumnError
from driftline.workspace import Workspace
from tests.data.ingest_helpers import state, write_csv

pytestmark = pytest.mark.usefixtures("first_span")


@pytest.fixture
def first_span(ws: Workspace, tmp_path: Path) -> None:
    """Dataset ``d`` of ``ws`` gets span 1 (ten rows of a CSV file)."""
    ws.ingest("d", write_csv(tmp_path / "first.csv", 10))


def _refused(
    ws: Workspace, error: type[Exception], pattern: str, source: object, **options: object
) -> None:
    """Ingesting ``source`` as a new dataset ``e`` raises; nothing stored changes."""
    before = state(ws)
    with pytest.raises(error, match=pattern):
        ws.ingest("e", source, **options)  # type: ignore[arg-type]
    assert state(ws) == before
    assert ws.data.next_number("e") == 1
    assert ws.artifacts.temp_files() == []


def test_an_empty_file(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _refused(ws, SourceError, rf"{path} is empty \(0 bytes\)", path)


def test_a_header_without_rows(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("a,b\n", encoding="utf-8")
    _refused(ws, SourceError, rf"{path} has no data rows", path)


def test_a_column_that_changes_type_half_way(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "a,b\n" + "".join(f"{i},x\n" for i in range(150_000)) + "abc,x\n", encoding="utf-8"
    )
    _refused(
        ws,
        SourceError,
        rf"{path}: column 'a' is not all int64 \(invalid value 'abc'\).*"
        r"--column-type a=string",
        path,
    )
    span = ws.ingest("e", path, column_types={"a": "string"})
    assert span.number == 1
    assert span.rows == 150_001
    assert span.types[0] == "string"


def test_text_that_is_not_utf8(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,n\ncaf\xe9,1\n".encode("latin-1"))
    _refused(
        ws, SourceError, rf"{path}: column 'name' is not valid UTF-8.*--encoding latin-1", path
    )
    span = ws.ingest("e", path, encoding="latin-1")
    assert ws.read_span(span, "all")["name"].to_pylist() == ["café"]


def test_late_text_that_is_not_utf8(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "".join(f"n{i},{i}\n" for i in range(150_000)).encode()
    path.write_bytes(b"name,n\n" + body + "caf\xe9,1\n".encode("latin-1"))
    _refused(ws, SourceError, rf"{path}: column 'name' is not valid utf-8 text.*--encoding", path)


def test_paths_that_do_not_exist(ws: Workspace, tmp_path: Path) -> None:
    _refused(ws, SourceError, rf"{tmp_path / 'nope.csv'} does not exist", tmp_path / "nope.csv")
    _refused(
        ws, SourceError, r"the pattern '.*\*\.parquet' matches no file", str(tmp_path / "*.parquet")
    )
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    _refused(ws, SourceError, rf"the folder {empty} holds no data files", empty)
    odd = tmp_path / "data.xyz"
    odd.write_text("a\n1\n", encoding="utf-8")
    _refused(ws, SourceError, rf"{odd}: unknown file type.*--format", odd)


@pytest.mark.parametrize("role", ["label", "key", "time"])
def test_a_named_column_that_does_not_exist(ws: Workspace, tmp_path: Path, role: str) -> None:
    path = write_csv(tmp_path / "a.csv", 5)
    _refused(
        ws,
        UnknownColumnError,
        rf"{path} has no {role} column 'nope'; its columns are 'id', 'x', 'city', 'y'",
        path,
        **{role: "nope"},
    )


def test_a_time_column_of_text(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 5)
    _refused(
        ws,
        SourceError,
        r"the time column 'city' is string.*--column-type city=timestamp",
        path,
        time="city",
    )


def test_a_column_type_for_a_missing_column(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 5)
    _refused(
        ws,
        UnknownColumnError,
        r"no column \(named by a column type\) 'zz'",
        path,
        column_types={"zz": "string"},
    )
    _refused(
        ws,
        SourceError,
        r"unknown type 'text' for column 'id'; use one of: string",
        path,
        column_types={"id": "text"},
    )


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, math.nan, True, "0.2"])
def test_eval_fraction_outside_0_1(ws: Workspace, tmp_path: Path, fraction: object) -> None:
    _refused(
        ws,
        InputError,
        r"eval_fraction must be a number in \[0, 1\)",
        write_csv(tmp_path / "a.csv", 5),
        eval_fraction=fraction,
    )


def test_files_whose_columns_differ(ws: Workspace, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", 5)
    b = tmp_path / "b.csv"
    b.write_text("id,x\n1,2\n", encoding="utf-8")
    _refused(
        ws,
        SourceError,
        rf"{b} does not have the columns of the first file: it lacks "
        r"'city', 'y'",
        [a, b],
    )


def test_a_reserved_column_and_a_bad_dataset_name(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("__split__,a\n1,2\n", encoding="utf-8")
    _refused(ws, SourceError, "has a column named '__split__', which spans reserve", path)
    before = state(ws)
    with pytest.raises(InputError, match="a dataset name must start with a letter"):
        ws.ingest("bad name", write_csv(tmp_path / "a.csv", 5))
    assert state(ws) == before
