"""Benchmark: the Elec2 backtest of a policy beside the baselines, with label delays 0 and 1,000.

Run: ``python benchmarks/backtest.py --data ../shared/data/elec2.csv.gz
[--policy examples/policies/elec2.toml] [--delays 0,1000] [--baselines all] [--repeats 3]``.

For each delay it replays the data through the policy and every baseline (never retrain, retrain
every span, last label, river's Hoeffding Adaptive Tree and Adaptive Random Forest) ``--repeats``
times and prints their prequential accuracy, retrains, retrains refused by validation and the
median CPU seconds (``time.process_time`` of each replay; every method runs on one thread), the
refused retrains with their reasons, then the policy against river's ARF: the accuracy difference
in points and the ratio of the median CPU times. Everything but the CPU seconds is the same in
every repeat (checked). The target: accuracy at least ARF's, at no more than a fifth of its CPU
time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="elec2.csv.gz")
    parser.add_argument(
        "--policy", type=Path, default=ROOT / "examples" / "policies" / "elec2.toml"
    )
    parser.add_argument("--delays", default="0,1000", help="label delays in rows")
    parser.add_argument("--baselines", default="all")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3, help="runs per delay (median CPU)")
    args = parser.parse_args()

    from driftline.backtest.report import text_table
    from driftline.backtest.run import parse_baselines, run_backtest
    from driftline.backtest.streams import load_stream
    from driftline.policy.model import load_policy

    policy = load_policy(args.policy)
    table = load_stream(str(args.data))
    print(
        f"backtest of {args.data.name} ({table.num_rows:,} rows) with {args.policy.name}; "
        f"os.cpu_count()={os.cpu_count()}, Python {platform.python_version()}"
    )
    for delay in (int(d) for d in args.delays.split(",")):
        runs = [
            run_backtest(
                table,
                policy,
                delay=delay,
                seed=args.seed,
                baselines=parse_baselines(args.baselines),
                name=args.data.name,
            )
            for _ in range(max(1, args.repeats))
        ]
        if len({r.to_json(timings=False) for r in runs}) != 1:
            raise SystemExit("the repeats differ in more than CPU seconds: not deterministic")
        medians = [
            statistics.median(r.methods[i].cpu_seconds for r in runs)
            for i in range(len(runs[0].methods))
        ]
        result = replace(
            runs[0],
            methods=tuple(
                replace(m, cpu_seconds=c) for m, c in zip(runs[0].methods, medians, strict=True)
            ),
        )
        print()
        print(
            f"label delay {delay:,} rows, spans of {result.span_rows:,} rows, scored rows "
            f"{result.first_scored:,}-{result.rows - 1:,}; median CPU of {len(runs)} runs"
        )
        print(text_table(result))
        mine = result.methods[0]
        keys = {m.key for m in result.methods}
        if "arf" in keys:
            arf = result.method("arf")
            points = 100 * (mine.accuracy - arf.accuracy)
            ratio = mine.cpu_seconds / arf.cpu_seconds if arf.cpu_seconds else float("inf")
            verdict = "met" if points >= 0 and ratio <= 0.2 else "not met"
            print(
                f"driftline vs river ARF: {points:+.2f} accuracy points, CPU time x{ratio:.3f} "
                f"(target: >= +0.00 points at <= x0.200: {verdict})"
            )
        if "last" in keys:
            last = result.method("last")
            print(f"driftline vs last label: {100 * (mine.accuracy - last.accuracy):+.2f} points")


if __name__ == "__main__":
    main()
