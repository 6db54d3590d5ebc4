"""Fixtures of the drift tests: generated tables with known shifts, and their profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.data import Profile, profile_table


@dataclass(frozen=True)
class Shifted:
    reference: pa.Table
    current: pa.Table
    shifted: frozenset[str]


def shifted_tables(rows: int, seed: int = 0) -> Shifted:
    """30 columns: 20 numeric (4 mean-shifted, 4 scaled), 10 categorical (4 with a new mix)."""
    rng = np.random.default_rng(seed)
    ref: dict[str, Any] = {}
    cur: dict[str, Any] = {}
    shifted: set[str] = set()
    for i in range(20):
        loc, scale = float(i), 1.0 + i % 3
        name = f"num_{i:02d}"
        c_loc, c_scale = loc, scale
        if i in (0, 5, 10, 15):
            c_loc = loc + (0.2 + 0.1 * (i // 5)) * scale  # 0.2 to 0.5 std
            shifted.add(name)
        elif i in (2, 7, 12, 17):
            c_scale = scale * (1.3 + 0.05 * (i // 5))  # x1.3 to x1.45
            shifted.add(name)
        gen = (rng.normal, rng.laplace, rng.logistic)[i % 3]
        ref[name] = gen(loc, scale, rows)
        cur[name] = gen(c_loc, c_scale, rows)
    for i in range(10):
        n = 3 + i
        name = f"cat_{i}"
        p = np.full(n, 1.0 / n)
        q = p.copy()
        if i in (0, 3, 6, 9):
            moved = 0.15 + 0.05 * (i % 2)  # 15 to 20 points move to the first category
            q[0] += moved
            q[1:] -= moved / (n - 1)
            shifted.add(name)
        labels = np.array([f"v{j}" for j in range(n)])
        ref[name] = labels[rng.choice(n, rows, p=p)]
        cur[name] = labels[rng.choice(n, rows, p=q)]
    return Shifted(pa.table(ref), pa.table(cur), frozenset(shifted))


@dataclass(frozen=True)
class Profiles:
    data: Shifted
    reference: Profile
    current: Profile


@pytest.fixture(scope="session")
def shifted_100k() -> Profiles:
    data = shifted_tables(100_000)
    return Profiles(data, profile_table(data.reference), profile_table(data.current))
