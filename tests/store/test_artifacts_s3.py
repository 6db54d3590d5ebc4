"""The S3 backend on moto's server: prefixes, conditional commits, unreachable endpoints."""

from __future__ import annotations

import socket
import sys
from typing import Any

import pytest

from driftline.core.errors import ArtifactExistsError, ServiceError
from driftline.store.artifacts import ArtifactStore
from driftline.testing import ServiceUnavailable
from driftline.testing.s3 import MotoServer
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

artifact_case = cases.artifact_case
s3_store = cases.s3_store

pytestmark = pytest.mark.s3


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_a_bucket_root_store_uses_plain_s3_uris(s3_store: ArtifactStore, s3_url: str) -> None:
    obj = s3_store.put_bytes("a/b.bin", b"ab")
    assert obj.uri == "artifact:a/b.bin"
    assert s3_store.uri_for(obj.uri) == f"{s3_url}/a/b.bin"
    assert s3_store.root_uri == s3_url
    assert s3_store.local_path(obj.uri) is None
    assert not s3_store.is_local


@pytest.mark.parametrize("artifact_case", ["s3"], indirect=True)
def test_a_prefixed_store_sees_only_its_prefix(artifact_case: StoreCase) -> None:
    client: Any = artifact_case.extra["client"]
    bucket = artifact_case.extra["bucket"]
    for name in ["outside.bin", "ws/artifacts-sibling/x", "ws/x", "ws/artifacts/.tmp/junk"]:
        client.put_object(Bucket=bucket, Key=name, Body=b"not mine")
    artifact_case.store.put_bytes("mine.bin", b"mine")
    assert artifact_case.store.list_keys() == ["mine.bin"]
    assert [t.uri for t in artifact_case.store.temp_files()] == [
        f"s3://{bucket}/ws/artifacts/.tmp/junk"
    ]


@pytest.mark.parametrize("artifact_case", ["s3"], indirect=True)
@pytest.mark.parametrize("size", [10, 7 * 2**20], ids=["put", "multipart"])
def test_a_key_taken_during_an_upload_is_never_overwritten(
    artifact_case: StoreCase, size: int
) -> None:
    client: Any = artifact_case.extra["client"]
    bucket = artifact_case.extra["bucket"]
    store = artifact_case.store

    def upload_while_someone_else_writes() -> None:
        with store.writer("contested.bin") as out:
            out.write(b"m" * size)
            # another writer (another process, another machine) commits first
            client.put_object(Bucket=bucket, Key="ws/artifacts/contested.bin", Body=b"theirs")

    with pytest.raises(ArtifactExistsError, match=r"contested\.bin"):
        upload_while_someone_else_writes()
    body = client.get_object(Bucket=bucket, Key="ws/artifacts/contested.bin")["Body"]
    with body:
        assert body.read() == b"theirs"
    assert store.temp_files() == []


NO_RETRIES = {"retries": {"max_attempts": 1, "mode": "standard"}}
"""botocore retries a refused connection for 5-15 s by default; tests need no such patience."""


def test_an_unreachable_endpoint_is_a_service_error_naming_it(s3_server: MotoServer) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    options = {
        **s3_server.storage_options,
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        "config_kwargs": NO_RETRIES,
    }
    with ArtifactStore("s3://bucket-x/dl", storage_options=options) as store:
        with pytest.raises(ServiceError, match=endpoint):
            store.create()
        with pytest.raises(ServiceError, match=endpoint):
            store.put_bytes("a.bin", b"x")


def test_a_missing_bucket_is_a_service_error_naming_it(s3_server: MotoServer) -> None:
    with ArtifactStore("s3://no-such-bucket-123", storage_options=s3_server.storage_options) as s:
        with pytest.raises(ServiceError, match="'no-such-bucket-123'"):
            s.create()
        with pytest.raises(ServiceError, match="'no-such-bucket-123'"):
            s.put_bytes("a.bin", b"x")


def test_without_s3fs_an_s3_url_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(ImportError, match=r"pip install 'driftline\[s3\]'"):
        ArtifactStore("s3://bucket/x")


# -- the moto server itself -----------------------------------------------------------------


def test_moto_server_makes_buckets_and_stops() -> None:
    server = MotoServer.start()
    try:
        url = server.new_bucket()
        assert url.startswith("s3://driftline-")
        assert server.new_bucket("named-bucket") == "s3://named-bucket"
        options = server.storage_options
        assert options["client_kwargs"]["endpoint_url"] == server.endpoint_url
        assert server.running
    finally:
        server.stop()
    assert not server.running
    server.stop()  # twice is fine
    store = ArtifactStore(url, storage_options={**options, "config_kwargs": NO_RETRIES})
    with store, pytest.raises(ServiceError, match=server.endpoint_url):
        store.create()


def test_moto_server_needs_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "moto" else real(name, *a)
    )
    with pytest.raises(ServiceUnavailable, match=r"moto\[server\]"):
        MotoServer.start()
