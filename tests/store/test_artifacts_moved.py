"""Recorded locations are relative to the store root, so a store can move; older absolute URIs
still resolve, under the current root or, after a move, by their key."""

from __future__ import annotations

import shutil
from pathlib import Path

import fsspec
import pytest

from driftline.core.errors import ArtifactNotFoundError, InvalidKeyError
from driftline.store.artifacts import ArtifactStore
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

artifact_case = cases.artifact_case


def _move(case: StoreCase, tmp_path: Path) -> ArtifactStore:
    """Copy the whole store to a new root, remove the old one; the store at the new root."""
    old = case.store
    if case.kind == "local":
        root = Path(str(case.extra["root"]))
        new = tmp_path / "restored" / "artifacts"
        shutil.copytree(root, new)
        for path in root.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(root)
        return ArtifactStore(str(new))
    if case.kind == "memory":
        fs = fsspec.filesystem("memory")
        source = old.root_uri.removeprefix("memory://")
        fs.copy(f"/{source}", f"/{source}-moved", recursive=True)
        fs.rm(f"/{source}", recursive=True)
        return ArtifactStore(f"{old.root_uri}-moved")
    bucket = str(case.extra["bucket"])
    client = case.extra["client"]
    for key in old.list_keys():
        source = {"Bucket": bucket, "Key": f"ws/artifacts/{key}"}
        client.copy_object(Bucket=bucket, Key=f"moved/{key}", CopySource=source)  # type: ignore[attr-defined]
        client.delete_object(**source)  # type: ignore[attr-defined]
    return ArtifactStore(f"s3://{bucket}/moved", storage_options=case.extra["options"])  # type: ignore[arg-type]


def test_what_is_recorded_is_relative_and_survives_a_move(
    artifact_case: StoreCase, tmp_path: Path
) -> None:
    store = artifact_case.store
    key = store.new_key("span", "elec2.parquet")
    obj = store.put_bytes(key, b"PAR1 rows")
    other = store.put_bytes("notes/hello.txt", b"hello")
    assert (obj.uri, other.uri) == (f"artifact:{key}", "artifact:notes/hello.txt")
    old_uri = store.uri_for(key)  # what an older driftline recorded
    assert old_uri == store.uri_for(obj.uri) == f"{store.root_uri}/{key}"

    moved = _move(artifact_case, tmp_path)
    with moved:
        assert moved.root_uri != store.root_uri
        assert moved.read_bytes(obj.uri, obj.sha256) == b"PAR1 rows"
        assert moved.read_bytes(other.uri, other.sha256) == b"hello"
        assert moved.verify(obj.uri, obj.sha256) == obj
        # an absolute URI recorded under the old root names the same key in the new one
        assert moved.key_for(old_uri) == key
        assert moved.read_bytes(old_uri, obj.sha256) == b"PAR1 rows"
        # a key of another layout recorded under the old root cannot be told from a stranger's
        with pytest.raises(InvalidKeyError, match="not under the artifact store root"):
            moved.read_bytes(store.uri_for("notes/hello.txt"), other.sha256)
    with pytest.raises(ArtifactNotFoundError):
        store.read_bytes(obj.uri, obj.sha256)  # nothing is left at the old root


KEY = "model/2026/05/01/" + "0123456789abcdef" * 2 + "-m.skops"


@pytest.mark.parametrize(
    "recorded",
    [
        f"artifact:{KEY}",
        f"file:///gone/ws/.driftline/artifacts/{KEY}",
        f"/gone/ws/artifacts/{KEY}",
        f"s3://old-bucket/prefix/{KEY}",
        f"memory://old/{KEY}",
        f"file://localhost/gone/artifacts/{KEY}",
    ],
)
def test_a_location_under_any_old_root_names_its_key_here(recorded: str, tmp_path: Path) -> None:
    with ArtifactStore(str(tmp_path / "artifacts")).create() as store:
        assert store.key_for(recorded) == KEY
        stored = store.put_bytes(KEY, b"weights")
        assert store.read_bytes(recorded, stored.sha256) == b"weights"


@pytest.mark.parametrize(
    "recorded",
    [
        "file:///gone/artifacts/notes/hello.txt",  # not driftline's key layout
        "file:///gone/artifacts/model/2026/05/01/notahexid-m.skops",
        "file:///etc/passwd",
        "/gone/../etc/model/2026/05/01/" + "0" * 32 + "-m.skops",
        "s3://bucket/.tmp/2026/05/01/" + "0" * 32 + "-m.skops",
        "artifact:../outside",
        "artifact:/etc/passwd",
        "artifact:",
    ],
)
def test_what_names_no_key_is_refused(recorded: str, tmp_path: Path) -> None:
    with (
        ArtifactStore(str(tmp_path / "artifacts")).create() as store,
        pytest.raises(InvalidKeyError),
    ):
        store.key_for(recorded)


def test_writes_take_keys_and_uris_of_this_root_only(tmp_path: Path) -> None:
    with ArtifactStore(str(tmp_path / "artifacts")).create() as store:
        here = store.put_bytes(store.uri_for(KEY), b"a")
        assert here.key == KEY
        with pytest.raises(InvalidKeyError, match="not under the artifact store root"):
            store.put_bytes(f"file:///gone/artifacts/{KEY.replace('m.skops', 'n.skops')}", b"b")
        assert store.list_keys() == [KEY]
        again = store.put_bytes(f"artifact:{KEY}.copy", b"c")
        assert again.uri == f"artifact:{KEY}.copy"
