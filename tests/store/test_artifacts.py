"""The artifact store contract, run against every backend: local folder, memory and S3 (moto)."""

from __future__ import annotations

import hashlib
import random
import threading
from pathlib import Path

import pytest

from driftline.core.errors import (
    ArtifactCorruptError,
    ArtifactExistsError,
    ArtifactNotFoundError,
    DriftlineError,
    InputError,
    InvalidKeyError,
)
from driftline.store.artifacts import ArtifactStore, StoredObject
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

artifact_case = cases.artifact_case
artifact_store = cases.artifact_store


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stream(
    store: ArtifactStore, key: str, chunks: list[bytes], fail: Exception | None = None
) -> StoredObject:
    """Write ``chunks`` through ``store.writer``, raising ``fail`` before the end if given."""
    with store.writer(key) as out:
        for chunk in chunks:
            out.write(chunk)
        if fail is not None:
            raise fail
    return out.result


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 1000, 11 * 2**20 + 7])
def test_put_then_read_returns_the_same_bytes_and_their_sha256(
    artifact_store: ArtifactStore, size: int
) -> None:
    data = payload(size, seed=size)
    key = "spans/elec2/00003/part-0.parquet"
    obj = artifact_store.put_bytes(key, data)
    assert obj == StoredObject(f"artifact:{key}", key, sha(data), size)
    assert artifact_store.read_bytes(obj.uri, obj.sha256) == data
    assert artifact_store.read_bytes(key, obj.sha256) == data
    assert artifact_store.exists(key)
    assert artifact_store.exists(obj.uri)
    assert artifact_store.size(key) == size
    assert artifact_store.list_keys() == [key]
    assert artifact_store.key_for(obj.uri) == key
    assert artifact_store.temp_files() == []


def test_uris_follow_the_documented_convention(artifact_case: StoreCase) -> None:
    store = artifact_case.store
    uri = store.uri_for("a/b.bin")
    expected_root = {
        "local": "file://" + str(artifact_case.extra.get("root")),
        "memory": store.root_uri,
        "s3": f"s3://{artifact_case.extra.get('bucket')}/ws/artifacts",
    }[artifact_case.kind]
    assert store.root_uri == expected_root
    assert uri == expected_root + "/a/b.bin"


def test_writer_streams_chunks_and_reports_the_result(artifact_store: ArtifactStore) -> None:
    chunks = [payload(300_000, seed=i) for i in range(25)]
    with artifact_store.writer("models/m.bin") as out:
        for chunk in chunks:
            assert out.write(chunk) == len(chunk)
        assert out.tell() == sum(map(len, chunks))
        assert not artifact_store.exists("models/m.bin")
    whole = b"".join(chunks)
    assert out.result == StoredObject(
        "artifact:models/m.bin", "models/m.bin", sha(whole), len(whole)
    )
    with artifact_store.open(out.result.uri, out.result.sha256) as reader:
        parts = []
        while block := reader.read(1 << 16):
            parts.append(block)
        assert reader.verified
    assert b"".join(parts) == whole


def test_writer_result_is_unavailable_until_committed(artifact_store: ArtifactStore) -> None:
    with artifact_store.writer("a.bin") as out:
        out.write(b"x")
        with pytest.raises(DriftlineError, match="not been committed"):
            _ = out.result
        out.close()
        with pytest.raises(ValueError, match="closed writer"):
            out.write(b"y")
    assert out.result.size == 1


def test_put_file_copies_a_local_file(artifact_store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "source.parquet"
    data = payload(3 * 2**20 + 5, seed=7)
    source.write_bytes(data)
    obj = artifact_store.put_file("spans/x/part-0.parquet", source)
    assert (obj.sha256, obj.size) == (sha(data), len(data))
    assert artifact_store.read_bytes(obj.key, obj.sha256) == data


def test_put_file_of_a_missing_file_names_it(artifact_store: ArtifactStore, tmp_path: Path) -> None:
    missing = tmp_path / "nope.parquet"
    with pytest.raises(InputError, match=r"nope\.parquet"):
        artifact_store.put_file("a.bin", missing)
    assert not artifact_store.exists("a.bin")


def test_verify_returns_what_is_stored(artifact_store: ArtifactStore) -> None:
    obj = artifact_store.put_bytes("a/b", b"abc")
    assert artifact_store.verify(obj.uri, obj.sha256.upper()) == obj


def test_new_key_is_unique_valid_and_usable(artifact_store: ArtifactStore) -> None:
    keys = {artifact_store.new_key("span", "elec2 part 0.parquet") for _ in range(50)}
    assert len(keys) == 50
    for key in list(keys)[:3]:
        assert key.startswith("span/")
        assert key.endswith("-elec2-part-0.parquet")
        artifact_store.put_bytes(key, b"x")
    with pytest.raises(InputError, match="kind"):
        artifact_store.new_key("../up", "x")


# -- immutability ---------------------------------------------------------------------------


def test_a_key_is_written_once(artifact_store: ArtifactStore) -> None:
    first = artifact_store.put_bytes("models/champion.skops", b"original")
    with pytest.raises(ArtifactExistsError, match=r"models/champion\.skops"):
        artifact_store.put_bytes("models/champion.skops", b"replacement")
    with pytest.raises(ArtifactExistsError, match=r"models/champion\.skops"):
        stream(artifact_store, "models/champion.skops", [b"replacement"])
    assert artifact_store.read_bytes(first.uri, first.sha256) == b"original"
    assert artifact_store.temp_files() == []


def test_of_two_overlapping_writers_only_the_first_to_commit_wins(
    artifact_store: ArtifactStore,
) -> None:
    first_data, second_data = payload(6 * 2**20, 1), payload(6 * 2**20, 2)
    results = []

    def overlap() -> None:
        with artifact_store.writer("shared.bin") as second:
            second.write(second_data)
            results.append(stream(artifact_store, "shared.bin", [first_data]))

    with pytest.raises(ArtifactExistsError, match=r"shared\.bin"):
        overlap()
    assert artifact_store.read_bytes("shared.bin", sha(first_data)) == first_data
    assert results[0].sha256 == sha(first_data)
    assert artifact_store.temp_files() == []


def test_racing_threads_store_exactly_one_version(artifact_store: ArtifactStore) -> None:
    datas = [payload(100_000, seed) for seed in range(8)]
    won: list[int] = []
    lost: list[int] = []
    barrier = threading.Barrier(len(datas))

    def race(i: int) -> None:
        barrier.wait()
        try:
            artifact_store.put_bytes("race.bin", datas[i])
        except ArtifactExistsError:
            lost.append(i)
        else:
            won.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(datas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(lost) == len(datas) - 1
    assert artifact_store.read_bytes("race.bin", sha(datas[won[0]])) == datas[won[0]]


# -- integrity ------------------------------------------------------------------------------


def test_corruption_is_detected_and_names_the_artifact(artifact_case: StoreCase) -> None:
    store = artifact_case.store
    data = payload(50_000, seed=3)
    obj = store.put_bytes("spans/elec2/00003/part-0.parquet", data)
    artifact_case.corrupt(obj.key)
    label = "artifact 42 (span elec2#3)"
    with pytest.raises(ArtifactCorruptError) as caught:
        store.read_bytes(obj.uri, obj.sha256, label=label)
    message = str(caught.value)
    assert label in message
    assert obj.sha256[:12] in message
    assert hashlib.sha256(data).hexdigest()[:12] in message
    with pytest.raises(ArtifactCorruptError, match=r"'spans/elec2/00003/part-0\.parquet'"):
        store.verify(obj.key, obj.sha256)


def test_corruption_is_detected_by_a_reader_that_stops_early(
    artifact_case: StoreCase,
) -> None:
    store = artifact_case.store
    obj = store.put_bytes("a.bin", payload(10_000))
    artifact_case.corrupt("a.bin")
    heads: list[bytes] = []

    def read_head(fail: bool) -> None:
        with store.open(obj.key, obj.sha256) as reader:
            heads.append(reader.read(10))
            if fail:
                raise KeyError("caller's own")

    with pytest.raises(ArtifactCorruptError, match=r"a\.bin"):
        read_head(fail=False)
    assert len(heads[0]) == 10
    with pytest.raises(KeyError, match="caller's own"):  # the caller's error is not replaced
        read_head(fail=True)


def test_a_wrong_expected_hash_is_reported_as_corruption(artifact_store: ArtifactStore) -> None:
    artifact_store.put_bytes("a.bin", b"abc")
    with pytest.raises(ArtifactCorruptError, match="expected SHA-256 000000000000"):
        artifact_store.read_bytes("a.bin", "0" * 64)
    with pytest.raises(InputError, match="64 hexadecimal"):
        artifact_store.read_bytes("a.bin", "abc")


def test_missing_artifacts_are_named(artifact_store: ArtifactStore) -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"span elec2#9"):
        artifact_store.read_bytes("spans/9.parquet", "0" * 64, label="span elec2#9")
    with pytest.raises(ArtifactNotFoundError, match=r"spans/9\.parquet"):
        artifact_store.size("spans/9.parquet")
    assert not artifact_store.exists("spans/9.parquet")


def test_local_path_is_only_for_local_stores(artifact_case: StoreCase) -> None:
    store = artifact_case.store
    obj = store.put_bytes("a/b.bin", b"abc")
    path = store.local_path(obj.uri, obj.sha256)
    if artifact_case.kind == "local":
        assert path is not None
        assert Path(path).read_bytes() == b"abc"
        artifact_case.corrupt("a/b.bin")
        with pytest.raises(ArtifactCorruptError):
            store.local_path(obj.uri, obj.sha256)
        with pytest.raises(ArtifactNotFoundError):
            store.local_path("a/missing.bin")
    else:
        assert path is None


# -- failures leave nothing -----------------------------------------------------------------


def test_a_writer_that_raises_leaves_nothing_visible(artifact_case: StoreCase) -> None:
    store = artifact_case.store
    store.put_bytes("keep.bin", b"keep")
    before = artifact_case.snapshot()
    with pytest.raises(RuntimeError, match="boom"):
        stream(store, "half.bin", [payload(12 * 2**20)], fail=RuntimeError("boom"))  # 2 S3 parts
    assert not store.exists("half.bin")
    assert store.list_keys() == ["keep.bin"]
    assert store.temp_files() == []
    assert artifact_case.snapshot() == before
    store.put_bytes("half.bin", b"now whole")  # the key was never taken
    assert store.read_bytes("half.bin", sha(b"now whole")) == b"now whole"


def test_list_keys_filters_by_prefix_and_sorts(artifact_store: ArtifactStore) -> None:
    for key in ["spans/b/2", "spans/a/1", "models/m", "spans/ab"]:
        artifact_store.put_bytes(key, key.encode())
    assert artifact_store.list_keys() == ["models/m", "spans/a/1", "spans/ab", "spans/b/2"]
    assert artifact_store.list_keys("spans/") == ["spans/a/1", "spans/ab", "spans/b/2"]
    assert artifact_store.list_keys("spans/a") == ["spans/a/1", "spans/ab"]
    assert artifact_store.list_keys("spans/a/") == ["spans/a/1"]
    assert artifact_store.list_keys("nothing/") == []
    with pytest.raises(InvalidKeyError):
        artifact_store.list_keys("../")


def test_clean_temp_rejects_a_negative_age(artifact_store: ArtifactStore) -> None:
    with pytest.raises(InputError, match="older_than_seconds"):
        artifact_store.clean_temp(-1)
    assert artifact_store.clean_temp(0) == 0
