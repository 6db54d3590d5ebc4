"""Worker processes: calls and answers, errors kept, a dead worker said clearly, no main guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftline.core.errors import InputError, ServiceError
from driftline.core.process_pool import ProcessPool


def test_calls_run_in_other_processes_and_answer() -> None:
    with ProcessPool(2) as pool:
        pids = {pool.submit(os.getpid).result() for _ in range(6)}
        assert os.getpid() not in pids
        assert 1 <= len(pids) <= 2
        assert pool.submit(divmod, 17, 5).result() == (3, 2)
        assert pool.submit(print, "this goes to stderr").result() is None  # no broken answer
        assert pool.submit(sorted, [3, 1, 2]).result() == [1, 2, 3]


def test_an_error_comes_back_as_itself() -> None:
    from driftline.monitor.windows import check_window_length

    with ProcessPool(1) as pool:
        with pytest.raises(InputError, match="window must be a timedelta"):
            pool.submit(check_window_length, 5).result()
        assert pool.submit(abs, -2).result() == 2  # the worker lives on


def test_a_worker_that_dies_fails_its_call_and_every_later_one() -> None:
    with ProcessPool(1) as pool:
        with pytest.raises(ServiceError, match="worker process stopped"):
            pool.submit(os._exit, 3).result()
        assert not pool.usable
        with pytest.raises(ServiceError):
            pool.submit(abs, -1).result()


def test_a_closed_pool_refuses_calls() -> None:
    pool = ProcessPool(1)
    pool.close()
    with pytest.raises(ServiceError, match="closed"):
        pool.submit(abs, -1).result()
    with pytest.raises(ValueError, match="at least 1"):
        ProcessPool(0)


def test_a_script_without_a_main_guard_can_use_the_pool(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import os\n"
        "from driftline.core.process_pool import ProcessPool\n"
        "print('script ran in', os.getpid())\n"
        "with ProcessPool(2) as pool:\n"
        "    print('answer', pool.submit(pow, 2, 10).result())\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.count("script ran in") == 1  # the workers never ran the script
    assert "answer 1024" in done.stdout
