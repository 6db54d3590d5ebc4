"""Fixtures of the artifact store tests: one suite, run against a local folder, memory and S3.

The ``test_artifacts*.py`` modules bind the fixtures they use by name, e.g.
``artifact_case = cases.artifact_case`` (``tests/store/conftest.py`` holds the metadata store's).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import pytest

from driftline.store.artifacts import ArtifactStore
from driftline.testing.s3 import MotoServer

PART_SIZE = 5 * 2**20
"""The S3 stores under test upload parts of 5 MiB, so that multipart uploads happen quickly."""

KINDS = [
    pytest.param("local", id="local"),
    pytest.param("memory", id="memory"),
    pytest.param("s3", id="s3", marks=pytest.mark.s3),
]


@dataclass
class StoreCase:
    """A store under test, with a back door to its raw storage."""

    kind: str
    store: ArtifactStore
    corrupt: Callable[[str], None]
    """Flip one byte of the object stored under a key, behind the store's back."""
    snapshot: Callable[[], set[str]]
    """Everything in the raw storage around the store (beyond its root too)."""
    extra: dict[str, object] = field(default_factory=dict)


def _flip(data: bytes) -> bytes:
    assert data, "cannot corrupt an empty object"
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _local_case(tmp_path: Path) -> StoreCase:
    root = tmp_path / "artifacts"
    store = ArtifactStore(str(root)).create()

    def corrupt(key: str) -> None:
        path = root / key
        os.chmod(path, 0o644)
        path.write_bytes(_flip(path.read_bytes()))

    def snapshot() -> set[str]:
        return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")}

    return StoreCase("local", store, corrupt, snapshot, {"root": root})


def _memory_case() -> tuple[StoreCase, str]:
    prefix = f"driftline-test-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    store = ArtifactStore(f"memory://{prefix}/artifacts").create()

    def corrupt(key: str) -> None:
        path = f"/{prefix}/artifacts/{key}"
        fs.pipe_file(path, _flip(fs.cat_file(path)))

    def snapshot() -> set[str]:
        return set(fs.find(f"/{prefix}", withdirs=True))

    return StoreCase("memory", store, corrupt, snapshot), prefix


def _s3_case(server: MotoServer, bucket_url: str) -> StoreCase:
    bucket = bucket_url.removeprefix("s3://")
    options = {**server.storage_options, "default_block_size": PART_SIZE}
    store = ArtifactStore(f"{bucket_url}/ws/artifacts", storage_options=options).create()
    client = server.client()

    def corrupt(key: str) -> None:
        name = f"ws/artifacts/{key}"
        body = client.get_object(Bucket=bucket, Key=name)["Body"]
        with body:
            data = body.read()
        client.put_object(Bucket=bucket, Key=name, Body=_flip(data))

    def snapshot() -> set[str]:
        objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return {o["Key"] for o in objects} | {f"upload:{u['Key']}" for u in uploads}

    return StoreCase(
        "s3", store, corrupt, snapshot, {"bucket": bucket, "options": options, "client": client}
    )


@pytest.fixture(params=KINDS)
def artifact_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    """An empty artifact store of each kind (local folder, memory, S3 on moto) and its back door."""
    kind = request.param
    if kind == "local":
        case = _local_case(tmp_path)
        yield case
        case.store.close()
    elif kind == "memory":
        case, prefix = _memory_case()
        yield case
        case.store.close()
        fsspec.filesystem("memory").rm(f"/{prefix}", recursive=True)
    else:
        server = request.getfixturevalue("s3_server")
        assert isinstance(server, MotoServer)
        case = _s3_case(server, request.getfixturevalue("s3_url"))
        yield case
        case.store.close()


@pytest.fixture
def artifact_store(artifact_case: StoreCase) -> ArtifactStore:
    """The store of :func:`artifact_case`."""
    return artifact_case.store


@pytest.fixture
def s3_store(s3_server: MotoServer, s3_url: str) -> Iterator[ArtifactStore]:
    """An artifact store at the root of a new bucket on the session's moto server."""
    store = ArtifactStore(s3_url, storage_options=s3_server.storage_options).create()
    yield store
    store.close()


@pytest.fixture
def local_store(tmp_path: Path) -> Iterator[ArtifactStore]:
    """An artifact store in ``tmp_path/artifacts``."""
    with ArtifactStore(str(tmp_path / "artifacts")).create() as store:
        yield store


@pytest.fixture
def local_case(tmp_path: Path) -> Iterator[StoreCase]:
    """A local store in ``tmp_path/artifacts`` and its back door."""
    case = _local_case(tmp_path)
    yield case
    case.store.close()
