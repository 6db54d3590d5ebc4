"""Under pytest-xdist the trials of every worker end up in the one report the table is made from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TESTS = """
import os

from tests.reliability.trials import Trial


def _tried(trial: Trial, name: str, attempts: int) -> None:
    trial.tries(name)
    for _ in range(attempts):
        with trial.attempt():
            pass
    trial.found(os.environ["PYTEST_XDIST_WORKER"])


def test_{name}_a(trial: Trial) -> None:
    _tried(trial, "{name} a", {first})


def test_{name}_b(trial: Trial) -> None:
    _tried(trial, "{name} b", {first} + 1)
    assert "{name}" == "one", "this one fails"
"""


@pytest.mark.slow
def test_the_trials_of_two_workers_are_written_as_one_report(tmp_path: Path) -> None:
    for name, first in (("one", 1), ("two", 3)):  # a file for each worker (--dist loadfile)
        test = TESTS.format(name=name, first=first)
        (tmp_path / f"test_{name}.py").write_text(test, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    report = tmp_path / "build" / "reliability.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRIFTLINE_RELIABILITY_REPORT": str(report)}
    for var in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        env.pop(var, None)
    plugins = ("-p", "tests.conftest", "-p", "tests.reliability.conftest", "-p", "no:cacheprovider")
    xdist = ("-n", "2", "--dist", "loadfile")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, *xdist, "-q", "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # test_two_b fails on purpose
    assert "1 failed, 3 passed" in done.stdout, done.stdout
    rows = {r["test"]: r for r in json.loads(report.read_text(encoding="utf-8"))}
    assert sorted(rows) == ["test_one_a", "test_one_b", "test_two_a", "test_two_b"]
    assert [rows[t]["tried"] for t in sorted(rows)] == [1, 2, 3, 4]
    assert [rows[t]["passed"] for t in sorted(rows)] == [True, True, True, False]
    workers = sorted(rows[t]["findings"][0] for t in ("test_one_a", "test_two_a"))
    assert workers == ["gw0", "gw1"], rows  # the two files ran on two workers
