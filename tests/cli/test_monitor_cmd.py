"""``driftline monitor``: live windows as a table, JSON and a self-contained HTML report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import driftline as dl
from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from tests.conftest import WorkspaceMaker

pytestmark = pytest.mark.slow  # one training run per backend, shared by the module's tests

START = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
HOURS = 3  # in the last hour, inputs a and c shrink towards the model's boundary
ROWS = 2000  # per hour


def _rows(rng: np.random.Generator, n: int, shrink: float = 1.0) -> tuple[pa.Table, np.ndarray]:
    """Four inputs, the label is a + c + noise > 0; ``shrink`` scales a and c (to the boundary)."""
    x = rng.normal(size=(n, 4))
    x[:, [0, 2]] *= shrink
    table = pa.table({name: x[:, i] for i, name in enumerate("abcd")})
    return table, ((x[:, 0] + x[:, 2] + rng.normal(0, 0.5, n)) > 0).astype(np.int64)


@pytest.fixture(scope="module")
def folder(
    module_new_workspace: WorkspaceMaker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A workspace with ``sensors:1`` trained, and three hours of its logged predictions."""
    rng = np.random.default_rng(11)
    path = tmp_path_factory.mktemp("monitor") / "ws"
    with module_new_workspace(path) as ws:
        table, label = _rows(rng, 3000)
        ws.ingest("sensors", table.append_column("label", pa.array(label)), label="label")
        params = {
            "dataset": "sensors",
            "model_name": "sensors",
            "trainer": "sklearn:LogisticRegression",
            "requests": 5,
        }
        ws.run(dl.steps.standard_pipeline(), params=params)
        model = ws.registry.load("sensors:1")
        truth = {}
        with PredictionLog(ws.metadata, ws.artifacts) as log:
            for hour in range(HOURS):
                batch, truth[hour] = _rows(rng, ROWS, shrink=0.25 if hour == HOURS - 1 else 1.0)
                at = START + timedelta(hours=hour, minutes=20)
                log.log("sensors", 1, f"hour-{hour}", batch, model.predict(batch), at=at)
        with FeedbackLog(ws.metadata, ws.artifacts) as feedback:  # the first hour's labels
            feedback.record("sensors", {"hour-0": truth[0].tolist()})
        yield str(path)


def test_one_line_per_window_and_notes_once(run: Any, folder: str) -> None:
    res = run("monitor", "sensors", "-w", folder)
    assert res.code == 0, res.err
    lines = res.out.splitlines()
    assert "sensors: 3 windows of 1h, 6,000 logged rows" in lines[0]
    rows = [line for line in lines if re.search(r"2026-05-01 1[0-2]:00", line)]
    assert len(rows) == HOURS
    assert "a, c" in rows[-1]  # the top drifted inputs of the moved hour
    assert "a, c" not in rows[0]
    assert "2,000" in rows[0].rsplit("│", 2)[1]  # the first hour's labels
    notes = [line for line in lines if line.startswith("note: ")]
    assert notes
    assert len(notes) == len(set(notes))


def test_json_gives_every_window_and_the_filters_apply(run: Any, folder: str) -> None:
    res = run("monitor", "sensors", "-w", folder, "--json")
    assert res.code == 0, res.err
    found = json.loads(res.out)
    assert (found["model"], found["window"], found["window_seconds"]) == ("sensors", "1h", 3600)
    windows = found["windows"]
    assert [w["rows"] for w in windows] == [ROWS] * HOURS
    assert windows[0]["drifted"] == []
    assert windows[-1]["drifted"] == ["a", "c"]
    assert windows[-1]["drift_share"] == 0.5
    assert windows[0]["estimated_accuracy"] > windows[-1]["estimated_accuracy"] + 0.05
    assert windows[0]["labelled_rows"] == ROWS
    assert windows[0]["realised_accuracy"] > 0.8
    assert windows[-1]["realised_accuracy"] is None

    later = json.loads(
        run("monitor", "sensors", "-w", folder, "--json", "--since", "2026-05-01T11:00").out
    )
    assert len(later["windows"]) == HOURS - 1
    day = json.loads(run("monitor", "sensors", "-w", folder, "--window", "1d", "--json").out)
    assert [w["rows"] for w in day["windows"]] == [ROWS * HOURS]
    one = json.loads(run("monitor", "sensors", "-w", folder, "--version", "1", "--json").out)
    assert len(one["windows"]) == HOURS


def test_html_report_is_self_contained_with_its_plots(
    run: Any, folder: str, tmp_path: Path
) -> None:
    page = tmp_path / "monitor.html"
    res = run("monitor", "sensors", "-w", folder, "--html", str(page))
    assert res.code == 0, res.err
    assert f"wrote {page}" in res.err
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"https?:", html)
    assert html.count('class="heat-map"') == 1
    assert html.count('class="cell drifted"') >= 2  # a and c in the moved hour
    assert html.count('class="accuracy-plot"') == 1
    assert html.count('class="mix-plot"') == 1
    table = html.split('<table class="windows">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == HOURS + 1  # the header and one row per window
    assert html.count('<details class="window">') == HOURS  # each window's inputs
    newest = html.split('<details class="window">', 2)[1]
    assert newest.count('<tr class="drifted">') == 2  # a and c, in the newest window first


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("monitor", "nosuch"), "nosuch"),
        (("monitor", "sensors", "--version", "9"), "9"),
        (("monitor", "sensors", "--window", "90m"), "--window"),
        (("monitor", "sensors", "--window", "soon"), "--window"),
        (("monitor", "sensors", "--since", "yesterday"), "--since"),
        (("monitor", "sensors", "--since", "2026-05-02", "--until", "2026-05-01"), "--until"),
    ],
)
def test_bad_input_exits_2_naming_it_and_changes_nothing(
    run: Any,
    folder: str,
    args: tuple[str, ...],
    named: str,
    stored: Callable[[Path], object],
) -> None:
    run("monitor", "sensors", "-w", folder)  # every window is stored already
    before = stored(Path(folder))
    res = run(*args, "-w", folder)
    assert res.code == 2, res.out + res.err
    assert named in res.err
    assert stored(Path(folder)) == before
