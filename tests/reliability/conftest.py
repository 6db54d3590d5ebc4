"""The reliability suite: every test here is marked ``reliability`` and reports a trial.

See :mod:`tests.reliability.trials` for the ``trial`` fixture and how the table of
``docs/reliability.md`` is made from the suite's own output.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.reliability.trials import WORKER_KEY, Trial, report_path, write_trials

_TRIALS: list[Trial] = []
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``reliability``."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(_HERE):
            item.add_marker(pytest.mark.reliability)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Note on the test's trial whether the test passed."""
    outcome = yield
    report = outcome.get_result()
    trial = getattr(item, "_trial", None)
    if trial is not None and report.when == "call":
        trial.passed = report.passed


@pytest.fixture
def trial(request: pytest.FixtureRequest) -> Trial:
    """This test's :class:`~tests.reliability.trials.Trial` (written out at the session's end)."""
    module = Path(str(request.node.fspath)).stem.removeprefix("test_")
    made = Trial(test=request.node.name, area=module)
    request.node._trial = made
    _TRIALS.append(made)
    return made


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the trials of the tests that ran (nothing when none did).

    A pytest-xdist worker hands them to the controller instead, which writes the trials of all
    its workers as one file (``pytest_testnodedown`` in ``tests/conftest.py``).
    """
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = [asdict(t) for t in _TRIALS]
    elif _TRIALS:
        write_trials(_TRIALS, report_path())
