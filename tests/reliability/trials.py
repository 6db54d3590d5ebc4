"""What each reliability test tried and what it found, kept for ``docs/reliability.md``.

A test of the reliability suite takes the ``trial`` fixture and says what it tries, counts each
attempt, and records what it found::

    def test_killed_runs_resume(trial: Trial) -> None:
        trial.tries("SIGKILL `driftline run` at random moments, then `--resume`")
        for moment in moments:
            with trial.attempt():          # counted as tried; as survived when the block passes
                ...
        trial.lost(0)                      # acknowledged things lost (asserted 0 by the test)
        trial.found("every resume finished; every artifact verified")

At the end of the session the trials of the tests that ran are written as JSON to
``build/reliability.json`` (or ``$DRIFTLINE_RELIABILITY_REPORT``); ``python -m
tests.reliability.table`` turns that file into the table of ``docs/reliability.md``. Under
pytest-xdist (``-n 2``) each worker hands its trials to the controller (as its ``workeroutput``
under :data:`WORKER_KEY`), which writes the one file of the whole run (see ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["WORKER_KEY", "Trial", "report_path", "write_trials"]

WORKER_KEY = "reliability_trials"
"""The key of a pytest-xdist worker's ``workeroutput`` that holds its trials (as JSON objects)."""


def report_path() -> Path:
    """Where the session's trials are written."""
    default = Path(__file__).resolve().parents[2] / "build" / "reliability.json"
    return Path(os.environ.get("DRIFTLINE_RELIABILITY_REPORT", str(default)))


@dataclass
class Trial:
    """One reliability test: what it tried, how many attempts, how many survived, what was lost."""

    test: str
    area: str
    what: str = ""
    tried: int = 0
    survived: int = 0
    losses: int = 0
    findings: list[str] = field(default_factory=list)
    passed: bool | None = None

    def tries(self, what: str) -> None:
        """Say what this test tries (one line, the user's terms)."""
        self.what = what

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Count one attempt; it survived when the block finishes without an exception."""
        self.tried += 1
        yield
        self.survived += 1

    def lost(self, count: int) -> None:
        """Add ``count`` acknowledged things lost (a test asserts this stays 0)."""
        self.losses += count

    def found(self, text: str) -> None:
        """Record what the test found (a short sentence with figures)."""
        self.findings.append(text)


def write_trials(trials: Iterable[Trial | dict[str, Any]], path: Path) -> None:
    """Write ``trials`` to ``path`` as JSON (a list of objects, sorted by area and test).

    ``trials`` are :class:`Trial` objects, or the JSON objects of trials a worker handed over.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [t if isinstance(t, dict) else asdict(t) for t in trials]
    rows.sort(key=lambda r: (r["area"], r["test"]))
    path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
