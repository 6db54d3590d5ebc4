"""Several processes ingest into one dataset at once: distinct, consecutive span numbers."""

from __future__ import annotations

import multiprocessing
import traceback
from pathlib import Path
from typing import Any

import pytest

from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.data.ingest_helpers import write_csv

PROCESSES = 6


def _ingest(folder: str, path: str, barrier: Any, errors: Any) -> None:
    try:
        with Workspace.open(folder) as ws:
            barrier.wait(timeout=60)
            ws.ingest("shared", path)
    except BaseException:
        errors.put(traceback.format_exc())
        raise


@pytest.mark.slow
def test_parallel_ingests_number_spans_without_gaps_or_loss(
    tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    folder = tmp_path / "ws"
    new_workspace(folder).close()
    paths = [write_csv(tmp_path / f"in{w}.csv", 10 + w) for w in range(PROCESSES)]
    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [
        ctx.Process(target=_ingest, args=(str(folder), str(p), barrier, errors)) for p in paths
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    failures = [errors.get(timeout=5) for p in workers if p.exitcode != 0]
    assert [p.exitcode for p in workers] == [0] * PROCESSES, "\n".join(failures)
    with Workspace.open(folder) as ws:
        spans = ws.spans("shared")
        counts = ws.metadata.counts()
    assert [s.number for s in spans] == list(range(1, PROCESSES + 1))
    assert sorted(s.rows for s in spans) == [10 + w for w in range(PROCESSES)]
    assert counts.contexts == {"dataset": 1, "span": PROCESSES}
    assert counts.artifacts == {"span": PROCESSES, "profile": PROCESSES}
