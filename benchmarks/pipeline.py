"""Benchmark: orchestration overhead per step, driftline vs Prefect, on a chain of no-op steps.

Run: ``python benchmarks/pipeline.py [--steps 20] [--repeat 15] [--peer-python PATH]``.

A chain of ``--steps`` steps, each returning a tiny JSON value to the next. driftline runs it
with the local runner on a fresh SQLite workspace: *cold* runs change a parameter of the first
step each time, so every step executes and is recorded (RUNNING then COMPLETE, one artifact
each); *warm* runs repeat the last parameters, so every step is CACHED (cache lookup, size check
of its artifact, one CACHED execution recorded). Prefect runs the same chain as tasks in a flow
with its local ephemeral API (its first flow run, which starts the API, is reported apart; then
the median of the later runs). Each side runs in its own subprocess; ``--peer-python`` is a
Python with ``prefect==3.4.25`` installed (e.g. ``python3 -m venv /tmp/prefectenv &&
/tmp/prefectenv/bin/pip install prefect==3.4.25``). The target is <= 10 ms per step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def driftline_side(steps: int, repeat: int) -> dict[str, Any]:
    from driftline.pipeline import JsonArtifact, Pipeline, run_pipeline, step
    from driftline.workspace import Workspace

    chain = []
    for i in range(steps):
        source = (
            f"def s{i:02d}(rep: int = 0) -> JsonArtifact:\n    return {{'i': {i}, 'rep': rep}}\n"
            if i == 0
            else f"def s{i:02d}(s{i - 1:02d}: JsonArtifact) -> JsonArtifact:\n"
            f"    return {{'i': {i}, 'rep': s{i - 1:02d}['rep']}}\n"
        )
        namespace: dict[str, Any] = {"JsonArtifact": JsonArtifact}
        exec(source, namespace)
        chain.append(step(namespace[f"s{i:02d}"]))
    pipeline = Pipeline("bench", chain)
    with tempfile.TemporaryDirectory() as folder, Workspace.init(Path(folder) / "ws") as ws:
        run_pipeline(ws, pipeline, params={"rep": -1}, progress=False)  # imports, schema warm-up
        cold, warm = [], []
        for rep in range(repeat):
            t0 = time.perf_counter()
            result = run_pipeline(ws, pipeline, params={"rep": rep}, progress=False)
            cold.append((time.perf_counter() - t0) / steps)
            assert all(s.value == "COMPLETE" for s in result.states().values())
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = run_pipeline(ws, pipeline, params={"rep": repeat - 1}, progress=False)
            warm.append((time.perf_counter() - t0) / steps)
            assert all(s.value == "CACHED" for s in result.states().values())
    return {
        "side": "driftline",
        "cold_ms": statistics.median(cold) * 1e3,
        "warm_ms": statistics.median(warm) * 1e3,
    }


def prefect_side(steps: int, repeat: int) -> dict[str, Any]:
    import prefect
    from prefect import flow, task

    @task
    def noop(value: dict[str, int], i: int) -> dict[str, int]:
        return {"i": i, "prev": value["i"]}

    @flow
    def chain(rep: int) -> dict[str, int]:
        value = {"i": 0, "rep": rep}
        for i in range(1, steps + 1):
            value = noop(value, i)
        return value

    t0 = time.perf_counter()
    chain(-1)
    first = (time.perf_counter() - t0) / steps
    warm = []
    for rep in range(repeat):
        t0 = time.perf_counter()
        chain(rep)
        warm.append((time.perf_counter() - t0) / steps)
    return {
        "side": f"prefect {prefect.__version__}",
        "first_ms": first * 1e3,
        "warm_ms": statistics.median(warm) * 1e3,
    }


def _child(python: str, side: str, steps: int, repeat: int, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [python, __file__, "--side", side, "--steps", str(steps), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{side} side failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--peer-python", help="a Python with prefect==3.4.25 installed")
    parser.add_argument("--side", choices=["driftline", "prefect"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "driftline":
        print(json.dumps(driftline_side(args.steps, args.repeat)))
        return
    if args.side == "prefect":
        print(json.dumps(prefect_side(args.steps, args.repeat)))
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    ours = _child(sys.executable, "driftline", args.steps, args.repeat, env)
    rows = [("driftline (local, SQLite)", ours["cold_ms"], ours["warm_ms"], "")]
    if args.peer_python:
        with tempfile.TemporaryDirectory() as home:
            peer_env = {
                **env,
                "PREFECT_HOME": home,
                "PREFECT_LOGGING_LEVEL": "WARNING",
                "PREFECT_LOGGING_TO_API_ENABLED": "false",
            }
            peer = _child(args.peer_python, "prefect", args.steps, args.repeat, peer_env)
        rows.append((peer["side"] + " (ephemeral API)", peer["first_ms"], peer["warm_ms"], ""))
    print(
        f"chain of {args.steps} no-op steps, median of {args.repeat} runs, {os.cpu_count()} cores"
    )
    print(f"{'':34} {'cold ms/step':>13} {'warm ms/step':>13}")
    for name, cold, warm, _ in rows:
        print(f"{name:34} {cold:13.2f} {warm:13.2f}")
    if len(rows) == 2:
        cold_ratio, warm_ratio = rows[1][1] / rows[0][1], rows[1][2] / rows[0][2]
        print(f"{'prefect / driftline':34} {cold_ratio:12.1f}x {warm_ratio:12.1f}x")
    print(
        "driftline cold: every step runs and is recorded; warm: every step CACHED. "
        "Prefect cold: its first flow run (starts the ephemeral API); warm: later runs."
    )


if __name__ == "__main__":
    main()
