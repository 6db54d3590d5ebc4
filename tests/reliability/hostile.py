"""About 25 hostile files a new user might feed ``driftline``, written into a folder.

Each case is made by a function of the folder and returns the path to give the CLI. The good file
:data:`GOOD` (columns ``x``, ``y``, ``label``) makes a dataset's first span; a hostile file either
ingests as a next span, or is refused.
"""

from __future__ import annotations

import gzip
import os
import random
from collections.abc import Callable
from pathlib import Path

__all__ = ["CASES", "GOOD", "MAKERS", "make", "stored"]

GOOD = "x,y,label\n" + "".join(f"{i * 0.5},{'ab'[i % 2]},{i % 2}\n" for i in range(40))
"""A good file: the dataset's first span."""


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _rows(n: int, sep: str = ",") -> str:
    return "".join(f"{i * 0.5}{sep}{'ab'[i % 2]}{sep}{i % 2}\n" for i in range(n))


def _parquet(folder: Path, name: str, table: object) -> Path:
    import pyarrow.parquet as pq

    path = folder / name
    pq.write_table(table, path)  # type: ignore[arg-type]
    return path


def _nested(folder: Path) -> Path:
    import pyarrow as pa

    table = pa.table(
        {
            "x": [1.0, 2.0, 3.0],
            "point": pa.array([{"a": 1, "b": "u"}, {"a": 2, "b": "v"}, None]),
            "tags": pa.array([[1, 2], [], [3]]),
        }
    )
    return _parquet(folder, "nested.parquet", table)


def _truncated(folder: Path) -> Path:
    import pyarrow as pa

    whole = _parquet(folder, "whole.parquet", pa.table({"x": list(range(1000))}))
    data = whole.read_bytes()
    whole.unlink()
    return _write(folder, "truncated.parquet", data[: len(data) // 2])


def _symlink_loop(folder: Path) -> Path:
    link = folder / "loop.csv"
    os.symlink(link, link)
    return link


def _directory(folder: Path) -> Path:
    sub = folder / "a-folder"
    sub.mkdir()
    (sub / "notes.md").write_text("no data here\n")
    return sub


MAKERS: dict[str, Callable[[Path], Path]] = {
    "empty": lambda d: _write(d, "empty.csv", b""),
    "header_only": lambda d: _write(d, "header_only.csv", "x,y,label\n"),
    "ragged_rows": lambda d: _write(d, "ragged.csv", GOOD + "1.0,a,1,extra\n2.0,b\n"),
    "duplicate_columns": lambda d: _write(d, "dup.csv", "x,x,label\n" + _rows(10)),
    "latin1": lambda d: _write(
        d, "latin1.csv", ("x,y,label\n" + "1.0,café,1\n2.0,naïve,0\n" * 5).encode("latin-1")
    ),
    "nul_bytes": lambda d: _write(d, "nul.csv", GOOD + "9.5,a\x00b,1\n"),
    "five_mb_field": lambda d: _write(
        d, "long_field.csv", "x,y,label\n" + f'1.0,"{"z" * 5_000_000}",1\n' + _rows(5)
    ),
    "semicolons": lambda d: _write(d, "semi.csv", "x;y;label\n" + _rows(20, ";")),
    "no_header": lambda d: _write(d, "noheader.csv", _rows(20)),
    "many_columns": lambda d: _write(
        d,
        "wide.csv",
        ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" for _ in range(5000)) + "\n",
    ),
    "nested_parquet": _nested,
    "truncated_parquet": _truncated,
    "binary_garbage": lambda d: _write(d, "garbage.csv", random.Random(0).randbytes(10_000)),
    "inf_nan": lambda d: _write(
        d, "inf_nan.csv", "x,y,label\ninf,a,1\n-inf,b,0\n1e308,a,1\n-1e308,b,0\nnan,a,1\n"
    ),
    "bom": lambda d: _write(d, "bom.csv", b"\xef\xbb\xbf" + GOOD.encode()),
    "crlf": lambda d: _write(d, "crlf.csv", GOOD.replace("\n", "\r\n")),
    "quoted_newlines": lambda d: _write(
        d, "quoted.csv", "x,y,label\n" + '1.0,"two\nlines",1\n2.0,"and, a comma",0\n' + _rows(5)
    ),
    "only_delimiters": lambda d: _write(d, "commas.csv", ",,\n,,\n,,\n"),
    "long_header": lambda d: _write(
        d, "long_header.csv", "x," + "h" * 200_000 + ",label\n1.0,a,1\n2.0,b,0\n"
    ),
    "mixed_types": lambda d: _write(
        d, "mixed.csv", "x,y,label\n" + _rows(30) + "not a number,a,1\n"
    ),
    "gzip_csv": lambda d: _write(d, "day.csv.gz", gzip.compress(GOOD.encode(), mtime=0)),
    "gzip_named_csv": lambda d: _write(d, "secretly_gzip.csv", gzip.compress(GOOD.encode())),
    "unicode_names": lambda d: _write(d, "unicode.csv", "größe,名前,label\n1.0,ä,1\n2.0,ö,0\n"),
    "directory": _directory,
    "symlink_loop": _symlink_loop,
    "tsv": lambda d: _write(d, "tabs.tsv", "x\ty\tlabel\n" + _rows(10, "\t")),
    "blank_lines": lambda d: _write(d, "blank.csv", "\n\n\n"),
}
CASES = sorted(MAKERS)


def make(case: str, folder: Path) -> Path:
    """Write ``case``'s file (or folder, or link) into ``folder``; return the path to give."""
    folder.mkdir(parents=True, exist_ok=True)
    return MAKERS[case](folder)


def stored(folder: Path) -> tuple[dict[str, bytes], object]:
    """Every file of a workspace (its SQLite database by its rows) and every row of its metadata."""
    from tests.conftest import stored_state

    return stored_state(folder)
