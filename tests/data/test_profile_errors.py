"""Bad input gets a clear error that names what is wrong and where."""

from __future__ import annotations

import json
import struct

import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.data import (
    ColumnTypeError,
    FormatError,
    MergeError,
    Profile,
    UnknownColumnError,
    profile_table,
)
from driftline.data._codec import MAGIC


def test_merging_profiles_with_different_columns_names_them() -> None:
    a = profile_table(pa.table({"x": [1], "y": [2]}))
    b = profile_table(pa.table({"x": [1], "z": [2]}))
    with pytest.raises(MergeError, match="only in this profile: 'y'; only in the other: 'z'"):
        a.merge(b)


def test_merging_a_column_of_another_type_names_the_column_and_both_types() -> None:
    a = profile_table(pa.table({"age": pa.array([1], pa.int64())}))
    b = profile_table(pa.table({"age": pa.array([1.5], pa.float64())}))
    with pytest.raises(MergeError, match="column 'age' has type int64 in one profile and double"):
        a.merge(b)


def test_merging_other_kinds_or_sketch_sizes_is_refused() -> None:
    table = pa.table({"code": [1, 2]})
    with pytest.raises(MergeError, match="column 'code' is numeric in one profile and categorical"):
        profile_table(table).merge(profile_table(table, categorical=["code"]))
    with pytest.raises(MergeError, match="different sketch sizes"):
        profile_table(table).merge(profile_table(table, k=100))
    with pytest.raises(MergeError, match="cannot merge a Profile with a str"):
        profile_table(table).merge("profile")  # type: ignore[arg-type]


def test_unknown_columns_are_named() -> None:
    table = pa.table({"a": [1], "b": [2]})
    with pytest.raises(UnknownColumnError, match="no column 'zz'; it has 'a', 'b'"):
        profile_table(table, columns=["a", "zz"])
    with pytest.raises(UnknownColumnError, match="no column 'q'"):
        profile_table(table, categorical=["q"])
    with pytest.raises(UnknownColumnError, match="the profile has no column 'c'"):
        profile_table(table)["c"]


def test_columns_of_types_that_cannot_be_profiled_are_named() -> None:
    table = pa.table({"ok": [1], "tags": [[1, 2]]})
    with pytest.raises(ColumnTypeError, match="column 'tags' has Arrow type list<item: int64>"):
        profile_table(table)
    assert profile_table(table, columns=["ok"]).names == ("ok",)
    with pytest.raises(ColumnTypeError, match="column 'ok' has Arrow type int64; text must be"):
        profile_table(table, columns=["ok"], text=["ok"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 4}, r"k must be an int in \[8, 1048576\], got 4"),
        ({"capacity": 0}, r"capacity must be an int in \[1, 4194304\], got 0"),
        ({"precision": 30}, r"precision must be an int in \[4, 18\], got 30"),
        ({"batch_rows": 0}, "batch_rows must be an int >= 1, got 0"),
        ({"threads": 0}, "threads must be an int >= 1 or None, got 0"),
        ({"seed": 1.5}, "seed must be an int, got 1.5"),
        ({"columns": "a"}, "columns must be a list of column names, got the string 'a'"),
        ({"columns": ["a", "a"]}, "columns lists a name twice"),
        ({"categorical": ["a"], "text": ["a"]}, "cannot be both categorical and text"),
        ({"columns": ["a"], "categorical": ["b"]}, "'b' is forced to a kind but not in columns"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    table = pa.table({"a": ["x"], "b": [1]})
    with pytest.raises(InputError, match=message):
        profile_table(table, **kwargs)  # type: ignore[arg-type]


def test_bad_data_arguments_are_explained() -> None:
    with pytest.raises(InputError, match=r"takes a pyarrow Table.*got dict"):
        profile_table({"a": [1]})
    with pytest.raises(InputError, match="got no record batches"):
        profile_table([])
    first = pa.record_batch({"a": [1], "b": ["x"]})
    second = pa.record_batch({"a": [1.5], "b": ["y"]})
    with pytest.raises(InputError, match=r"batch 1 .* has column 'a' as double, not int64"):
        profile_table([first, second])
    with pytest.raises(InputError, match=r"batch 1 .* has no column 'b'"):
        profile_table([first, pa.record_batch({"a": [2]})])
    with pytest.raises(InputError, match="batch 1 is a list"):
        profile_table([first, [1]])
    duplicated = pa.table([pa.array([1]), pa.array([2])], names=["a", "a"])
    with pytest.raises(InputError, match="more than one column named 'a'"):
        profile_table(duplicated)


def test_corrupt_or_foreign_bytes_are_refused() -> None:
    data = profile_table(pa.table({"x": [1.0, 2.0], "c": ["a", "b"]})).to_bytes()
    with pytest.raises(FormatError, match="do not start with"):
        Profile.from_bytes(b"PAR1" + data[4:])
    with pytest.raises(FormatError, match="too short"):
        Profile.from_bytes(data[:5])
    with pytest.raises(FormatError, match="runs past the end"):
        Profile.from_bytes(data[:-9])
    with pytest.raises(FormatError, match="container format 2"):
        Profile.from_bytes(MAGIC + struct.pack("<I", 2) + data[12:])
    (header_len,) = struct.unpack_from("<I", data, 12)
    header = json.loads(data[16 : 16 + header_len])
    header["meta"]["version"] = 99
    text = json.dumps(header).encode()
    newer = MAGIC + struct.pack("<II", 1, len(text)) + text + data[16 + header_len :]
    with pytest.raises(FormatError, match="layout version 99"):
        Profile.from_bytes(newer)
    with pytest.raises(FormatError, match="unreadable header"):
        Profile.from_bytes(MAGIC + struct.pack("<II", 1, 3) + b"{{{")
