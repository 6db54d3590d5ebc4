"""docs/reliability.md lists every test of the reliability suite (its table is the output)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.reliability.table import END, START, render

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE.parents[1] / "docs" / "reliability.md"


def _trial_tests() -> set[str]:
    names = set()
    for path in HERE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("test_")
                and any(a.arg == "trial" for a in node.args.args)
            ):
                names.add(node.name)
    return names


def test_the_document_has_a_row_for_every_reliability_test() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0]
    missing = sorted(n for n in _trial_tests() if f"`{n}`" not in table)
    assert not missing, (
        f"docs/reliability.md has no row for {missing}: run the suite, then "
        "`python -m tests.reliability.table --write docs/reliability.md`"
    )


def test_the_table_sums_parametrized_runs_and_marks_failures() -> None:
    runs = [
        {
            "test": "test_a[1]",
            "area": "x",
            "what": "w",
            "tried": 3,
            "survived": 3,
            "losses": 0,
            "findings": ["ok"],
            "passed": True,
        },
        {
            "test": "test_a[2]",
            "area": "x",
            "what": "w",
            "tried": 2,
            "survived": 1,
            "losses": 1,
            "findings": ["ok"],
            "passed": False,
        },
    ]
    table = render(runs)
    assert "| x | `test_a` | w | 5 | 4 | 1 | FAILED: ok |" in table
    assert "| **all** | 1 tests | | **5** | **4** | **1** | |" in table
