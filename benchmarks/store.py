"""Benchmark of the metadata store: recording executions with lineage, and walking lineage.

    python benchmarks/store.py [--executions N] [--repeat R] [--graph G] [--queries Q]

For SQLite (a file, WAL) and PostgreSQL (a throw-away server started here from the installed
binaries, fsync on and synchronous_commit off, the same durability as SQLite's WAL with
synchronous=NORMAL), it measures:

- executions recorded per second, each with its lineage (~2 inputs, 1-2 outputs, 1-2 contexts),
  one ``record_execution`` (one transaction) each: the median of R runs of N executions;
- the time of a 5-hop upstream lineage query in a graph of G executions: the median of Q queries
  from different artifacts among the newest.

ml-metadata is added as a peer row when it is importable (it is optional).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.records import ContextRef, LineageDirection, NewArtifact, NewExecution
from driftline.testing import ServiceUnavailable

SEEDS = 20
WINDOW = 50  # inputs come from the newest WINDOW artifacts, so lineage runs deep


@dataclass
class Result:
    backend: str
    rates: list[float]
    lineage_ms: list[float]
    reached: float
    graph_rate: float


class Workload:
    """A deterministic stream of executions with lineage over a growing set of artifacts."""

    def __init__(self, store: MetadataStore, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.count = 0
        self.artifacts = [store.put_artifact(self._artifact("span")).id for _ in range(SEEDS)]

    def _artifact(self, kind: str) -> NewArtifact:
        self.count += 1
        label = f"{kind}/{self.count}"
        return NewArtifact(kind, f"file:///bench/{label}", f"{self.count:064x}", self.count)

    def step(self) -> None:
        rng = self.rng
        recent = self.artifacts[-WINDOW:]
        inputs = rng.sample(recent, k=2)
        outputs = [self._artifact("model") for _ in range(rng.randint(1, 2))]
        contexts = [ContextRef("pipeline", "bench")]
        if rng.random() < 0.5:
            contexts.append(ContextRef("run", f"run-{self.count // 20}"))
        rec = self.store.record_execution(
            NewExecution("train", parameters={"lr": rng.random()}, code_version="bench"),
            inputs={"spans": inputs},
            outputs={"models": outputs},
            contexts=contexts,
        )
        self.artifacts.extend(a.id for a in rec.outputs["models"])


def record_rate(open_store: Callable[[], MetadataStore], executions: int, seed: int) -> float:
    with open_store() as store:
        work = Workload(store, seed)
        start = time.perf_counter()
        for _ in range(executions):
            work.step()
        return executions / (time.perf_counter() - start)


def lineage_times(
    open_store: Callable[[], MetadataStore], graph: int, queries: int
) -> tuple[list[float], float, float]:
    with open_store() as store:
        work = Workload(store, seed=7)
        start = time.perf_counter()
        for _ in range(graph):
            work.step()
        build_rate = graph / (time.perf_counter() - start)
        roots = work.artifacts[-queries:]
        times, sizes = [], []
        store.lineage(roots[0], LineageDirection.UP, depth=5)  # warm the statement cache
        for root in roots:
            t0 = time.perf_counter()
            found = store.lineage(root, LineageDirection.UP, depth=5)
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(found.artifacts))
        return times, statistics.mean(sizes), build_rate


def run_backend(name: str, new_url: Callable[[], str], args: argparse.Namespace) -> Result:
    def opener() -> MetadataStore:
        return open_metadata_store(new_url(), create=True)

    print(f"[{name}] recording {args.executions} executions x {args.repeat} ...", flush=True)
    rates = [record_rate(opener, args.executions, seed=r) for r in range(args.repeat)]
    print(f"[{name}] building a graph of {args.graph} executions ...", flush=True)
    times, reached, build = lineage_times(opener, args.graph, args.queries)
    return Result(name, rates, times, reached, build)


@contextmanager
def sqlite_urls(folder: Path) -> Iterator[Callable[[], str]]:
    counter = iter(range(1_000_000))
    yield lambda: f"sqlite:///{folder / f'bench-{next(counter)}.db'}"


def mlmd_note() -> str | None:
    if importlib.util.find_spec("ml_metadata") is None:
        return "ml-metadata is not installed: no peer row"
    return "ml-metadata is installed but its peer row is not implemented"


def show(results: list[Result], args: argparse.Namespace, notes: list[str]) -> None:
    title = (
        f"driftline metadata store - {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    header = [
        "backend",
        "executions/s",
        "min - max",
        "lineage 5 hops up: median ms",
        "p95 ms",
        "artifacts reached",
        "graph build exec/s",
    ]
    caption = (
        f"executions/s: median of {args.repeat} runs of {args.executions} record_execution calls "
        f"(~2 inputs, 1-2 outputs, 1-2 contexts); lineage: median of {args.queries} queries in "
        f"a graph of {args.graph:,} executions"
    )
    rows = [
        [
            r.backend,
            f"{statistics.median(r.rates):,.0f}",
            f"{min(r.rates):,.0f} - {max(r.rates):,.0f}",
            f"{statistics.median(r.lineage_ms):.2f}",
            f"{sorted(r.lineage_ms)[int(0.95 * (len(r.lineage_ms) - 1))]:.2f}",
            f"{r.reached:.0f}",
            f"{r.graph_rate:,.0f}",
        ]
        for r in results
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        print(caption)
        print(" | ".join(header))
        for row in rows:
            print(" | ".join(row))
    else:
        table = Table(title=title, caption=caption)
        for i, column in enumerate(header):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console = Console()
        if not console.is_terminal:
            console = Console(width=150)
        console.print(table)
    for note in notes:
        print(f"note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=2000, help="executions per run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per backend (median)")
    parser.add_argument("--graph", type=int, default=10_000, help="executions in the graph")
    parser.add_argument("--queries", type=int, default=200, help="lineage queries (median)")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if min(args.executions, args.repeat, args.graph, args.queries) < 1:
        parser.error("--executions, --repeat, --graph and --queries must be at least 1")
    results: list[Result] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="driftline-bench-") as tmp:
        folder = Path(tmp)
        with sqlite_urls(folder) as new_url:
            results.append(run_backend("SQLite (WAL)", new_url, args))
        if not args.skip_postgres:
            from driftline.testing.postgres import PostgresServer

            try:
                server = PostgresServer.start(
                    folder, settings={"fsync": "on", "synchronous_commit": "off"}
                )
            except ServiceUnavailable as exc:
                notes.append(f"PostgreSQL skipped: {exc}")
            else:
                try:
                    results.append(run_backend("PostgreSQL", server.new_database, args))
                finally:
                    server.stop()
    if note := mlmd_note():
        notes.append(note)
    show(results, args, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
