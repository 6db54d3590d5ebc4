"""Benchmark: drift between two 1,000,000 x 100 tables, driftline against Evidently 0.7.

Run: ``python benchmarks/drift.py [--rows N] [--repeat R] [--peer-repeat R] [--peer-python PATH]
[--peer-timeout S] [--skip-peer]``.

The data (80 float64 columns, 20 string columns; 10 numeric columns shifted in mean by 0.3 std,
6 scaled by 1.4, 5 categorical columns with 15 points of their mix moved; seeded) is generated
once and written to two Parquet files in a temporary folder. Then, back to back, for each
repetition, each tool runs in a **fresh subprocess** that reads the Parquet files and does its
work:

* driftline: read the reference, ``profile_table`` it, drop the table; the same for the current;
  ``compare`` (profiling and comparing timed together, reading timed apart), then the HTML report
  written (timed separately);
* driftline, streaming: record batches streamed from the files into ``profile_table``
  (``ParquetFile.iter_batches``) + ``compare``: reading and profiling timed together;
* Evidently: ``Report([DataDriftPreset()]).run(current, reference)`` with default settings on
  pandas DataFrames of the same data (read with ``pandas.read_parquet``).

Evidently does not import under pandas 3, so it runs with another interpreter (``--peer-python``,
default ``.venv-bench/bin/python``: a virtualenv with ``evidently==0.7.23`` and ``pandas<3``).
This file is the worker for both sides: it uses only the standard library at import time.

Measured: the work's wall time inside the worker (reading the files and importing the tool are
timed separately and not included); the peak RSS of the whole worker process (``os.wait4``), which
includes the tables each tool holds in memory (Arrow for driftline, pandas for Evidently), and the
RSS right after reading. A peer that runs past ``--peer-timeout`` seconds is killed and reported
as "> budget".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NUMERIC, CATEGORICAL = 80, 20
MEAN_SHIFTED = tuple(range(0, NUMERIC, 8))  # 10 columns: mean + 0.3 std
SCALED = tuple(range(4, NUMERIC, 13))  # 6 columns: std x 1.4
MIX_CHANGED = tuple(range(0, CATEGORICAL, 4))  # 5 columns: 15 points moved


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- data ---------------------------------------------------------------------------------------


def make_tables(rows: int, seed: int = 0) -> tuple[Any, Any]:
    """Reference and current tables (see the module docstring for the shifts)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)

    def numeric(i: int, shift: bool) -> Any:
        loc, scale = 10.0 + i, 1.0 + (i % 5)
        if shift and i in MEAN_SHIFTED:
            loc += 0.3 * scale
        if shift and i in SCALED:
            scale *= 1.4
        kind = i % 4
        if kind == 0:
            return rng.normal(loc, scale, rows)
        if kind == 1:
            return loc + scale * rng.standard_t(5, rows) / np.sqrt(5 / 3)
        if kind == 2:
            return loc + scale * (rng.exponential(1.0, rows) - 1.0)
        return loc + scale * rng.uniform(-np.sqrt(3), np.sqrt(3), rows)

    def categorical(i: int, shift: bool) -> Any:
        n = 5 + (i * 45) // (CATEGORICAL - 1)
        names = pa.array([f"category_{j:02d}" for j in range(n)])
        p = np.full(n, 1.0 / n)
        if shift and i in MIX_CHANGED:
            moved = 0.15
            p[0] += moved
            p[1:] -= moved / (n - 1)
            p = np.clip(p, 0.001, None)
            p /= p.sum()
        return pc.take(names, pa.array(rng.choice(n, size=rows, p=p)))

    tables = []
    for shift in (False, True):
        cols: dict[str, Any] = {f"num_{i:02d}": numeric(i, shift) for i in range(NUMERIC)}
        cols.update({f"cat_{i:02d}": categorical(i, shift) for i in range(CATEGORICAL)})
        tables.append(pa.table(cols))
    return tables[0], tables[1]


# -- workers (run in a fresh process) -----------------------------------------------------------


def work_driftline(folder: Path) -> dict[str, float]:
    """Read a table, profile it, drop it; then the other; then compare (reads timed apart)."""
    t0 = time.perf_counter()
    import pyarrow.parquet as pq

    from driftline.data import profile_table
    from driftline.drift import compare

    t1 = time.perf_counter()
    read = work = rss_loaded = 0.0
    profiles = []
    for name in ("reference", "current"):
        start = time.perf_counter()
        table = pq.read_table(folder / f"{name}.parquet")
        read += time.perf_counter() - start
        rss_loaded = max(rss_loaded, _rss_mb())
        start = time.perf_counter()
        profiles.append(profile_table(table))
        work += time.perf_counter() - start
        del table
    start = time.perf_counter()
    report = compare(profiles[0], profiles[1])
    work += time.perf_counter() - start
    start = time.perf_counter()
    report.to_html(folder / "driftline-report.html")
    html = time.perf_counter() - start
    return {
        "import": t1 - t0,
        "read": read,
        "work": work,
        "html": html,
        "rss_loaded_mb": rss_loaded,
        "drifted": len(report.drifted_columns),
    }


def work_driftline_stream(folder: Path) -> dict[str, float]:
    """Stream record batches from the files into the profiler: read and profile timed together."""
    t0 = time.perf_counter()
    import pyarrow.parquet as pq

    from driftline.data import profile_table
    from driftline.drift import compare

    t1 = time.perf_counter()
    profiles = [
        profile_table(pq.ParquetFile(folder / f"{name}.parquet").iter_batches(65_536))
        for name in ("reference", "current")
    ]
    report = compare(profiles[0], profiles[1])
    t2 = time.perf_counter()
    return {
        "import": t1 - t0,
        "read": 0.0,
        "work": t2 - t1,
        "html": 0.0,
        "rss_loaded_mb": 0.0,
        "drifted": len(report.drifted_columns),
    }


def work_evidently(folder: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    t1 = time.perf_counter()
    ref = pd.read_parquet(folder / "reference.parquet")
    cur = pd.read_parquet(folder / "current.parquet")
    t2 = time.perf_counter()
    rss_loaded = _rss_mb()
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    t3 = time.perf_counter()
    drifted = -1.0
    for metric in snapshot.dict().get("metrics", []):
        if "DriftedColumnsCount" in str(metric.get("metric_name", "")):
            drifted = float(metric["value"]["count"])
    return {
        "import": t1 - t0,
        "read": t2 - t1,
        "work": t3 - t2,
        "html": 0.0,
        "rss_loaded_mb": rss_loaded,
        "drifted": drifted,
    }


# -- the parent -----------------------------------------------------------------------------------


def measure(python: str, tool: str, folder: Path, timeout: float) -> dict[str, Any]:
    """Run one worker in a fresh process; its result, peak RSS, or ``{"timeout": True}``."""
    out = folder / f"{tool}-result.json"
    out.unlink(missing_ok=True)
    cmd = [python, __file__, "--worker", tool, "--data", str(folder)]
    with open(folder / f"{tool}.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"timeout": True}
            time.sleep(0.25)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.exists():
        tail = (folder / f"{tool}.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"{tool} worker failed (exit {proc.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="driftline repetitions")
    parser.add_argument("--peer-repeat", type=int, default=None, help="default: --repeat")
    parser.add_argument("--peer-python", default=".venv-bench/bin/python")
    parser.add_argument("--peer-timeout", type=float, default=1800.0, help="seconds per peer run")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = WORKERS[args.worker](args.data)
        (args.data / f"{args.worker}-result.json").write_text(json.dumps(result))
        return

    peer_repeat = args.repeat if args.peer_repeat is None else args.peer_repeat
    run_peer = not args.skip_peer and Path(args.peer_python).exists()
    if not args.skip_peer and not run_peer:
        print(f"peer interpreter {args.peer_python} not found: Evidently is skipped")
    with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
        folder = Path(tmp)
        import pyarrow.parquet as pq

        start = time.perf_counter()
        ref, cur = make_tables(args.rows)
        pq.write_table(ref, folder / "reference.parquet")
        pq.write_table(cur, folder / "current.parquet")
        del ref, cur
        generate = time.perf_counter() - start
        print(
            f"generated and wrote {args.rows:,} x {NUMERIC + CATEGORICAL} x 2 in {generate:.1f} s"
        )

        ours: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        streamed: list[dict[str, Any]] = []
        for i in range(max(args.repeat, peer_repeat if run_peer else 0)):
            if i < args.repeat:
                ours.append(measure(sys.executable, "driftline", folder, 3600))
                print(f"  driftline run {i + 1}: {ours[-1]['work']:.2f} s", flush=True)
                streamed.append(measure(sys.executable, "driftline-stream", folder, 3600))
                print(
                    f"  driftline streaming run {i + 1}: {streamed[-1]['work']:.2f} s", flush=True
                )
            if run_peer and i < peer_repeat:
                theirs.append(measure(args.peer_python, "evidently", folder, args.peer_timeout))
                shown = "> budget" if theirs[-1].get("timeout") else f"{theirs[-1]['work']:.1f} s"
                print(f"  evidently run {i + 1}: {shown}", flush=True)
    report(args, ours, streamed, theirs, generate)


def report(
    args: argparse.Namespace,
    ours: list[dict[str, Any]],
    streamed: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    gen: float,
) -> None:
    load = os.getloadavg()[0]
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {load:.1f}, "
        f"Python {platform.python_version()}; {args.rows:,} rows x {NUMERIC + CATEGORICAL} columns "
        f"(reference and current); data generation {gen:.1f} s (not timed below)"
    )
    header = f"{'tool':<38} {'runs':>4} {'median s':>9} {'min-max s':>13} {'peak RSS MB':>12} "
    header += f"{'RSS after read':>15} {'read s':>7} {'drifted':>7}"
    print(header)
    print("-" * len(header))

    def row(name: str, runs: list[dict[str, Any]], key: str) -> float | None:
        done = [r for r in runs if not r.get("timeout")]
        if not done:
            if runs:
                print(f"{name:<38} {len(runs):>4} {'> budget':>9}  ({args.peer_timeout:.0f} s)")
            return None
        t = [r[key] for r in done]
        loaded = statistics.median(r["rss_loaded_mb"] for r in done)
        read = statistics.median(r["read"] for r in done)
        print(
            f"{name:<38} {len(done):>4} {statistics.median(t):>9.2f} {_span(t):>13} "
            f"{statistics.median(r['peak_rss_mb'] for r in done):>12.0f} "
            f"{f'{loaded:.0f}' if loaded else '-':>15} "
            f"{f'{read:.2f}' if read else 'in work':>7} {done[0]['drifted']:>7.0f}"
        )
        return float(statistics.median(t))

    t_ours = row("driftline profile x2 + compare", ours, "work")
    row("driftline HTML report (separately)", ours, "html")
    row("driftline streaming read + profile", streamed, "work")
    t_theirs = row("Evidently Report([DataDriftPreset()])", theirs, "work")
    done = [r for r in theirs if not r.get("timeout")]
    if t_ours and t_theirs and done:
        mem_ours = statistics.median(r["peak_rss_mb"] for r in ours)
        mem_theirs = statistics.median(r["peak_rss_mb"] for r in done)
        print()
        print(f"time ratio   Evidently / driftline = {t_theirs / t_ours:.1f}x  (target >= 20x)")
        print(f"memory ratio driftline / Evidently = {mem_ours / mem_theirs:.2f}  (target <= 0.33)")
    elif theirs and not done:
        print(
            f"\nEvidently exceeded the budget of {args.peer_timeout:.0f} s: ratio > "
            f"{args.peer_timeout / (t_ours or 1):.0f}x"
        )


WORKERS = {
    "driftline": work_driftline,
    "driftline-stream": work_driftline_stream,
    "evidently": work_evidently,
}

if __name__ == "__main__":
    main()
