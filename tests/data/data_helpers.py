"""Helpers shared by the data tests: exact rank errors and seeded test distributions."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

DISTRIBUTIONS = ("normal", "lognormal", "uniform", "ties")


def values(dist: str, n: int, seed: int = 0) -> npt.NDArray[np.float64]:
    """``n`` seeded values of a named distribution (``ties``: 20 distinct values)."""
    rng = np.random.default_rng(seed)
    if dist == "normal":
        return rng.normal(size=n)
    if dist == "lognormal":
        return rng.lognormal(sigma=2.0, size=n)
    if dist == "uniform":
        return rng.uniform(-5.0, 5.0, size=n)
    if dist == "ties":
        return rng.integers(0, 20, size=n).astype(np.float64)
    raise ValueError(dist)


def float_windows() -> dict[str, npt.NDArray[np.float64]]:
    """Seeded windows of 65,536 floats of the shapes a numeric column takes, by name."""
    rng = np.random.default_rng(7)
    n = 65_536
    return {
        "normal": rng.normal(size=n),
        "lognormal": rng.lognormal(0.0, 2.0, n),
        "few values": rng.integers(0, 12, n).astype(np.float64),
        "two decimals": np.round(rng.gamma(2.0, 50.0, n), 2),
        "timestamps": 1.7e9 + rng.uniform(0.0, 3600.0, n),
        "infinities": np.concatenate([rng.normal(size=n - 4), [np.inf, -np.inf, 1e308, -5e-324]]),
        "constant": np.full(n, 3.0),
        "dense cluster and outliers": np.concatenate(
            [1e6 + rng.normal(size=n - 9) * 1e-3, [0.0] * 9]
        ),
        "subnormal": rng.normal(size=n) * 1e-310,
        "descending": np.arange(n, 0, -1, dtype=np.float64),
    }


def max_rank_error(sketch: Any, data: npt.NDArray[np.float64]) -> float:
    """The largest ``|estimated rank - true rank| / n`` over every point (exact supremum).

    Both rank functions are step functions that jump only at data values, so checking the
    inclusive and the exclusive rank at every distinct value covers every point.
    """
    s = np.sort(data[~np.isnan(data)])
    u = np.unique(s)
    le = np.searchsorted(s, u, side="right")
    lt = np.searchsorted(s, u, side="left")
    err = max(
        int(np.abs(sketch.rank(u) - le).max()),
        int(np.abs(sketch.rank(u, inclusive=False) - lt).max()),
    )
    return err / s.size
