"""Benchmark: profile 1,000,000 rows x 100 columns (80 numeric, 20 categorical strings).

Run: ``python benchmarks/profiles.py [--rows N] [--repeat R] [--threads T]``.

Prints the median wall time of ``profile_table`` over the repeats (all cores, and one thread), the
serialise / read / merge times, the profile's size, the peak RSS of the process and the machine's
core count. As a reference, it also times ``datasketches.kll_doubles_sketch`` updates for the
numeric columns alone (``datasketches`` is a test dependency, optional here). The target is under
10 s for 1M x 100 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from driftline.data import Profile, profile_table

NUMERIC, CATEGORICAL = 80, 20


def make_table(rows: int, seed: int = 0) -> pa.Table:
    """80 float64 columns of various distributions and 20 string columns with 5-50 categories."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    makers: list[Callable[[], np.ndarray]] = [
        lambda: rng.normal(10.0, 3.0, rows),
        lambda: rng.lognormal(0.0, 1.5, rows),
        lambda: rng.uniform(-1.0, 1.0, rows),
        lambda: rng.exponential(2.0, rows),
        lambda: rng.integers(0, 12, rows).astype(np.float64),  # few distinct values
        lambda: rng.standard_t(3, rows),
        lambda: np.round(rng.gamma(2.0, 50.0, rows), 2),
        lambda: np.where(rng.uniform(size=rows) < 0.05, np.nan, rng.normal(size=rows)),
    ]
    for i in range(NUMERIC):
        columns[f"num_{i:02d}"] = makers[i % len(makers)]()
    for i in range(CATEGORICAL):
        n_categories = 5 + (45 * i) // (CATEGORICAL - 1)
        names = pa.array([f"category_{j:02d}" for j in range(n_categories)])
        codes = pa.array(rng.integers(0, n_categories, rows))
        columns[f"cat_{i:02d}"] = pc.take(names, codes)
    return pa.table(columns)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``fn`` over ``repeat`` runs, and its last result."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), result


def datasketches_reference(table: pa.Table, repeat: int) -> float | None:
    """Seconds to feed the numeric columns to ``datasketches`` KLL sketches (k=2048)."""
    try:
        import datasketches
    except ImportError:
        return None
    arrays = [table.column(i).to_numpy() for i in range(NUMERIC)]

    def run() -> None:
        for a in arrays:
            sketch = datasketches.kll_doubles_sketch(2048)
            sketch.update(a[~np.isnan(a)])

    return timed(run, repeat)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="default: one per core")
    args = parser.parse_args()

    start = time.perf_counter()
    table = make_table(args.rows)
    generate = time.perf_counter() - start
    cols = NUMERIC + CATEGORICAL

    t_all, c_all, profile = timed(lambda: profile_table(table, threads=args.threads), args.repeat)
    t_one, c_one, _ = timed(lambda: profile_table(table, threads=1), args.repeat)
    t_bytes, _, data = timed(profile.to_bytes, args.repeat)
    t_read, _, _ = timed(lambda: Profile.from_bytes(data), args.repeat)
    t_merge, _, _ = timed(lambda: profile.merge(profile), args.repeat)
    t_ref = datasketches_reference(table, args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]

    def rate(seconds: float) -> str:
        return f"{args.rows * cols / seconds / 1e6:.0f}M values/s"

    every = f"{t_all:.2f} s wall, {c_all:.2f} s CPU, {rate(t_all)}"
    one = f"{t_one:.2f} s wall, {c_one:.2f} s CPU, {rate(t_one)}"

    threads = "default" if args.threads is None else str(args.threads)
    rows = [
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores, load {load:.1f}, "
                    f"Python {platform.python_version()}"),
        ("table", f"{args.rows:,} rows x {cols} columns ({NUMERIC} float64, {CATEGORICAL} string)"),
        ("generate table", f"{generate:.2f} s"),
        (f"profile_table (threads={threads})", every),
        ("profile_table (threads=1)", one),
        ("profile size", f"{len(data) / 1e6:.2f} MB"),
        ("to_bytes / from_bytes", f"{t_bytes * 1e3:.0f} ms / {t_read * 1e3:.0f} ms"),
        ("merge two profiles", f"{t_merge * 1e3:.0f} ms"),
        ("datasketches KLL, numeric only", "absent" if t_ref is None else f"{t_ref:.2f} s wall"),
        ("peak RSS", f"{peak_mb:.0f} MB"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value  (median of {args.repeat})")
    print("-" * (width + 40))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
