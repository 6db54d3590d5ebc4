"""Turn the reliability suite's output into the table of ``docs/reliability.md``.

Run the suite, then write the table::

    .venv/bin/python -m pytest tests/reliability -n 2
    .venv/bin/python -m tests.reliability.table --write docs/reliability.md

The table goes between the ``<!-- reliability-table -->`` and ``<!-- /reliability-table -->``
lines of the document; the rest of it is left as it is. Runs of a parametrized test are summed
into one row.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from tests.reliability.trials import report_path

START, END = "<!-- reliability-table -->", "<!-- /reliability-table -->"


def _rows(trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for t in trials:
        name = re.sub(r"\[.*\]$", "", t["test"])
        row = merged.setdefault(
            (t["area"], name),
            {
                "area": t["area"],
                "test": name,
                "what": t["what"],
                "tried": 0,
                "survived": 0,
                "lost": 0,
                "findings": [],
                "passed": True,
            },
        )
        row["tried"] += t["tried"]
        row["survived"] += t["survived"]
        row["lost"] += t["losses"]
        row["findings"] += [f for f in t["findings"] if f not in row["findings"]]
        row["passed"] = row["passed"] and bool(t["passed"])
    return list(merged.values())


def render(trials: list[dict[str, Any]]) -> str:
    """The Markdown table of ``trials`` (as written by the suite), with a totals line."""
    rows = _rows(trials)
    lines = [
        "| area | test | what it tried | tried | survived | lost | what it found |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        found = "; ".join(r["findings"]) or ("passed" if r["passed"] else "FAILED")
        if not r["passed"]:
            found = f"FAILED: {found}"
        cells = [
            r["area"],
            f"`{r['test']}`",
            r["what"],
            str(r["tried"]),
            str(r["survived"]),
            str(r["lost"]),
            found,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    tried = sum(r["tried"] for r in rows)
    survived = sum(r["survived"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    lines.append(f"| **all** | {len(rows)} tests | | **{tried}** | **{survived}** | **{lost}** | |")
    return "\n".join(lines) + "\n"


def write(document: Path, table: str) -> None:
    """Put ``table`` between the markers of ``document``."""
    text = document.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{document} has no {START} ... {END} lines to put the table between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    document.write_text(f"{head}{START}\n{table}{END}{tail}", encoding="utf-8")


def main() -> None:
    """Print the table, or write it into a document (``--write``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=report_path(), help="the suite's JSON")
    parser.add_argument("--write", type=Path, help="the document to put the table in")
    args = parser.parse_args()
    trials = json.loads(args.input.read_text(encoding="utf-8"))
    table = render(trials)
    if args.write is None:
        print(table, end="")
    else:
        write(args.write, table)


if __name__ == "__main__":
    main()
