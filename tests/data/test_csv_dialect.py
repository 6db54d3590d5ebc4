"""CSV dialect detection, its overrides, and rows longer than the read block."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from driftline.data.dialect import Dialect, sniff
from driftline.data.errors import SourceError
from driftline.data.readers import find_files, read_as, read_batches
from driftline.data.sources import ReadOptions, reading_with
from driftline.workspace import Workspace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", Dialect(",", True, 3)),
        ("a;b;c\n1;2;3\n", Dialect(";", True, 3)),
        ("a\tb\n1\t2\n", Dialect("\t", True, 2)),
        ("a|b\nx|1\ny|2\n", Dialect("|", True, 2)),
        ("1,2,3\n4,5,6\n", Dialect(",", False, 3)),  # numbers like the rest: no header
        ("0.5,a,1\n1.0,b,0\n", Dialect(",", False, 3)),
        ("2024-01-01,3\n2024-01-02,4\n", Dialect(",", False, 2)),
        ("when,n\n2024-01-01,3\n", Dialect(",", True, 2)),
        ("x\n1\n2\n", Dialect(",", True, 1)),  # one column: the default delimiter
        ("a;b\n1,5;2,5\n3,5;4,5\n", Dialect(";", True, 2)),  # decimal commas
        ('name,note\nann,"x;y;z"\nbob,"p;q;r"\n', Dialect(",", True, 2)),
        ("a,b\n", Dialect(",", True, 2)),  # a header alone
        ("\ufeffa,b\n1,2\n", Dialect(",", True, 2)),  # a byte-order mark
    ],
)
def test_the_dialect_is_detected(text: str, expected: Dialect) -> None:
    assert sniff(text) == expected


def test_a_tsv_prefers_a_tab_and_given_values_win() -> None:
    assert sniff("a\n1\n", prefer="\t").delimiter == "\t"
    assert sniff("a;b\n1;2\n", delimiter=",") == Dialect(",", True, 1)
    assert sniff("1,2\n3,4\n", header=True).header is True


def _csv(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_semicolon_file_without_a_header_reads_right(tmp_path: Path) -> None:
    source = _csv(tmp_path / "day1.csv", "1;x;0.5\n2;y;1.5\n")
    files = find_files(source)
    (batch,) = read_batches(files, ReadOptions())
    assert batch.schema.names == ["column_1", "column_2", "column_3"]
    assert batch.column(1).to_pylist() == ["x", "y"]
    named = ReadOptions(column_names=("id", "name", "v"))
    (batch,) = read_batches(files, named)
    assert batch.schema.names == ["id", "name", "v"]
    assert batch.num_rows == 2
    (forced,) = read_batches(files, ReadOptions(header=True))
    assert forced.schema.names == ["1", "x", "0.5"]
    assert forced.num_rows == 1


def test_column_names_replace_a_header_row(tmp_path: Path) -> None:
    files = find_files(_csv(tmp_path / "a.csv", "a,b\n1,2\n3,4\n"))
    (batch,) = read_batches(files, ReadOptions(column_names=("p", "q")))
    assert batch.schema.names == ["p", "q"]
    assert batch.column(0).to_pylist() == [1, 3]
    with pytest.raises(SourceError, match=r"a.csv has 2 columns .* but 3 column names"):
        list(read_batches(files, ReadOptions(column_names=("p", "q", "r"))))


def test_overrides_apply_where_the_options_leave_them_open(tmp_path: Path) -> None:
    files = find_files(_csv(tmp_path / "a.csv", "a|b\n1|2\n"))
    with reading_with(delimiter=","):
        (batch,) = read_batches(files, ReadOptions())
        assert batch.schema.names == ["a|b"]
        (batch,) = read_batches(files, ReadOptions(delimiter="|"))  # given: it wins
        assert batch.schema.names == ["a", "b"]
    assert read_as(files, ReadOptions())[0]["delimiter"] == "|"


def test_a_bad_delimiter_is_refused() -> None:
    with pytest.raises(SourceError, match="one character"):
        ReadOptions(delimiter=";;").check()


def test_rows_longer_than_the_read_block_are_read_whole(tmp_path: Path) -> None:
    # 60,000 short rows (more than the first 1 MiB block), a 3 MB field, then more rows: the
    # block grows and the rows already given are not given twice.
    head = "".join(f"{i},short\n" for i in range(60_000))
    tail = "".join(f"{i},after\n" for i in range(60_001, 60_100))
    path = _csv(tmp_path / "long.csv", "n,s\n" + head + '60000,"' + "z" * 3_000_000 + '"\n' + tail)
    batches = list(read_batches(find_files(path), ReadOptions()))
    numbers = [n for b in batches for n in b.column("n").to_pylist()]
    assert numbers == list(range(60_000)) + list(range(60_000, 60_100))
    texts = [s for b in batches for s in b.column("s").to_pylist()]
    assert len(texts[60_000]) == 3_000_000
    assert texts[-1] == "after"


def test_python_users_get_the_same_detection(tmp_path: Path) -> None:
    from driftline.store.queries import ExecutionQuery

    source = _csv(tmp_path / "semi.csv", "x;y\n1;a\n2;b\n3;a\n")
    with Workspace.init(tmp_path / "ws") as ws:
        span = ws.ingest("d", source)
        assert list(span.columns) == ["x", "y"]
        (run,) = ws.metadata.executions(ExecutionQuery(kind="ingest"))
    assert run.parameters["read_as"][0]["delimiter"] == ";"
    assert run.parameters["read_as"][0]["header"] is True


def test_a_tsv_keeps_its_tabs_when_commas_would_split_more() -> None:
    text = "a,b\tc\n1,2\t3\n"
    assert sniff(text).delimiter == ","
    assert sniff(text, prefer="\t").delimiter == "\t"


def test_files_with_columns_and_no_rows_give_the_columns(tmp_path: Path) -> None:
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    empty = pa.table({"x": pa.array([], pa.int64())})
    pq.write_table(empty, tmp_path / "e.parquet")
    feather.write_feather(empty, tmp_path / "e.arrow")
    _csv(tmp_path / "e.csv", "x\n")
    for name in ("e.parquet", "e.arrow", "e.csv"):
        (batch,) = read_batches(find_files(str(tmp_path / name)), ReadOptions())
        assert (batch.num_rows, batch.schema.names) == (0, ["x"])
