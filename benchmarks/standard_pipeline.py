"""Benchmark: the standard training pipeline on Elec2, first run and unchanged reruns.

Run: ``python benchmarks/standard_pipeline.py --data ../shared/data/elec2.csv.gz [--repeat 5]``.

On a fresh SQLite workspace the standard pipeline (``ingest`` → ``schema`` → ``validate`` →
``profile`` → ``train`` (HistGradientBoosting) → ``champion`` → ``evaluate`` →
``monitor_reference`` → ``infra_validate`` → ``push``) runs once: it ingests the file, trains,
blesses and registers ``elec2:1`` as champion. The second run evaluates the cached model
against that new champion. Every later run is unchanged, so every step is CACHED: its time is the
orchestration time (cache lookups, hashing the source file for the ingest fingerprint, recording
ten CACHED executions).
The target is under 1 s. Prints the median and spread of ``--repeat`` cached runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="elec2.csv.gz")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from driftline.components import standard_pipeline
    from driftline.pipeline import run_pipeline
    from driftline.workspace import Workspace

    params = {
        "dataset": "elec2",
        "source": [str(args.data)],
        "label": "label",
        "model_name": "elec2",
    }
    pipeline = standard_pipeline(ingest_data=True)
    with tempfile.TemporaryDirectory() as folder, Workspace.init(Path(folder) / "ws") as ws:
        t0 = time.perf_counter()
        first = run_pipeline(ws, pipeline, params=params, progress=False)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_pipeline(ws, pipeline, params=params, progress=False)
        second_s = time.perf_counter() - t0
        cached = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            again = run_pipeline(ws, pipeline, params=params, progress=False)
            cached.append(time.perf_counter() - t0)
            assert {s.value for s in again.states().values()} == {"CACHED"}, again.states()
    print(f"standard pipeline on {args.data.name}, {os.cpu_count()} cores")
    print(f"{'run':<44} {'seconds':>10}")
    print(f"{'first (ingest, train, evaluate, register)':<44} {first_s:>10.2f}")
    print(f"{'second (evaluate against the new champion)':<44} {second_s:>10.2f}")
    spread = f"{min(cached):.3f}-{max(cached):.3f}"
    print(f"{'unchanged, all CACHED (median)':<44} {statistics.median(cached):>10.3f}  ({spread})")
    print(f"steps: {', '.join(first.states())}")
    print("target: an unchanged rerun orchestrates in under 1 s")


if __name__ == "__main__":
    main()
