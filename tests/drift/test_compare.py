"""compare(): statuses, options and their errors, corrections, JSON, and properties."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import driftline.drift
from driftline.core.errors import InputError
from driftline.data import Profile, UnknownColumnError, profile_table
from driftline.drift import ColumnStatus, Correction, Method, compare


def _profiles() -> tuple[Profile, Profile]:
    rng = np.random.default_rng(0)
    t0 = datetime(2024, 1, 1)
    ref = pa.table(
        {
            "x": rng.normal(size=3000),
            "gone": rng.normal(size=3000),
            "flip": rng.normal(size=3000),
            "nulls": pa.array([1.0] * 3000),
            "when": pa.array([t0 + timedelta(hours=i) for i in range(3000)]),
        }
    )
    cur = pa.table(
        {
            "x": rng.normal(1.0, 1, 3000),
            "flip": pa.array(["a"] * 3000),
            "nulls": pa.array([None] * 3000, type=pa.float64()),
            "when": pa.array([t0 + timedelta(hours=5000 + i) for i in range(3000)]),
            "added": rng.normal(size=3000),
        }
    )
    return profile_table(ref), profile_table(cur)


def test_statuses_of_missing_new_mismatched_empty_and_skipped_columns() -> None:
    ref, cur = _profiles()
    report = compare(ref, cur)
    status = {c.column: c.status for c in report.columns}
    assert status == {
        "x": ColumnStatus.COMPARED,
        "gone": ColumnStatus.MISSING,
        "flip": ColumnStatus.KIND_MISMATCH,
        "nulls": ColumnStatus.EMPTY,
        "when": ColumnStatus.SKIPPED,
        "added": ColumnStatus.NEW,
    }
    assert report.drifted_columns == ("x",)
    assert report.share_drifted == 1.0
    assert report.dataset_drift
    assert "numeric in the reference, categorical" in report["flip"].detail
    assert report["nulls"].current_missing == 1.0


def test_naming_a_datetime_column_compares_it() -> None:
    ref, cur = _profiles()
    report = compare(ref, cur, columns=["when", "x"], detect_index=False)
    assert [c.column for c in report.columns] == ["when", "x"]
    assert report["when"].status is ColumnStatus.COMPARED
    assert report["when"].drifted


def test_a_named_time_index_is_reported_but_not_counted() -> None:
    ref, cur = _profiles()
    report = compare(ref, cur, columns=["when", "x"])  # "when" grows in both profiles
    when = report["when"]
    assert when.status is ColumnStatus.EXCLUDED
    assert when.statistic is not None
    assert when.statistic > 1.0  # reported: it moved on by 5,000 hours
    assert not when.drifted
    assert "would drift" in when.detail
    assert "not counted in the drift share" in when.detail
    assert report.compared_columns == ("x",)
    assert report.excluded_columns == ("when",)
    assert report.to_dict()["excluded_columns"] == ["when"]


def _stream(start: int, rows: int, seed: int, *, shift: float = 0.0) -> pa.Table:
    """Rows ``start`` to ``start + rows`` of a stream: an id, a time and three measurements."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "id": np.arange(start, start + rows, dtype=np.int64),
            "seconds": np.arange(start, start + rows, dtype=np.float64) * 1800.0,
            "a": rng.normal(shift, 1, rows),
            "b": rng.normal(0, 1, rows),
            "c": rng.normal(0, 1, rows),
        }
    )


def test_columns_that_grow_are_reported_but_never_counted_in_the_share() -> None:
    ref = profile_table(_stream(0, 5000, 1))
    cur = profile_table(_stream(5000, 5000, 2, shift=1.0))  # only "a" really changed
    report = compare(ref, cur, drift_share=0.5)
    assert report.excluded_columns == ("id", "seconds")
    for name in ("id", "seconds"):
        assert report[name].status is ColumnStatus.EXCLUDED
        assert report[name].statistic is not None
        assert report[name].statistic > 1.0  # a new range, by construction
        assert not report[name].drifted
    assert report.compared_columns == ("a", "b", "c")
    assert report.drifted_columns == ("a",)
    assert report.share_drifted == pytest.approx(1 / 3)
    assert not report.dataset_drift
    counted = compare(ref, cur, drift_share=0.5, detect_index=False)
    assert counted.drifted_columns == ("id", "seconds", "a")  # what it was before: 3 of 5
    assert counted.dataset_drift
    # Corrections are over the compared columns only.
    bonf = compare(ref, cur, correction="bonferroni")
    assert bonf["id"].adjusted_p_value is None


def test_index_columns_can_be_named_and_old_profiles_do_not_tell() -> None:
    ref = profile_table(_stream(0, 5000, 1))
    cur = profile_table(_stream(5000, 5000, 2))
    named = compare(ref, cur, index=["a", "not in either profile"], detect_index=False)
    assert named.excluded_columns == ("a",)
    assert "an index column" in named["a"].detail
    # Profiles stored before the order sketch existed carry none: nothing is detected.
    old = Profile.from_bytes(_without_order(ref.to_bytes()))
    assert old["id"].order is None
    assert not old["id"].grows
    assert compare(old, cur).excluded_columns == ()
    assert compare(old, cur, index=["id", "seconds"]).excluded_columns == ("id", "seconds")
    # A column that grows in one profile only is an ordinary column.
    shuffled = _stream(5000, 5000, 2).take(np.random.default_rng(0).permutation(5000))
    assert "id" not in compare(ref, profile_table(shuffled)).excluded_columns


def _without_order(data: bytes) -> bytes:
    """The bytes of the same profile as written before the order sketch existed."""
    from driftline.data._codec import decode, encode

    state = decode(data, "profile")
    for column in state.meta["columns"]:
        column["sketches"].pop("order", None)
    state.arrays = {k: v for k, v in state.arrays.items() if "/order/" not in k}
    return encode("profile", state)


def test_overrides_of_method_and_threshold() -> None:
    ref, cur = _profiles()
    report = compare(ref, cur, methods={"x": Method.PSI}, thresholds={"x": 100.0})
    assert report["x"].method is Method.PSI
    assert report["x"].threshold == 100.0
    assert not report["x"].drifted


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"methods": {"x": "kstest"}}, "--method for column 'x' must be one of 'ks'"),
        ({"methods": {"nope": "ks"}}, "methods names 'nope'"),
        ({"thresholds": {"x": -1}}, "thresholds['x'] (a distance for 'wasserstein') must be"),
        ({"methods": {"x": "ks"}, "thresholds": {"x": 5}}, "a p-value level for 'ks'"),
        ({"correction": "holm"}, "correction must be None or one of 'bonferroni'"),
        ({"drift_share": 0}, "drift_share must be a number in (0, 1], got 0"),
        ({"bins": 1}, "bins must be an int in [2, 1000], got 1"),
        ({"columns": "x"}, "columns must be a list of column names, got the string 'x'"),
        ({"columns": ["x", "zzz"]}, "columns names 'zzz'"),
        ({"methods": ["x"]}, "methods must be a mapping of column name to value, got list"),
        ({"methods": {"x": "z"}}, "'z', which needs at most two values"),
        ({"adjust_for_sketch_error": "yes"}, "adjust_for_sketch_error must be a bool"),
        ({"index": "x"}, "index must be a list of column names, got the string 'x'"),
        ({"index": [1]}, "index must hold column names (str), got 1"),
        ({"detect_index": 1}, "detect_index must be a bool, got 1"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict[str, object], message: str) -> None:
    ref, cur = _profiles()
    with pytest.raises(InputError) as info:
        compare(ref, cur, **kwargs)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_method_that_does_not_fit_the_kind() -> None:
    p = profile_table(pa.table({"c": ["a", "b", "c"]}))
    with pytest.raises(InputError, match="'c' is 'ks', which needs numeric values, but the column"):
        compare(p, p, methods={"c": "ks"})


def test_unknown_column_error_and_not_a_profile() -> None:
    ref, cur = _profiles()
    with pytest.raises(UnknownColumnError):
        compare(ref, cur)["zzz"]
    with pytest.raises(InputError, match="current must be a driftline Profile, got dict"):
        compare(ref, {})  # type: ignore[arg-type]


def test_corrections_adjust_p_values_and_decisions() -> None:
    rng = np.random.default_rng(1)
    cols = {f"x{i}": rng.normal(size=400) for i in range(20)}
    cur = {n: rng.normal(0.12 if n == "x0" else 0.0, 1, 400) for n in cols}
    a, b = profile_table(pa.table(cols)), profile_table(pa.table(cur))
    plain = compare(a, b)
    bonf = compare(a, b, correction="bonferroni")
    bh = compare(a, b, correction=Correction.BENJAMINI_HOCHBERG)
    for name in cols:
        p = plain[name].p_value
        assert p is not None
        assert plain[name].method is Method.KS
        assert bonf[name].adjusted_p_value == pytest.approx(min(1.0, 20 * p))
        adj = bh[name].adjusted_p_value
        assert adj is not None
        assert p <= adj <= min(1.0, 20 * p) + 1e-12
    assert set(bonf.drifted_columns) <= set(bh.drifted_columns) <= set(plain.drifted_columns)
    assert bonf.correction is Correction.BONFERRONI


def test_json_is_strict_and_complete() -> None:
    ref, cur = _profiles()
    report = compare(ref, cur)
    data = json.loads(report.to_json())
    assert data["drifted_columns"] == ["x"]
    assert [c["status"] for c in data["columns"]][:2] == ["compared", "missing"]
    assert data["columns"][0]["distributions"]["kind"] == "histogram"


def test_public_names() -> None:
    assert set(dir(driftline.drift)) == set(driftline.drift.__all__)
    for name in driftline.drift.__all__:
        assert getattr(driftline.drift, name) is not None


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(
    x=st.lists(finite, min_size=1, max_size=300),
    c=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, max_size=300),
)
def test_identical_profiles_never_drift(x: list[float], c: list[str]) -> None:
    p = profile_table(pa.table({"x": pa.array(x, type=pa.float64())}))
    q = profile_table(pa.table({"c": c}))
    for prof in (p, q):
        for method in Method:
            name = prof.names[0]
            try:
                col = compare(prof, prof, methods={name: method})[name]
            except InputError:
                continue  # a method that does not fit the column
            assert not col.drifted
            assert col.statistic == 0.0
            if col.p_value is not None:
                assert col.p_value == 1.0 or math.isclose(col.p_value, 1.0)
