"""Ingest: spans from files, folders, globs and data frames; the split; lineage; profiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from driftline.core.errors import NotFoundError
from driftline.data import profile_table
from driftline.data.spans import SPLIT_COLUMN
from driftline.store.queries import ExecutionQuery
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv


def test_a_csv_becomes_span_1_then_2(ws: Workspace, tmp_path: Path) -> None:
    first = ws.ingest("d", write_csv(tmp_path / "a.csv", 1000), label="y")
    second = ws.ingest("d", str(write_csv(tmp_path / "b.csv", 500, start=1000)))
    assert (first.number, second.number) == (1, 2)
    assert first.rows == 1000
    assert first.train_rows + first.eval_rows == 1000
    assert 120 < first.eval_rows < 280  # about 20 %
    assert first.columns == ("id", "x", "city", "y")
    assert first.types == ("int64", "double", "string", "int64")
    assert first.label == "y"
    assert second.label is None
    assert [s.number for s in ws.spans("d")] == [1, 2]
    assert ws.span("d").number == 2
    assert ws.span("d", 1) == first
    assert ws.spans("other") == []


def test_parts_partition_the_rows_in_source_order(ws: Workspace, tmp_path: Path) -> None:
    span = ws.ingest("d", write_csv(tmp_path / "a.csv", 2000))
    train, evaluation, every = (ws.read_span(span, p) for p in ("train", "eval", "all"))
    assert (train.num_rows, evaluation.num_rows) == (span.train_rows, span.eval_rows)
    assert SPLIT_COLUMN not in every.column_names
    assert every["id"].to_pylist() == list(range(2000))
    ids = pc.sort_indices(
        pa.concat_arrays([train["id"].combine_chunks(), evaluation["id"].combine_chunks()])
    )
    assert len(ids) == 2000
    assert set(train["id"].to_pylist()).isdisjoint(evaluation["id"].to_pylist())


def test_the_same_input_gives_the_same_split(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 3000)
    a, b = ws.ingest("d1", path), ws.ingest("d2", path)
    assert ws.read_span(a, "eval").equals(ws.read_span(b, "eval"))
    assert a.sha256 == b.sha256
    assert a.profile_sha256 == b.profile_sha256


def test_a_key_keeps_equal_keys_on_one_side(ws: Workspace, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 300, size=5000)
    table = pa.table({"user": keys, "v": rng.normal(size=5000)})
    span = ws.ingest("d", table, key="user", eval_fraction=0.3)
    train = set(ws.read_span(span, "train")["user"].to_pylist())
    evaluation = set(ws.read_span(span, "eval")["user"].to_pylist())
    assert train.isdisjoint(evaluation)
    assert len(train | evaluation) == len(set(keys.tolist()))
    again = ws.ingest("d", table.slice(0, 100), key="user", eval_fraction=0.3)
    assert set(ws.read_span(again, "eval")["user"].to_pylist()) <= evaluation


def test_zero_eval_fraction_puts_everything_in_train(ws: Workspace, tmp_path: Path) -> None:
    span = ws.ingest("d", write_csv(tmp_path / "a.csv", 100), eval_fraction=0.0)
    assert (span.train_rows, span.eval_rows) == (100, 0)


def test_formats_folders_globs_and_lists(ws: Workspace, tmp_path: Path) -> None:
    table = pa.table({"a": list(range(10)), "b": [f"v{i}" for i in range(10)]})
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(table.slice(0, 4), folder / "p1.parquet")
    feather.write_feather(table.slice(4, 3), folder / "p2.feather")
    (folder / "p3.csv").write_text("a,b\n7,v7\n8,v8\n9,v9\n", encoding="utf-8")
    (folder / ".hidden.csv").write_text("junk\n", encoding="utf-8")
    whole = ws.ingest("f", folder)
    assert whole.rows == 10
    assert ws.read_span(whole, "all").equals(table)
    assert ws.ingest("g", str(folder / "p*.parquet")).rows == 4
    assert ws.ingest("l", [folder / "p3.csv", folder / "p1.parquet"]).rows == 7
    odd = tmp_path / "data.bin"
    pq.write_table(table, odd)
    assert ws.ingest("o", odd, format="parquet").rows == 10


def test_gzip_csv_and_column_types(ws: Workspace, tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "z.csv.gz"
    path.write_bytes(gzip.compress(b"zip,n\n0123,1\n0456,2\n"))
    span = ws.ingest("z", path, column_types={"zip": "string"})
    assert ws.read_span(span, "all")["zip"].to_pylist() == ["0123", "0456"]


def test_pandas_and_polars_frames(ws: Workspace) -> None:
    pandas = pytest.importorskip("pandas")
    polars = pytest.importorskip("polars")
    frame = pandas.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", None]}, index=[5, 6, 7])
    span = ws.ingest("p", frame)
    assert span.columns == ("x", "c")
    assert span.rows == 3
    assert ws.ingest("q", polars.DataFrame({"x": [1, 2]})).types == ("int64",)


def test_time_range_is_recorded(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "t,v\n2024-01-02 00:00:00,1\n2024-01-01 06:00:00,2\n2024-03-01 00:00:00,3\n",
        encoding="utf-8",
    )
    span = ws.ingest("t", path, time="t")
    assert (span.time_min, span.time_max) == (
        "2024-01-01T06:00:00+00:00",
        "2024-03-01T00:00:00+00:00",
    )
    numeric = ws.ingest("n", pa.table({"step": [5, 3, 9]}), time="step")
    assert (numeric.time_min, numeric.time_max) == (3.0, 9.0)


def test_stored_profile_equals_profile_of_the_rows(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("t,v,n\n2024-01-02 00:00:00,1,\n2024-01-01 06:00:00,2,\n", encoding="utf-8")
    span = ws.ingest("t", path)
    stored = ws.span_profile(span)
    assert stored.to_bytes() == profile_table(ws.read_span(span, "all")).to_bytes()
    assert stored["n"].null_count == 2
    assert stored["n"].count == 0


def test_one_execution_records_everything(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 50)
    span = ws.ingest("d", path, label="y")
    (run,) = ws.metadata.executions(ExecutionQuery(kind="ingest"))
    source = run.parameters["sources"][0]
    assert source["path"] == str(path)
    assert len(source["sha256"]) == 64
    graph = ws.lineage(span.artifact_id)
    assert graph.producers(span.artifact_id) == [run.id]
    outputs = {e.name: e.artifact_id for e in ws.metadata.events(execution_id=run.id)}
    assert outputs == {"span": span.artifact_id, "profile": span.profile_id}
    assert {c.name for c in ws.metadata.contexts()} == {"d", "d#1"}


def test_progress_reaches_the_total(ws: Workspace, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = write_csv(tmp_path / "a.csv", 5000)
    ws.ingest("d", path, progress=lambda done, total: seen.append((done, total)))
    assert seen
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_load_profile_resolves_every_form(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 30)
    first = ws.ingest("d", path)
    ws.ingest("d", write_csv(tmp_path / "b.csv", 20))
    assert ws.load_profile("d").num_rows == 20
    assert ws.load_profile("d:1").num_rows == 30
    assert ws.load_profile(str(first.profile_id)).num_rows == 30
    assert ws.load_profile(str(first.artifact_id)).num_rows == 30
    assert ws.load_profile(str(path)).num_rows == 30
    saved = tmp_path / "p.profile"
    saved.write_bytes(ws.load_profile("d:1").to_bytes())
    assert ws.load_profile(str(saved)) == ws.span_profile(first)
    with pytest.raises(NotFoundError, match=r"'nope' names no dataset .*\(datasets: d\); a ref"):
        ws.load_profile("nope")
    with pytest.raises(NotFoundError, match="has no span 9; it has spans 1 to 2"):
        ws.load_profile("d:9")
