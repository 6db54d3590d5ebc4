"""Crash safety: a real child process killed with SIGKILL in the middle of a large write.

The child streams tens of MiB into ``store.writer(key)`` in 1 MiB chunks and, half-way, waits for
one byte on stdin. The parent watches the unfinished write grow (polling ``temp_files()`` against a
deadline), then either kills the child or, in the control run, lets it finish.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time

import pytest

from driftline.store.artifacts import ArtifactStore
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

artifact_case = cases.artifact_case

pytestmark = pytest.mark.slow

MIB = 2**20
TOTAL_MIB = 40
PAUSE_MIB = 24
CHUNK = bytes(range(256)) * (MIB // 256)
DEADLINE = 60.0

CHILD = """
import json, sys
from driftline.store.artifacts import ArtifactStore
url, options, key = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
total, pause = int(sys.argv[4]), int(sys.argv[5])
chunk = bytes(range(256)) * (2**20 // 256)
with ArtifactStore(url, storage_options=options or None) as store:
    with store.writer(key) as out:
        for i in range(total):
            if i == pause:
                print("paused", flush=True)
                if sys.stdin.buffer.read(1) != b"g":
                    raise SystemExit("told to stop")
            out.write(chunk)
    print(out.result.sha256, flush=True)
"""

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("s3", id="s3", marks=pytest.mark.s3),
]


def child(case: StoreCase, key: str) -> subprocess.Popen[bytes]:
    options = case.extra.get("options") or {}
    args = [case.store.url, json.dumps(options), key, str(TOTAL_MIB), str(PAUSE_MIB)]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def unfinished_bytes_reach(
    store: ArtifactStore, minimum: int, proc: subprocess.Popen[bytes]
) -> int:
    """Poll the store's unfinished writes until they hold ``minimum`` bytes (or fail)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        size = sum(temp.size for temp in store.temp_files())
        if size >= minimum:
            return size
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the writer exited early ({proc.returncode}): {err.decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"the unfinished write reached only {size} of {minimum} bytes")
        time.sleep(0.02)


def visible(case: StoreCase) -> set[str]:
    """Everything in the raw storage except unfinished writes."""
    return {p for p in case.snapshot() if ".tmp" not in p and not p.startswith("upload:")}


def minimum_unfinished(case: StoreCase) -> int:
    if case.kind == "s3":  # only whole parts are on the server; the rest is in the child
        part = int(case.extra["options"]["default_block_size"])  # type: ignore[index]
        return (PAUSE_MIB * MIB // part) * part
    return PAUSE_MIB * MIB


@pytest.mark.parametrize("artifact_case", BACKENDS, indirect=True)
def test_a_writer_killed_mid_write_leaves_only_an_unfinished_write(
    artifact_case: StoreCase,
) -> None:
    store = artifact_case.store
    existing = store.put_bytes("existing/model.bin", b"keep me")
    keys_before, visible_before = store.list_keys(), visible(artifact_case)
    key = "spans/big/part-0.bin"
    with child(artifact_case, key) as proc:
        try:
            grown = unfinished_bytes_reach(store, minimum_unfinished(artifact_case), proc)
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert grown >= minimum_unfinished(artifact_case)

    assert not store.exists(key)
    assert store.list_keys() == keys_before
    assert visible(artifact_case) == visible_before
    assert store.read_bytes(existing.uri, existing.sha256) == b"keep me"
    leftovers = store.temp_files()
    assert len(leftovers) == 1
    assert leftovers[0].size >= minimum_unfinished(artifact_case)
    if artifact_case.kind == "local":  # moto dates every upload 2010, so only local ages work
        assert store.clean_temp(3600) == 0
    assert store.clean_temp(0) == 1
    assert store.temp_files() == []
    assert store.list_keys() == keys_before

    obj = store.put_bytes(key, b"written again, whole")  # the key was never taken
    assert store.read_bytes(obj.uri, obj.sha256) == b"written again, whole"


@pytest.mark.parametrize("artifact_case", BACKENDS, indirect=True)
def test_the_same_writer_left_alone_commits_the_whole_artifact(
    artifact_case: StoreCase,
) -> None:
    store = artifact_case.store
    key = "spans/big/part-0.bin"
    with child(artifact_case, key) as proc:
        unfinished_bytes_reach(store, minimum_unfinished(artifact_case), proc)
        assert not store.exists(key)
        out, err = proc.communicate(b"g", timeout=DEADLINE)
    assert proc.returncode == 0, err.decode()[-2000:]
    expected = hashlib.sha256(CHUNK * TOTAL_MIB).hexdigest()
    assert out.decode().split() == ["paused", expected]
    assert store.verify(key, expected).size == TOTAL_MIB * MIB
    assert store.list_keys() == [key]
    assert store.temp_files() == []
