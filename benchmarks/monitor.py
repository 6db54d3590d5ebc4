"""Benchmark: the monitor's live windows over a prediction log (profile hourly windows, compare).

Run: ``python benchmarks/monitor.py [--rows 10_000_000] [--inputs 20] [--hours 24] [--repeat 3]
[--segment-rows 10_000] [--request-rows 500]`` (``--rows 500_000`` for a quick run).

A fresh workspace gets one registered version of a scikit-learn model on ``--inputs`` numeric
inputs (its training profile and its monitor reference with a calibration), then ``--rows``
predicted rows spread over ``--hours`` hours, logged through the real prediction log as a server
writes them (requests of ``--request-rows`` rows, a segment every ``--segment-rows`` rows, outlier
scores and flags): see ``benchmarks/monitor_stream.py``. Generating and logging is not timed.

Each measured run starts a new process on a fresh copy of that workspace (artifacts hard-linked, the
metadata database copied) and times:

* **monitor**: after what a monitor process pays once (imports; loading the version's model, whose
  skops load imports scikit-learn's estimator list; loading the profiler's compiled kernels;
  starting the worker processes, each of which loads the same: printed apart),
  ``update_windows`` (read every segment, split its rows by version and hour, profile each group,
  re-score the rows for the estimated accuracy, store one window part per hour: in the worker
  processes, one window a task) and then ``window_metrics(update=False)`` (merge each hour's parts
  and compare it with the version's training profile and reference: input drift, prediction
  drift, outlier rate, estimates). Its CPU time and peak memory add the workers' to the process's;
* **threads**: the same in one process (``processes=0``: reading threads, and profiles that
  spread their columns over threads), as an update runs before any worker is started;
* **ceiling**: ``profile_table`` of the same monitored columns as one in-memory table (no reading,
  splitting, storing or comparing: the profiler alone);
* **peer**: pandas ``describe()`` plus a 20-bin ``numpy.histogram`` of every column, for each hour,
  from in-memory DataFrames (not mergeable; whylogs and ydata-profiling are not installed here).

``--repeat`` runs of each, in turn; the table gives medians: rows per second (wall), CPU seconds
per million rows (all threads and worker processes), peak RSS of the run's processes (added up),
and each one's speed against the monitor's. Last, one more hour of logs is added to a copy that
was updated once, and the update is run again: it must read only that hour's segments and rows
(counted by ``WindowUpdate``), which the benchmark asserts and prints. The load average is
printed before and after (other work on the machine slows every figure). The target: at least 2
million rows per second for 10 million rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from driftline.workspace import Workspace
from monitor_stream import MODEL, fit, log_hours, register

MODES = ("monitor", "threads", "ceiling", "peer")


def _copy(template: Path, target: Path) -> None:
    """A copy of a closed workspace: artifact files hard-linked (never rewritten), others copied."""

    def link_or_copy(src: str, dst: str) -> Any:
        if "artifacts" in Path(src).relative_to(template).parts:
            return os.link(src, dst)
        return shutil.copy2(src, dst)

    shutil.copytree(template, target, copy_function=link_or_copy)


def _segments(ws: Workspace) -> list[Any]:
    from driftline.monitor.logs.segments import PREDICTIONS_KIND
    from driftline.store.queries import ArtifactQuery

    found = ws.metadata.artifacts(ArtifactQuery(kind=PREDICTIONS_KIND, ascending=True))
    return list(found)


def _tables(ws: Workspace) -> list[Any]:
    """Each segment's monitored columns, as the monitor profiles them."""
    from driftline.monitor.window_rows import monitored_table, read_columns

    return [monitored_table(read_columns(ws.artifacts, s), hashed=()) for s in _segments(ws)]


def _child(mode: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One measured run in this process (a child of the benchmark)."""
    import numpy as np
    import pyarrow as pa

    from driftline.data.profiling import profile_table
    from driftline.monitor.window_metrics import window_metrics
    from driftline.monitor.windows import update_windows

    out: dict[str, Any] = {}
    with Workspace.open(path) as ws:
        if mode in ("monitor", "threads"):
            out["warm_seconds"] = _warm(ws)
            pids: tuple[int, ...] = ()
            if mode == "monitor":
                started = time.perf_counter()
                pids = _start_workers(ws)
                out["workers_seconds"] = time.perf_counter() - started
            spent = _clocked()
            before = _workers_cpu(pids)
            wall, cpu = time.perf_counter(), time.process_time()
            update = update_windows(ws, MODEL, processes=None if mode == "monitor" else 0)
            middle = time.perf_counter()
            metrics = window_metrics(ws, MODEL, update=False)
            out["update_seconds"] = middle - wall
            out["compare_seconds"] = time.perf_counter() - middle
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out["workers_cpu"] = _workers_cpu(pids) - before
            cpu += out["workers_cpu"]
            out["workers"] = len(pids)
            out["workers_peak_mb"] = sum(_peak_mb(pid) for pid in pids)
            out |= {"segments": update.segments_read, "rows": update.rows_read}
            out |= {"parts": update.parts_written, "windows": len(metrics)}
            out["compared"] = sum(1 for m in metrics for d in m.drift if d.status == "compared")
            out["drifted"] = sum(len(m.drifted) for m in metrics)
            out |= spent
        elif mode == "ceiling":
            table = pa.concat_tables(_tables(ws)).combine_chunks()
            out["rows"] = table.num_rows
            wall, cpu = time.perf_counter(), time.process_time()
            profile_table(table)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        elif mode == "peer":
            from driftline.monitor.logs.segments import TIME

            segments = _segments(ws)
            from driftline.monitor.window_rows import monitored_table, read_columns

            parts = [read_columns(ws.artifacts, s) for s in segments]
            whole = pa.concat_tables(parts)
            hours = whole[TIME].cast(pa.int64()).to_numpy() // 3_600_000_000
            frames = []
            for hour in np.unique(hours):  # hours, not rows
                rows = whole.filter(pa.array(hours == hour))
                frames.append(monitored_table(rows, hashed=()).to_pandas())
            out["rows"] = whole.num_rows
            wall, cpu = time.perf_counter(), time.process_time()
            for frame in frames:
                frame.describe()
                for name in frame.columns:  # columns, not rows
                    values = frame[name].to_numpy(dtype=float, na_value=np.nan)
                    np.histogram(values[~np.isnan(values)], bins=20)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        elif mode == "incremental":
            first = update_windows(ws, MODEL)
            before = {s.id for s in _segments(ws)}
            fitted = fit(args.inputs)[0]
            log_hours(
                ws,
                fitted,
                hours=range(args.hours, args.hours + 1),
                rows_per_hour=args.rows // args.hours,
                count=args.inputs,
                request_rows=args.request_rows,
                segment_rows=args.segment_rows,
                seed=args.hours + 1,
            )
            new = [s for s in _segments(ws) if s.id not in before]
            wall, cpu = time.perf_counter(), time.process_time()
            again = update_windows(ws, MODEL)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out |= {"first_segments": first.segments_read, "first_rows": first.rows_read}
            out |= {"segments": again.segments_read, "rows": again.rows_read}
            out |= {"new_segments": len(new), "new_rows": sum(s.properties["rows"] for s in new)}
            out["parts"] = again.parts_written
    out |= {"wall": wall, "cpu": cpu}
    out["peak_mb"] = _peak_mb() + out.get("workers_peak_mb", 0.0)
    return out


def _start_workers(ws: Workspace) -> tuple[int, ...]:
    """Start the monitor's worker processes as a monitor service does, once; their ids.

    Each imports the profiler, loads its compiled kernels and the version's model (what a
    long-lived monitor pays once, like :func:`_warm` for this process).
    """
    from driftline.monitor.window_workers import start_workers, worker_pool

    start_workers(stores=ws, model=MODEL, versions=["1"])
    return worker_pool().pids


def _workers_cpu(pids: tuple[int, ...]) -> float:
    """CPU seconds (user and system) the worker processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:  # workers, not rows
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _warm(ws: Workspace) -> float:
    """Seconds to pay what a monitor process pays once, not per update: imports, the model load.

    Loading a scikit-learn model with skops imports scikit-learn's whole estimator list (and the
    array libraries it knows, torch among them), which takes seconds; loading the profiler's
    compiled kernels imports numba and reads them from its cache (compiling them on a machine's
    first run). A monitor that runs in a long-lived process (the controller) pays both once.
    """
    import numpy as np
    import pandas  # noqa: F401  (pyarrow converts times through it once)
    import pyarrow as pa

    from driftline.data._numbers import COMPILED_MIN
    from driftline.data.profiling import profile_table
    from driftline.monitor.window_versions import VersionLookup

    start = time.perf_counter()
    VersionLookup(ws, MODEL).loaded("1")
    profile_table(pa.table({"x": np.arange(COMPILED_MIN, dtype=np.float64)}))
    return time.perf_counter() - start


def _clocked() -> dict[str, float]:
    """Seconds the monitor spends in the profiler and in re-scoring rows, filled in as it runs.

    Both are called from the update's own thread, so their wall times add up to a share of it.
    """
    import functools

    import driftline.data.profiling as profiling
    import driftline.monitor.window_accumulator as accumulator

    spent = {"profile_seconds": 0.0, "rescore_seconds": 0.0}
    for module, name, key in (
        (profiling, "profile_table", "profile_seconds"),
        (accumulator, "confidence_sum", "rescore_seconds"),
    ):
        original = getattr(module, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def timed(*args: Any, _f: Any = original, _key: str = key, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_key] += time.perf_counter() - start

        setattr(module, name, timed)
    return spent


def _peak_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory (``VmHWM``: since its exec, unlike ``ru_maxrss``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(mode: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--path", str(path)]
    command += [f"--{k.replace('_', '-')}={v}" for k, v in _options(args).items()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _options(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("rows", "inputs", "hours", "segment_rows", "request_rows")
    return {k: getattr(args, k) for k in keys}


def _build(folder: Path, args: argparse.Namespace) -> tuple[Path, float]:
    template = folder / "template"
    start = time.perf_counter()
    with Workspace.init(template) as ws:
        fitted = register(ws, folder / "model", args.inputs)
        log_hours(
            ws,
            fitted,
            hours=range(args.hours),
            rows_per_hour=args.rows // args.hours,
            count=args.inputs,
            request_rows=args.request_rows,
            segment_rows=args.segment_rows,
            seed=1,
        )
    return template, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--inputs", type=int, default=20)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--segment-rows", type=int, default=10_000)
    parser.add_argument("--request-rows", type=int, default=500)
    parser.add_argument("--child", choices=(*MODES, "incremental"), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.path, args)))
        return
    args.rows -= args.rows % args.hours
    with tempfile.TemporaryDirectory(prefix="driftline-bench-monitor-") as tmp:
        folder = Path(tmp)
        template, built = _build(folder, args)
        load_before = os.getloadavg()
        results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for r in range(args.repeat):
            for mode in MODES:  # in turn, so that load changes touch every mode alike
                copy = folder / f"{mode}-{r}"
                _copy(template, copy)
                results[mode].append(_run(mode, copy, args))
                shutil.rmtree(copy)
        _copy(template, folder / "incremental")
        incremental = _run("incremental", folder / "incremental", args)
        load_after = os.getloadavg()
    _report(args, results, incremental, built, load_before, load_after)


def _report(
    args: argparse.Namespace,
    results: dict[str, list[dict[str, Any]]],
    incremental: dict[str, Any],
    built: float,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> None:
    def median(mode: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in results[mode])

    monitor = results["monitor"][0]
    rate = {mode: args.rows / median(mode, "wall") for mode in MODES}
    names = {
        "monitor": "monitor: update_windows + window_metrics",
        "threads": "monitor in one process (processes=0)",
        "ceiling": "ceiling: profile_table, one table",
        "peer": "peer: pandas describe + histogram",
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before {load_before[0]:.2f} "
        f"{load_before[1]:.2f} {load_before[2]:.2f}, after {load_after[0]:.2f} "
        f"{load_after[1]:.2f} {load_after[2]:.2f}"
    )
    print(
        f"log: {args.rows:,} rows x {args.inputs} inputs over {args.hours} hours, "
        f"{monitor['segments']:,} segments, {monitor['windows']} windows, "
        f"{monitor['compared']:,} input comparisons; generated in {built:.0f} s (not timed)"
    )
    header = f"{'run (median of ' + str(args.repeat) + ')':<44} {'wall s':>7} {'M rows/s':>9}"
    header += f" {'CPU s/M rows':>13} {'peak MB':>8} {'vs monitor':>11}"
    print(header)
    print("-" * len(header))
    for mode in MODES:
        cpu_per_m = median(mode, "cpu") / (args.rows / 1e6)
        print(
            f"{names[mode]:<44} {median(mode, 'wall'):>7.2f} {rate[mode] / 1e6:>9.2f} "
            f"{cpu_per_m:>13.3f} {median(mode, 'peak_mb'):>8.0f} "
            f"{rate[mode] / rate['monitor']:>10.2f}x"
        )
    used = median("monitor", "workers_cpu") > 0
    where = (
        f"in {monitor['workers']} worker processes, whose CPU time and peak memory are counted "
        f"above: {median('monitor', 'workers_cpu'):.2f} CPU s"
        if used
        else "in this process: the backlog is below the workers' threshold"
    )
    print(
        f"monitor split: update_windows {median('monitor', 'update_seconds'):.2f} s ({where}), "
        "window_metrics "
        f"{median('monitor', 'compare_seconds'):.2f} s; once per process, not timed above: "
        "imports, the model's load and the compiled kernels "
        f"{median('monitor', 'warm_seconds'):.2f} s, starting the workers (each loads the same) "
        f"{median('monitor', 'workers_seconds'):.2f} s"
    )
    print(
        f"in one process: profile_table {median('threads', 'profile_seconds'):.2f} s and "
        "re-scoring rows for the estimated accuracy "
        f"{median('threads', 'rescore_seconds'):.2f} s of the update (threads; what an update "
        "does before workers are started, or below their threshold)"
    )
    target = "met" if rate["monitor"] >= 2e6 else "NOT met"
    print(f"target >= 2.00 M rows/s: {target} ({rate['monitor'] / 1e6:.2f} M rows/s)")
    only_new = (
        incremental["segments"] == incremental["new_segments"]
        and incremental["rows"] == incremental["new_rows"]
    )
    print(
        f"one more hour: the update read {incremental['segments']} segments and "
        f"{incremental['rows']:,} rows (the new hour: {incremental['new_segments']} segments, "
        f"{incremental['new_rows']:,} rows; the first update read {incremental['first_segments']}"
        f" segments) in {incremental['wall']:.2f} s: "
        + ("only the new hour, as it must" if only_new else "MORE THAN THE NEW HOUR")
    )
    if not only_new:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
