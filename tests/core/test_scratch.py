"""Scratch folders: removed when done; a killed process's are removed by the next process."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from driftline.core.scratch import scratch_folder, scratch_prefix, sweep_scratch


def test_a_folder_of_a_live_process_is_kept_and_of_a_dead_one_removed(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    theirs = tmp_path / (scratch_prefix("probe", child.pid) + "abc")
    (theirs / "model").mkdir(parents=True)
    mine = tmp_path / (scratch_prefix("model") + "def")
    elsewhere = tmp_path / "driftline-probe-999999999-0000beef-ghi"  # another host's: kept
    elsewhere.mkdir()
    mine.mkdir()
    other = tmp_path / "driftline-report.png"
    other.write_bytes(b"not a scratch folder")
    try:
        assert sweep_scratch(tmp_path) == 0  # its process is alive; mine is in use
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    assert sweep_scratch(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, other.name, elsewhere.name]
    )


def test_the_first_folder_of_a_process_sweeps_what_killed_ones_left(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from driftline.core.scratch import scratch_folder\n"
        "with scratch_folder('probe', root=sys.argv[1]) as folder:\n"
        "    (folder / 'sample.parquet').write_bytes(b'rows')\n"
        "    print(folder.name, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True)
    assert done.returncode == -9
    left = tmp_path / done.stdout.decode().strip()
    assert (left / "sample.parquet").exists()  # a killed process cannot clean up
    with scratch_folder("train", root=tmp_path) as folder:
        assert not left.exists()  # the next one did
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_finds_no_room_names_the_folder(tmp_path: Path) -> None:
    folder = scratch_folder("model", root=tmp_path)
    with pytest.raises(OSError, match="driftline-model-") as info, folder:
        raise OSError(errno.ENOSPC, "No space left on device")
    assert info.value.filename.startswith(str(tmp_path))
    with pytest.raises(ValueError, match="lower-case letters"), scratch_folder("../x"):
        pass
