"""profile_table: kinds, counts, chunking-independent bytes, summaries and round trips."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.hashing import stable_json
from driftline.data import ColumnKind, Profile, SketchParams, profile_table
from driftline.data.sketches import rank_error_bound


def mixed_table(rows: int = 5_000, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    x[::97] = np.nan
    return pa.table(
        {
            "x": pa.array(x, mask=np.arange(rows) % 50 == 0),
            "rooms": pa.array(rng.integers(1, 5, rows), pa.int16()),
            "city": pa.array(rng.choice(["Oslo", "Rome", "Lima"], rows)),
            "flag": pa.array(rng.uniform(size=rows) < 0.3),
            "when": pa.array(
                (1_700_000_000 + rng.integers(0, 86_400 * 30, rows)) * 1_000_000,
                pa.timestamp("us", tz="UTC"),
            ),
            "note": pa.array([f"note {i % 17} " * (i % 4) for i in range(rows)]),
        }
    )


def test_kinds_follow_the_arrow_type() -> None:
    table = pa.table(
        {
            "i": pa.array([1], pa.int8()),
            "u": pa.array([1], pa.uint64()),
            "f": pa.array([1.0], pa.float32()),
            "d": pa.array([decimal.Decimal("1.5")], pa.decimal128(5, 2)),
            "dur": pa.array([5], pa.duration("s")),
            "t": pa.array([dt.time(1)], pa.time64("us")),
            "b": pa.array([True]),
            "s": pa.array(["a"]),
            "ls": pa.array(["a"], pa.large_string()),
            "bin": pa.array([b"a"]),
            "dict": pa.array(["a"]).dictionary_encode(),
            "day": pa.array([dt.date(2026, 1, 1)]),
            "ts": pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("ns")),
            "nothing": pa.nulls(1),
        }
    )
    kinds = {c.name: c.kind for c in profile_table(table)}
    assert kinds == {
        **dict.fromkeys(["i", "u", "f", "d", "dur", "t"], ColumnKind.NUMERIC),
        "b": ColumnKind.BOOLEAN,
        **dict.fromkeys(["s", "ls", "bin", "dict", "nothing"], ColumnKind.CATEGORICAL),
        **dict.fromkeys(["day", "ts"], ColumnKind.DATETIME),
    }


def test_counts_moments_and_sketches_describe_each_column() -> None:
    table = mixed_table()
    p = profile_table(table, text=["note"], k=256)
    x = table.column("x").to_numpy(zero_copy_only=False)
    valid = table.column("x").is_valid().to_numpy(zero_copy_only=False)
    present = x[valid & ~np.isnan(x)]
    col = p["x"]
    assert (col.count, col.null_count, col.nan_count) == (
        present.size,
        100,
        int((np.isnan(x) & valid).sum()),
    )
    assert col.rows == p.num_rows == 5_000
    assert col.moments is not None
    assert col.quantiles is not None
    assert col.moments.mean == pytest.approx(present.mean())
    assert col.quantiles.n == present.size
    assert col.frequent is None
    assert abs(col.quantiles.quantile(0.5) - np.median(present)) < 0.05
    assert col.distinct_count == pytest.approx(present.size, rel=0.05)

    rooms = p["rooms"]
    assert rooms.frequent is not None
    assert rooms.frequent.is_exact
    assert rooms.distinct_is_exact
    assert rooms.distinct_count == 4
    assert rooms.looks_categorical
    assert sorted(rooms.frequent.items.to_pylist()) == [1.0, 2.0, 3.0, 4.0]

    city = p["city"]
    assert city.kind is ColumnKind.CATEGORICAL
    assert city.moments is None
    assert city.frequent is not None
    assert city.frequent.counts.sum() == 5_000

    flag = p["flag"]
    share = float(np.mean(table.column("flag").to_numpy(zero_copy_only=False)))
    assert flag.moments is not None
    assert flag.moments.mean == pytest.approx(share)
    assert flag.quantiles is None
    assert flag.distinct_count == 2

    when = p["when"]
    assert when.kind is ColumnKind.DATETIME
    assert when.moments is not None
    seconds = table.column("when").cast(pa.int64()).to_numpy() / 1e6
    assert when.moments.min == seconds.min()
    assert when.moments.max == seconds.max()

    note = p["note"]
    lengths = [len(v) for v in table.column("note").to_pylist()]
    assert note.kind is ColumnKind.TEXT
    assert note.moments is not None
    assert note.moments.max == max(lengths)
    assert note.moments.mean == pytest.approx(np.mean(lengths))
    assert note.frequent is not None
    assert len(note.frequent) == len(set(table.column("note").to_pylist()))


def test_numeric_value_counts_are_kept_only_while_exact() -> None:
    few = pa.table({"v": pa.array(np.arange(10_000) % 7, pa.int32())})
    many = pa.table({"v": pa.array(np.arange(10_000), pa.int32())})
    assert profile_table(few, capacity=8)["v"].frequent is not None
    col = profile_table(many, capacity=8)["v"]
    assert col.frequent is None
    assert not col.looks_categorical
    assert not col.distinct_is_exact


def test_merged_numeric_value_counts_follow_the_same_rule_as_direct_ones() -> None:
    low = pa.table({"v": [1.0, 2.0, 3.0] * 10})
    high = pa.table({"v": [4.0, 5.0, 6.0] * 10})
    assert profile_table(low, capacity=4)["v"].frequent is not None
    merged = profile_table(low, capacity=4).merge(profile_table(high, capacity=4))["v"]
    direct = profile_table(pa.concat_tables([low, high]), capacity=4)["v"]
    assert merged.frequent is None
    assert direct.frequent is None
    kept = profile_table(low, capacity=6).merge(profile_table(high, capacity=6))["v"]
    assert kept.frequent is not None
    assert kept.frequent.is_exact
    assert kept.distinct_count == 6


def test_the_bytes_depend_only_on_the_rows_not_on_the_chunking() -> None:
    table = mixed_table(20_000)
    reference = profile_table(table, batch_rows=3_000, k=64).to_bytes()
    odd_batches = table.to_batches(max_chunksize=777)
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=1_234))
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=5_000))
    for data in (odd_batches, chunked, reader, iter(odd_batches)):
        assert profile_table(data, batch_rows=3_000, k=64).to_bytes() == reference
    assert profile_table(table, batch_rows=3_000, k=64, threads=1).to_bytes() == reference
    assert profile_table(table, batch_rows=3_000, k=64, threads=2).to_bytes() == reference
    assert profile_table(table, batch_rows=3_000, k=64, seed=1).to_bytes() != reference


def test_bytes_round_trip_exactly_and_stay_compact() -> None:
    p = profile_table(mixed_table(50_000), text=["note"])
    data = p.to_bytes()
    back = Profile.from_bytes(data)
    assert back == p
    assert back.to_bytes() == data
    assert back.names == p.names
    assert back.params == p.params
    assert back.num_rows == p.num_rows
    assert back["x"].quantiles == p["x"].quantiles
    assert len(data) < 200_000


def test_to_dict_is_json_ready() -> None:
    table = mixed_table()
    table = table.append_column("inf", pa.array([np.inf, 1.0] * 2_500))
    d = profile_table(table, text=["note"]).to_dict(top=2)
    text = stable_json(d)
    assert json.loads(text) == d
    cols = {c["name"]: c for c in d["columns"]}
    assert cols["x"]["quantiles"].keys() == {"p1", "p5", "p25", "p50", "p75", "p95", "p99"}
    assert cols["x"]["rank_error"] == 0.0 or cols["x"]["rank_error"] == rank_error_bound(2048)
    assert cols["rooms"]["min"] == 1
    assert isinstance(cols["rooms"]["min"], int)
    assert cols["when"]["min"].startswith("2023-11-")
    assert cols["when"]["min"].endswith("+00:00")
    assert len(cols["city"]["top"]) == 2
    assert cols["city"]["top_exact"] is True
    assert cols["inf"]["max"] == "Infinity"
    assert cols["inf"]["mean"] == 1.0
    assert cols["note"]["length"]["min"] == 0


def test_summary_table_has_one_row_per_column() -> None:
    p = profile_table(mixed_table())
    summary = p.summary_table()
    assert summary.column("name").to_pylist() == list(p.names)
    assert summary.column("count").to_pylist() == [c.count for c in p]
    assert summary.column("mean").to_pylist()[2] is None  # city has no mean


def test_empty_tables_and_all_null_columns_are_profiled() -> None:
    schema = pa.schema([("x", pa.float64()), ("c", pa.string()), ("n", pa.null())])
    empty = profile_table(schema.empty_table())
    assert empty.num_rows == 0
    assert empty.names == ("x", "c", "n")
    assert all(c.count == 0 and c.missing_fraction is None for c in empty)
    assert empty["x"].quantiles is not None
    assert np.isnan(empty["x"].quantiles.quantile(0.5))
    nulls = pa.table(
        {
            "x": pa.array([None, None], pa.float64()),
            "c": pa.array([None, None], pa.string()),
            "n": pa.nulls(2),
        }
    )
    p = profile_table(nulls)
    assert [(c.count, c.null_count, c.missing_fraction) for c in p] == [(0, 2, 1.0)] * 3
    summary = p.to_dict()["columns"][0]
    assert summary["min"] is None
    assert summary["quantiles"]["p50"] is None
    assert Profile.from_bytes(p.to_bytes()) == p
    assert p.merge(empty).num_rows == 2


def test_columns_can_be_chosen_and_forced() -> None:
    table = pa.table({"a": [1, 2], "b": ["x", "y"], "c": [3, 4]})
    p = profile_table(table, columns=["c", "a"], categorical=["a"])
    assert p.names == ("c", "a")
    assert p["a"].kind is ColumnKind.CATEGORICAL
    assert p["a"].frequent is not None
    assert p["a"].frequent.items.to_pylist() == [1, 2]


def test_histograms_come_from_the_quantile_sketch() -> None:
    data = np.random.default_rng(4).normal(size=50_000)
    col = profile_table(pa.table({"x": data}), k=512)["x"]
    edges, counts = col.histogram(bins=10)
    assert edges[0] == data.min()
    assert edges[-1] == data.max()
    assert counts.sum() == data.size
    exact = np.histogram(data, bins=edges)[0]
    assert np.abs(counts - exact).max() <= 2 * rank_error_bound(512) * data.size
    constant = profile_table(pa.table({"x": [2.0, 2.0]}))["x"].histogram()
    assert constant[1].tolist() == [2]


def test_params_are_recorded() -> None:
    p = profile_table(pa.table({"x": [1.0]}), k=100, capacity=10, precision=8)
    assert p.params == SketchParams(k=100, capacity=10, precision=8)
    assert p["x"].distinct.precision == 8
    assert p["x"].quantiles is not None
    assert p["x"].quantiles.k == 100


def test_missing_values_are_counted_as_null_or_nan_by_type() -> None:
    with_null_value = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, None, 1]), pa.array(["a", None])
    )
    floats = pa.array([1.0, float("nan"), None, 2.0]).dictionary_encode()
    table = pa.table({"d": with_null_value, "f": floats})
    p = profile_table(table, categorical=["f"])
    assert (p["d"].count, p["d"].null_count, p["d"].nan_count) == (1, 3, 0)
    assert (p["f"].count, p["f"].null_count, p["f"].nan_count) == (2, 1, 1)
