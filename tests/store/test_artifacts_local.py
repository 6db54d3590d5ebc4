"""The local-folder backend: symbolic links, file modes, URLs, unfinished writes, imports."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from driftline.core.errors import (
    ArtifactExistsError,
    ConflictError,
    IntegrityError,
    InvalidKeyError,
    ServiceError,
    URLError,
)
from driftline.store.artifacts import ACCEPTED_FORMS, ArtifactStore
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

local_case = cases.local_case
local_store = cases.local_store


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- symbolic links -------------------------------------------------------------------------


def test_a_folder_link_out_of_the_root_is_refused(local_case: StoreCase, tmp_path: Path) -> None:
    root = Path(str(local_case.extra["root"]))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    (root / "link").symlink_to(outside, target_is_directory=True)
    store = local_case.store
    with pytest.raises(InvalidKeyError, match=r"'link/new'.*outside the store root"):
        store.put_bytes("link/new", b"x")
    with pytest.raises(InvalidKeyError, match="link/sub/new"):
        store.put_bytes("link/sub/new", b"x")
    with pytest.raises(InvalidKeyError, match="link/secret"):
        store.read_bytes("link/secret", "0" * 64)
    with pytest.raises(InvalidKeyError):
        store.local_path("link/secret")
    with pytest.raises(InvalidKeyError):
        store.list_keys("link/")
    assert tree(outside) == {"secret"}
    assert store.list_keys() == []


def test_a_file_link_out_of_the_root_is_refused_and_not_listed(
    local_case: StoreCase, tmp_path: Path
) -> None:
    root = Path(str(local_case.extra["root"]))
    secret = tmp_path / "secret"
    secret.write_bytes(b"secret")
    (root / "leak").symlink_to(secret)
    with pytest.raises(InvalidKeyError, match="leak"):
        local_case.store.read_bytes("leak", "0" * 64)
    assert local_case.store.list_keys() == []
    with pytest.raises((InvalidKeyError, ArtifactExistsError)):
        local_case.store.put_bytes("leak", b"overwrite?")
    assert secret.read_bytes() == b"secret"


def test_links_that_stay_inside_the_root_are_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    store = ArtifactStore(str(tmp_path / "via"))  # the root itself is reached through a link
    obj = store.put_bytes("a/b/c.bin", b"abc")
    assert store.read_bytes(obj.key, obj.sha256) == b"abc"
    (real / "alias").symlink_to(real / "a", target_is_directory=True)  # made after a read
    assert store.read_bytes("alias/b/c.bin", obj.sha256) == b"abc"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "c.bin").write_bytes(b"abc")
    (real / "a" / "out").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidKeyError, match=r"'a/out/c.bin'.*outside the store root"):
        store.read_bytes("a/out/c.bin", obj.sha256)


def test_a_temp_folder_replaced_by_a_link_stops_writes(
    local_case: StoreCase, tmp_path: Path
) -> None:
    root = Path(str(local_case.extra["root"]))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / ".tmp").rmdir()
    (root / ".tmp").symlink_to(outside, target_is_directory=True)
    with pytest.raises(IntegrityError, match=r"\.tmp"):
        local_case.store.put_bytes("a.bin", b"x")
    assert tree(outside) == set()
    assert not local_case.store.exists("a.bin")


# -- files ----------------------------------------------------------------------------------


def test_committed_files_are_read_only(local_store: ArtifactStore) -> None:
    obj = local_store.put_bytes("a/b.bin", b"abc")
    path = local_store.local_path(obj.key)
    assert path is not None
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o222 == 0


def test_keys_that_collide_with_folders_are_refused(local_store: ArtifactStore) -> None:
    local_store.put_bytes("a", b"file")
    with pytest.raises(ArtifactExistsError, match="is an artifact, not a folder"):
        local_store.put_bytes("a/b", b"x")
    local_store.put_bytes("d/x", b"x")
    with pytest.raises(ArtifactExistsError, match="'d'"):
        local_store.put_bytes("d", b"x")
    assert local_store.list_keys() == ["a", "d/x"]
    assert local_store.temp_files() == []


# -- URLs -----------------------------------------------------------------------------------


def test_local_urls_are_normalised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ArtifactStore("rel/artifacts").root_uri == f"file://{tmp_path}/rel/artifacts"
    assert ArtifactStore(f"{tmp_path}/x/").root_uri == f"file://{tmp_path}/x"
    assert ArtifactStore(f"file://{tmp_path}/y").root_uri == f"file://{tmp_path}/y"
    assert ArtifactStore(f"file://localhost{tmp_path}/z").root_uri == f"file://{tmp_path}/z"
    assert ArtifactStore(str(tmp_path)).url == str(tmp_path)


@pytest.mark.parametrize(
    "url",
    ["gs://bucket/x", "http://example.com/a", "ftp://h/x", "s3a://bucket", "hdfs://nn/x"],
)
def test_unsupported_urls_name_the_url_and_the_accepted_forms(url: str) -> None:
    with pytest.raises(URLError) as caught:
        ArtifactStore(url)
    assert repr(url) in str(caught.value)
    assert ACCEPTED_FORMS in str(caught.value)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("", "non-empty"),
        ("file://relative/path", "absolute folder"),
        ("s3://", "bucket"),
        ("s3://UPPER/x", "bucket"),
        ("s3://ab", "bucket"),
        ("s3://bucket/../x", r"'\.\.'"),
        ("s3://bucket/a?x=1", r"'\?'"),
        ("memory://a/../b", r"'\.\.'"),
    ],
)
def test_malformed_urls_are_refused(url: str, match: str) -> None:
    with pytest.raises(URLError, match=match):
        ArtifactStore(url)


def test_storage_options_are_only_for_s3(tmp_path: Path) -> None:
    with pytest.raises(URLError, match="storage_options"):
        ArtifactStore(str(tmp_path), storage_options={"key": "k"})


def test_create_makes_the_root_or_says_why_not(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "a" / "b")).create()
    assert (tmp_path / "a" / "b" / ".tmp").is_dir()
    assert store.create() is store
    (tmp_path / "file").write_text("x")
    with pytest.raises(ServiceError, match="not a folder"):
        ArtifactStore(str(tmp_path / "file")).create()


# -- unfinished writes ----------------------------------------------------------------------


def test_a_write_in_progress_is_a_temp_file_that_an_old_age_spares(
    local_store: ArtifactStore,
) -> None:
    with local_store.writer("big.bin") as out:
        out.write(b"x" * 100_000)
        out.flush()
        temps = local_store.temp_files()
        assert len(temps) == 1
        assert temps[0].uri.startswith(local_store.root_uri + "/.tmp/")
        assert local_store.clean_temp(3600) == 0
        assert local_store.list_keys() == []
    assert local_store.temp_files() == []
    assert local_store.list_keys() == ["big.bin"]


def test_clean_temp_removes_old_leftovers_only(local_case: StoreCase) -> None:
    root = Path(str(local_case.extra["root"]))
    old, fresh = root / ".tmp" / "old", root / ".tmp" / "fresh"
    old.write_bytes(b"o")
    fresh.write_bytes(b"f")
    hour_ago = time.time() - 7200
    os.utime(old, (hour_ago, hour_ago))
    assert local_case.store.clean_temp(3600) == 1
    assert [t.uri for t in local_case.store.temp_files()] == [f"file://{fresh}"]
    assert local_case.store.clean_temp(0) == 1
    assert local_case.store.temp_files() == []


def test_cleaning_under_a_running_write_fails_that_write_cleanly(
    local_store: ArtifactStore,
) -> None:
    cleaned = []

    def write_while_cleaning() -> None:
        with local_store.writer("a.bin") as out:
            out.write(b"abc")
            cleaned.append(local_store.clean_temp(0))

    with pytest.raises(ConflictError, match="removed before it was committed"):
        write_while_cleaning()
    assert cleaned == [1]
    assert not local_store.exists("a.bin")
    assert local_store.temp_files() == []


# -- imports --------------------------------------------------------------------------------


def test_the_artifact_store_imports_no_database_library_and_no_s3fs(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from driftline.store.artifacts import ArtifactStore\n"
        "store = ArtifactStore(sys.argv[1]).create()\n"
        "obj = store.put_bytes('a', b'x')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "store")],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(out.stdout))
    assert "driftline" in loaded
    assert not loaded & {"sqlalchemy", "alembic", "s3fs", "aiobotocore", "botocore", "boto3"}
