"""Elec2 streamed through the real controller agrees with ``driftline backtest`` on it.

The first 30,000 rows of Elec2 (from ``../shared/data``; skipped if absent, failed under CI) are
cut into six files of 5,000 rows, dropped one by one into the folder a ``new_data`` trigger
watches; each drop is one controller tick (ingest, validate, train, gate, promote). The same rows,
policy and seed replayed by :func:`~driftline.backtest.run.run_backtest` with spans of
5,000 rows must make the same decisions: the spans each retrain trained on, and which were
promoted. A second run injects corrupt spans (a column all null, nulls where there are none, a
declared bound broken): each is refused with a message naming it and quarantined, and the
loop goes on with the next good span, never training on a refused one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from driftline.backtest.run import run_backtest
from driftline.controller.jobs import JobStatus
from driftline.controller.loop import Controller
from driftline.core.clock import ManualClock
from driftline.data import Schema
from driftline.data.quarantine import quarantined
from driftline.policy.model import Policy
from driftline.registry import ModelRegistry
from driftline.rollout.requests import rollout_requester
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ContextRef, EventKind
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.controller.controller_fixtures import T0

ROWS = 5000
FILES = 6


def _policy() -> Policy:
    return Policy.from_dict(
        {
            "model": {
                "name": "elec2",
                "dataset": "elec2",
                "label": "label",
                "trainer": "sklearn:LogisticRegression",
            },
            "window": {"spans": 2},
            "rollout": {"plan": "none"},
            "cooldown": {"minutes": 0},
            "trigger": [{"kind": "new_data", "path": "incoming", "pattern": "*.csv"}],
            "backtest": {"span_rows": ROWS, "eval_fraction": 0.2, "seed": 0},
        }
    )


def _window_spans(ws: Workspace, run_id: str) -> list[int]:
    """The span numbers the run's training window held."""
    query = ExecutionQuery(context=ContextRef("run", run_id))
    for execution in ws.metadata.executions(query):
        if execution.kind in ("window", "ingest"):
            numbers = [
                int(ws.metadata.get_artifact(e.artifact_id).properties["number"])
                for e in ws.metadata.events(execution_id=execution.id)
                if e.kind is EventKind.INPUT and e.name == "span"
            ]
            return sorted(numbers)
    raise AssertionError(f"run {run_id} has no window step")


def _stream(
    ws: Workspace,
    tmp_path: Path,
    parts: list[pa.Table],
    after_first: Callable[[Workspace], None] | None = None,
) -> list[dict[str, Any]]:
    """Drop each part in the watched folder and tick once: what each tick did, and its log."""
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    lines: list[str] = []
    ctl = Controller(
        ws,
        _policy(),
        clock=ManualClock(T0),
        params={"requests": 5},
        rollouts=rollout_requester(ws.metadata),
        log=lines.append,
        base=tmp_path,
    )
    out = []
    for n, part in enumerate(parts, start=1):
        pcsv.write_csv(part, incoming / f"elec2-{n:02d}.csv")
        tick = ctl.tick()
        assert len(tick.jobs) == 1, f"file {n}: one retrain per new file, got {tick.jobs}"
        (job,) = tick.jobs
        spans = _window_spans(ws, job.run_id) if job.run_id else []
        out.append({"job": job, "spans": spans, "log": "\n".join(lines)})
        lines.clear()
        if n == 1 and after_first is not None:
            after_first(ws)
    return out


def _controller_log(ticks: list[dict[str, Any]]) -> list[tuple[list[int], bool]]:
    """(spans trained on, promoted) of each retrain that trained."""
    return [
        (t["spans"], bool(t["job"].outcome["blessed"]))
        for t in ticks
        if t["job"].status is JobStatus.COMPLETE
    ]


def _backtest_log(table: pa.Table) -> list[tuple[list[int], bool]]:
    result = run_backtest(table, _policy(), span_rows=ROWS, seed=0, baselines=())
    refused = {d.trained_spans[1] for d in result.decisions if d.refused}
    return [
        (
            [n for n in range(d.trained_spans[0], d.trained_spans[1] + 1) if n not in refused],
            d.blessed,
        )
        for d in result.decisions
        if not d.refused
    ]


def _elec2(shared_data: Path) -> list[pa.Table]:
    table = pcsv.read_csv(shared_data / "elec2.csv.gz").slice(0, ROWS * FILES)
    return [table.slice(i * ROWS, ROWS) for i in range(FILES)]


def test_elec2_through_the_controller_agrees_with_the_backtest(
    shared_data: Path, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    parts = _elec2(shared_data)
    with new_workspace(tmp_path / "ws") as ws:
        ticks = _stream(ws, tmp_path, parts)
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        promoted = [v.number for v in registry.versions("elec2")]
        champion = registry.aliases("elec2")
    mine = _controller_log(ticks)
    assert len(mine) == FILES  # every clean span was trained on: none refused
    assert [spans for spans, _ in mine] == [[1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]
    assert promoted == list(range(1, sum(blessed for _, blessed in mine) + 1))
    assert champion == {"champion": promoted[-1]}
    # the replay retrains after each span but the last (whose rows it only serves), so the
    # controller's sixth retrain has no counterpart; the first five are the same decisions
    replayed = _backtest_log(pa.concat_tables(parts))
    assert len(replayed) == FILES - 1
    assert mine[: FILES - 1] == replayed
    assert not all(blessed for _, blessed in mine)  # the gate refused one: it was exercised


def _declare_nswprice_at_most_one(ws: Workspace) -> None:
    """A user declares that ``nswprice`` (normalised) is never above 1 (schema version 2)."""
    text = ws.schema("elec2").to_toml()
    head = "[columns.nswprice]\n"
    section = text[text.index(head) :].split("\n\n")[0]
    kept = [line for line in section.splitlines() if not line.startswith(("bounds", "min", "max"))]
    declared = "\n".join([*kept, 'bounds = "declared"', "max = 1.0"])
    ws.data.save_schema("elec2", Schema.from_toml(text.replace(section, declared)))


def test_corrupt_spans_are_refused_by_name_and_the_loop_goes_on(
    shared_data: Path, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    parts = _elec2(shared_data)
    good = parts[3]
    column = good.column_names.index("nswprice")
    empty = good.set_column(column, "nswprice", pa.nulls(ROWS, pa.float64()))  # all null
    demand = good["nswdemand"].to_numpy().astype(object)
    demand[:500] = None  # nulls in a column that has none: it still fits, validation refuses it
    typed = good.set_column(
        good.column_names.index("nswdemand"), "nswdemand", pa.array(demand, pa.float64())
    )
    prices = good["nswprice"].to_numpy().copy()
    prices[:500] = 5.0  # 10 % above the declared bound
    bound = good.set_column(column, "nswprice", pa.array(prices))
    stream = [*parts[:3], empty, typed, bound, *parts[3:]]  # spans 4, 5 and 6 are corrupt
    with new_workspace(tmp_path / "ws") as ws:
        ticks = _stream(ws, tmp_path, stream, after_first=_declare_nswprice_at_most_one)
        assert quarantined(ws.metadata, "elec2").keys() == {4, 5, 6}
    for n, column_name in ((4, "nswprice"), (5, "nswdemand"), (6, "nswprice")):
        job = ticks[n - 1]["job"]
        assert job.status is JobStatus.FAILED
        assert f"span elec2:{n} has" in str(job.error)
        assert column_name in str(job.error)
    mine = _controller_log(ticks)
    # the loop went on with the next good span, and never trained on a refused one
    assert [spans for spans, _ in mine] == [[1], [1, 2], [2, 3], [3, 7], [7, 8], [8, 9]]
    # the replay of the same rows (the all-null span only: one Arrow table cannot hold a
    # column of two types) refuses span 4 and leaves it out of later windows likewise
    replayed = _backtest_log(pa.concat_tables([*parts[:3], empty, *parts[3:]]))
    assert [spans for spans, _ in replayed] == [[1], [1, 2], [2, 3], [3, 5], [5, 6]]
