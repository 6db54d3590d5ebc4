"""Infinite and huge values: counted apart, no numpy warnings, kept by bytes and merges."""

from __future__ import annotations

import math

import pyarrow as pa

from driftline.data.profile import Profile
from driftline.data.profiling import profile_table


def _profile() -> Profile:
    values = [math.inf, -math.inf, 1e308, -1e308, math.nan, 1e308]
    return profile_table(pa.table({"x": values}))


def test_infinities_are_counted_apart_from_the_mean() -> None:
    x = _profile()["x"]
    assert x.moments is not None
    assert (x.moments.inf_count, x.moments.finite_count, x.nan_count) == (2, 3, 1)
    assert math.isclose(x.moments.mean or 0.0, 1e308 / 3)  # no overflow to inf
    summary = x.to_dict()
    assert summary["infinite"] == 2
    assert (summary["min"], summary["max"]) == ("-Infinity", "Infinity")


def test_the_counts_survive_bytes_and_merges() -> None:
    profile = _profile()
    again = Profile.from_bytes(profile.to_bytes())
    assert again["x"].to_dict() == profile["x"].to_dict()
    merged = profile.merge(again)["x"]
    assert merged.moments is not None
    assert (merged.moments.inf_count, merged.moments.finite_count) == (4, 6)
    assert math.isclose(merged.moments.mean or 0.0, 1e308 / 3)
