"""About 25 hostile files through ``ingest``, ``profile``, ``validate`` and ``drift`` on the CLI.

Each command either reads the file correctly (and says what it detected: ``read NAME as CSV:
delimiter ';', header row, 3 columns``) or refuses it with one line naming the file, the line or
the column; never a traceback; exit codes as documented (0, 1 for a blocking validation, 2 for
bad input); nothing stored changes when a command refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.hostile import CASES, GOOD, make, stored
from tests.reliability.trials import Trial

INGESTS = {
    "bom": 40,
    "crlf": 40,
    "five_mb_field": 6,
    "gzip_csv": 40,
    "inf_nan": 5,
    "nul_bytes": 41,
    "quoted_newlines": 7,
    "semicolons": 20,
    "tsv": 10,
}
"""The cases that ingest as they are, with their rows; every other case is refused by ingest."""

SAID = {
    "binary_garbage": "is not a text (CSV) file",
    "blank_lines": "is empty",
    "directory": "holds no data files",
    "duplicate_columns": "more than one column named 'x'",
    "empty": "is empty",
    "gzip_named_csv": "is gzip-compressed",
    "header_only": "has no data rows",
    "latin1": "--encoding latin-1",
    "ragged_rows": "line 42 has 4 fields where the header has 3",
    "symlink_loop": "symbolic link to nothing",
    "truncated_parquet": "cannot read",
}
"""What the refusal of ingest says, for the cases refused whatever the dataset holds."""

FIXES = {
    "latin1": (["--encoding", "latin-1"], 10),
    "no_header": (["--column-names", "x,y,label"], 20),
}
"""Cases refused as they are that ingest with the option the refusal names (and their rows)."""


def _check(res: Any, path: Path, command: str) -> str:
    """Assert one command's outcome is as documented; return 'ok' or 'refused'."""
    text = res.out + res.err
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert "RuntimeWarning" not in text, text
    assert res.code in (0, 1, 2), (res.code, text)
    if res.code == 0:
        return "ok"
    if command == "validate" and res.code == 1:  # a blocking validation: the report names columns
        assert "column" in res.out, res.out
        return "refused"
    lines = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res.err
    line = lines[0]
    assert path.name in line or "line " in line or "column" in line, line
    return "refused"


@pytest.fixture
def dataset(run: Any, tmp_path: Path) -> Path:
    """A workspace whose dataset ``d`` has one good span (x, y, label) and a schema."""
    folder = tmp_path / "ws"
    assert run("init", str(folder)).code == 0
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    res = run("ingest", "d", str(good), "--label", "label", "-w", str(folder))
    assert res.code == 0, res.err
    assert run("schema", "infer", "d", "-w", str(folder)).code == 0
    return folder


SLOW = {"many_columns"}
"""Cases that take more than a few seconds (5,000 columns profiled three times)."""


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c in SLOW else c for c in CASES]
)
def test_a_hostile_file_is_read_right_or_refused_naming_where(
    case: str, trial: Trial, run: Any, dataset: Path, tmp_path: Path
) -> None:
    trial.tries(
        f"{len(CASES)} hostile files (empty, ragged, Latin-1, NUL bytes, a 5 MB field, no "
        "header, 5,000 columns, nested or truncated Parquet, binary garbage...) through "
        "ingest, profile, validate and drift"
    )
    path = make(case, tmp_path / "in")
    ws = ["-w", str(dataset)]
    outcomes = {}
    for command in (
        ["ingest", "d", str(path)],
        ["profile", str(path), "--json", "-"],
        ["validate", "d", str(path)],
        ["drift", "d", str(path), "--no-record"],
    ):
        with trial.attempt():
            before = stored(dataset)
            res = run(*command, *ws)
            outcome = _check(res, path, command[0])
            if outcome == "refused":
                assert stored(dataset) == before, f"{command[0]} changed the store on refusal"
                trial.lost(0)
            outcomes[command[0]] = (outcome, res)
    ingest, res = outcomes["ingest"]
    if case in INGESTS:
        assert ingest == "ok", res.err
        assert f"{INGESTS[case]:,} rows" in res.out
        assert f"read {path.name} as CSV: delimiter" in res.err  # what was detected is said
    else:
        assert ingest == "refused", res.out
        if case in SAID:
            assert SAID[case] in res.err, res.err
    if case in FIXES:
        extra, rows = FIXES[case]
        with trial.attempt():
            fixed = run("ingest", "d", str(path), *extra, *ws)
            assert fixed.code == 0, fixed.err
            assert f"{rows:,} rows" in fixed.out
    trial.found(
        f"{case}: "
        + ", ".join(f"{c} {o} (exit {r.code})" for c, (o, r) in outcomes.items())
        + "; no traceback"
    )


def test_what_was_detected_is_recorded_with_the_ingest(
    trial: Trial, run: Any, dataset: Path, tmp_path: Path
) -> None:
    trial.tries("a semicolon file ingested: the detected dialect in the ingest's parameters")
    from driftline.store.queries import ExecutionQuery
    from driftline.workspace import Workspace

    path = make("semicolons", tmp_path / "in")
    with trial.attempt():
        res = run("ingest", "d", str(path), "-w", str(dataset))
        assert res.code == 0, res.err
        assert "read semi.csv as CSV: delimiter ';', header row, 3 columns" in res.err
        with Workspace.open(str(dataset)) as ws:
            runs = ws.metadata.executions(ExecutionQuery(kind="ingest"))
        last = max(runs, key=lambda e: e.id)
        (read,) = last.parameters["read_as"]
        assert (read["delimiter"], read["header"], read["columns"]) == (";", True, 3)
    trial.found("delimiter ';', header row, 3 columns: printed and recorded")


def test_infinite_values_are_counted_apart_with_a_warning(
    trial: Trial, run: Any, tmp_path: Path
) -> None:
    trial.tries("profile a column of inf, -inf, 1e308, -1e308 and NaN")
    path = make("inf_nan", tmp_path / "in")
    with trial.attempt():
        res = run("profile", str(path), "--json", "-", "-w", str(tmp_path / "none"))
        assert res.code == 0, res.err
        assert "RuntimeWarning" not in res.err
        assert "column 'x' has 2 infinite values" in res.err
        (x,) = [c for c in json.loads(res.out)["columns"] if c["name"] == "x"]
        assert x["infinite"] == 2
        assert (x["min"], x["max"]) == ("-Infinity", "Infinity")
        assert x["mean"] == 0.0  # of the two finite values, 1e308 and -1e308
    trial.found("2 infinite values counted apart and warned of; mean over the finite values")
