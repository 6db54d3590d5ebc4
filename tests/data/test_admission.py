"""The door check: a span whose columns do not fit the dataset is refused, or stored quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError
from driftline.data.admission import SchemaChangeError
from driftline.data.quarantine import quarantine, quarantined, usable_reference
from driftline.store.queries import ExecutionQuery
from driftline.workspace import Workspace
from tests.conftest import Run
from tests.data.ingest_helpers import state

COLUMNS = [f"c{i}" for i in range(8)]


def _nine(path: Path, seed: int, rows: int = 200) -> Path:
    """A CSV file of the 9-column dataset: c0..c7 (numbers, c7 words) and a label."""
    rng = np.random.default_rng(seed)
    lines = [",".join([*COLUMNS, "label"])]
    for i in range(rows):
        numbers = [f"{v:.4f}" for v in rng.normal(size=6)]
        lines.append(",".join([str(i), *numbers, ["red", "blue"][i % 2], str(i % 2)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wide(path: Path, columns: int) -> Path:
    header = ",".join(f"w{i}" for i in range(columns))
    row = ",".join(str(i) for i in range(columns))
    path.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    return path


@pytest.fixture
def nine(ws: Workspace, tmp_path: Path, request: pytest.FixtureRequest) -> Workspace:
    """Dataset ``d`` with span 1 of the 9-column file (and a schema when parametrised so)."""
    ws.ingest("d", _nine(tmp_path / "one.csv", 1), label="label")
    if getattr(request, "param", False):
        ws.infer_schema("d")
    return ws


def ws_path(tmp_path: Path) -> Path:
    """The folder of the ``ws`` fixture's workspace."""
    return tmp_path / "ws"


def _cli(run: Run, tmp_path: Path, *args: str) -> tuple[int, str]:
    """Run the CLI on the workspace of the ``ws`` fixture (``tmp_path / "ws"``)."""
    res = run(*args, "-w", str(ws_path(tmp_path)))
    return res.code, res.out + res.err


@pytest.mark.parametrize("nine", [False, True], indirect=True, ids=["by-span", "by-schema"])
@pytest.mark.parametrize("shape", ["two", "one", "wide"])
def test_a_file_that_does_not_fit_is_refused_naming_its_columns(
    nine: Workspace, run: Run, tmp_path: Path, shape: str
) -> None:
    ws = nine
    if shape == "two":
        path = tmp_path / "two.csv"
        path.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    elif shape == "one":
        path = tmp_path / "one_column.csv"
        path.write_text("a\n1\n2\n", encoding="utf-8")
    else:
        path = _wide(tmp_path / "wide.csv", 5000)
    before = state(ws)
    code, out = _cli(run, tmp_path, "ingest", "d", str(path), "--label", "label")
    assert code == 1, out
    message = " ".join(out.split())
    assert str(path.name) in message
    assert "nothing was stored" in message
    assert "'c0': missing (was numeric (int64))" in message
    assert "'c7': missing (was categorical (string))" in message
    assert "'label': the label is missing" in message
    new = "'a': new" if shape != "wide" else "'w0': new"
    assert new in message
    if shape == "wide":
        assert "5000 new" in message  # named up to 20, then counted
        assert "and 4980 more" in message
    assert "--allow-schema-change" in message
    assert state(ws) == before
    assert ws.artifacts.temp_files() == []
    assert ws.data.next_number("d") == 2


def test_allow_schema_change_stores_the_span_quarantined_and_records_it(
    nine: Workspace, run: Run, tmp_path: Path
) -> None:
    ws = nine
    path = tmp_path / "two.csv"
    path.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    res = run(
        "ingest", "d", str(path), "--allow-schema-change", "--json", "-w", str(ws_path(tmp_path))
    )
    assert res.code == 0, res.err
    shown = json.loads(res.out)
    assert shown["number"] == 2
    assert "'c0': missing" in shown["quarantined"]
    span = ws.metadata.get_artifact(ws.span("d", 2).artifact_id)
    assert span.properties["admission"]["allow_schema_change"] is True
    assert span.properties["admission"]["against"] == "span d:1"
    assert "'a': new, numeric (int64)" in span.properties["admission"]["changes"]
    (execution,) = [
        e
        for e in ws.metadata.executions(ExecutionQuery(kind="ingest"))
        if e.properties.get("span") == 2
    ]
    assert execution.parameters["allow_schema_change"] is True
    assert execution.properties["schema_change"]["changes"]
    assert list(quarantined(ws.metadata, "d")) == [2]
    code, out = _cli(run, tmp_path, "spans", "d")
    assert code == 0
    assert "quarantined" in out
    # the next span is compared with span 1, the newest span not quarantined
    code, out = _cli(run, tmp_path, "ingest", "d", str(_nine(tmp_path / "three.csv", 3)))
    assert code == 0, out
    assert ws.metadata.get_artifact(ws.span("d").artifact_id).properties["admission"] == {
        "against": "span d:1",
        "changes": [],
        "allow_schema_change": False,
    }


def test_a_fitting_span_with_wider_numbers_is_no_change_but_another_kind_is(
    ws: Workspace,
) -> None:
    ws.ingest("n", pa.table({"x": [1, 2, 3], "y": ["a", "b", "a"]}))
    ws.ingest("n", pa.table({"x": [1.5, 2.0, 3.5], "y": ["a", "b", "c"]}))  # int64 → double
    ws.infer_schema("n")
    ws.ingest("n", pa.table({"x": [4, 5], "y": pa.array(["a", "b"], pa.large_string())}))
    ws.ingest("n", pa.table({"x": pa.nulls(2), "y": ["a", "b"]}))  # no value: left to validation
    assert ws.validate("n", "n:4").blocking  # ...where an empty column blocks
    before = state(ws)
    with pytest.raises(SchemaChangeError, match=r"'x': retyped from numeric \(double\) to"):
        ws.ingest("n", pa.table({"x": ["high", "low"], "y": ["a", "b"]}))
    assert state(ws) == before


def test_a_label_other_than_the_datasets_is_a_change(ws: Workspace) -> None:
    ws.ingest("l", pa.table({"x": [1, 2], "y": [0, 1]}), label="y")
    with pytest.raises(SchemaChangeError, match=r"'x': named as the label, but the label is 'y'"):
        ws.ingest("l", pa.table({"x": [1, 2], "y": [0, 1]}), label="x")


def test_release_puts_a_span_back_until_it_is_quarantined_again(
    nine: Workspace, run: Run, tmp_path: Path
) -> None:
    ws = nine
    path = tmp_path / "two.csv"
    path.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    ws.ingest("d", path, allow_schema_change=True)
    code, out = _cli(run, tmp_path, "spans", "release", "d:1")
    assert code == 2
    assert "d:1 is not quarantined" in out
    code, out = _cli(run, tmp_path, "spans", "release", "d:2", "--reason", "checked by hand")
    assert code == 0, out
    assert "released d:2" in out
    assert quarantined(ws.metadata, "d") == {}
    (released,) = ws.metadata.executions(ExecutionQuery(kind="release"))
    assert released.properties["reason"] == "checked by hand"
    assert released.properties["by"]
    quarantine(ws.metadata, ws.span("d", 2), "held again")
    assert quarantined(ws.metadata, "d") == {2: "held again"}
    code, out = _cli(run, tmp_path, "spans", "release", "d2")
    assert code == 2
    assert "DATASET:N" in out


def test_a_quarantined_span_is_never_a_drift_reference(nine: Workspace, tmp_path: Path) -> None:
    ws = nine
    ws.ingest("d", _nine(tmp_path / "two.csv", 2), label="label")
    bad = ws.read_span(ws.span("d", 1), "all").drop_columns(["c1"])
    ws.ingest("d", bad, allow_schema_change=True)
    current = str(_nine(tmp_path / "now.csv", 4))
    found = usable_reference(ws.data, ws.data.resolve("d"))
    assert found.span is not None
    assert found.span.number == 2  # DATASET: the newest span not quarantined, not span 3
    report = ws.drift("d", current)
    assert report.compared_columns
    assert report.to_json() == ws.drift("d:2", current).to_json()
    with pytest.raises(InputError, match=r"names span d:3, which is quarantined"):
        ws.drift("d:3", current)
    with pytest.raises(InputError, match=r"names span d:3, which is quarantined"):
        ws.drift(str(ws.span("d", 3).artifact_id), current)
    ws.drift(current, "d:3")  # as the data compared, a quarantined span may be looked at
