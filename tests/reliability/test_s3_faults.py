"""The artifact store on S3 behind a proxy that fails a seeded share of the requests.

moto's S3 server sits behind :class:`~tests.reliability.faults.FaultyProxy`, which answers 500 or
503, drops the connection, or forwards the request and then drops the answer. With one request in
five failing, puts and gets (small objects and multipart uploads) and ``driftline init``,
``ingest``, ``run`` and ``verify`` all succeed through the store's bounded retries. With every
request failing, each operation ends with a clear error (exit 3 naming the bucket and the endpoint)
and nothing is half-written: no object at a final key without its metadata record, no record
without its object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ServiceError
from driftline.store.artifacts import ArtifactStore
from driftline.testing.s3 import ACCESS_KEY, REGION, SECRET_KEY, MotoServer
from tests.reliability.faults import FaultyProxy
from tests.reliability.trials import Trial

pytestmark = [pytest.mark.s3, pytest.mark.slow]

SEED = 14
SHARE = 0.2
DEADLINE = 300.0
BIG = 12 * 2**20  # a multipart upload of three 5 MiB parts
BRIEF = {"retries": 1, "config_kwargs": {"retries": {"mode": "standard", "total_max_attempts": 2}}}
"""Storage options that retry a failing request once, not with the defaults' backoff."""

PIPELINE = """
from driftline.pipeline import JsonArtifact, Metrics, Pipeline, step


@step
def make(n: int = 50) -> JsonArtifact:
    return [i * i for i in range(n)]


@step
def score(make: JsonArtifact) -> Metrics:
    return {"total": float(sum(make))}


pipeline = Pipeline("s3faults", [make, score])
"""


@pytest.fixture
def proxy(s3_server: MotoServer) -> Iterator[FaultyProxy]:
    made = FaultyProxy(s3_server.endpoint_url, share=0.0, seed=SEED)
    made.start()
    try:
        yield made
    finally:
        made.stop()


def through(proxy: FaultyProxy, **more: Any) -> dict[str, Any]:
    """s3fs options that reach moto through the proxy."""
    return {
        "key": ACCESS_KEY,
        "secret": SECRET_KEY,
        "client_kwargs": {"endpoint_url": proxy.url, "region_name": REGION},
        **more,
    }


class Cli:
    """``driftline`` as a subprocess whose S3 endpoint is the proxy (standard AWS variables)."""

    def __init__(self, proxy: FaultyProxy, tmp_path: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTLINE_", "AWS_"))}
        self.env.update(
            AWS_ENDPOINT_URL_S3=proxy.url,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=REGION,
            COLUMNS="200",
        )
        self.folder = tmp_path / "ws"
        self.env["DRIFTLINE_WORKSPACE"] = str(self.folder)
        self.data = tmp_path / "data.csv"
        rows = "\n".join(f"{i},{(i * 7) % 13 / 13:.4f},{i % 2}" for i in range(300))
        self.data.write_text("id,x,label\n" + rows + "\n", encoding="utf-8")
        self.pipeline = tmp_path / "pipeline.py"
        self.pipeline.write_text(PIPELINE, encoding="utf-8")

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "driftline", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=DEADLINE,
            check=False,
        )


def stored_keys(server: MotoServer, bucket: str, prefix: str) -> set[str]:
    """The objects under ``prefix`` (straight from moto, not through the proxy), without .tmp/."""
    client, keys, token = server.client(), set(), None
    while True:
        extra = {"ContinuationToken": token} if token else {}
        page = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/", **extra)
        keys |= {o["Key"][len(prefix) + 1 :] for o in page.get("Contents", [])}
        if not page.get("IsTruncated"):
            break
        token = page["NextContinuationToken"]
    return {k for k in keys if not k.startswith(".tmp/")}


def recorded_artifacts(folder: Path) -> list[Any]:
    """The artifacts the workspace's metadata records."""
    from driftline.store.metadata import open_metadata_store

    with open_metadata_store(f"sqlite:///{folder / 'metadata.db'}") as meta:
        return meta.artifacts()


def half_written(server: MotoServer, bucket: str, prefix: str, folder: Path) -> list[str]:
    """Objects without a metadata record and records without their object, in a workspace."""
    root = f"s3://{bucket}/{prefix}/"
    # an artifact's location: relative to the store (artifact:KEY), or its full URI
    recorded = {
        a.uri.removeprefix("artifact:").removeprefix(root) for a in recorded_artifacts(folder)
    }
    stored = stored_keys(server, bucket, prefix)
    return [f"object without record: {k}" for k in sorted(stored - recorded)] + [
        f"record without object: {k}" for k in sorted(recorded - stored)
    ]


def read_failing_midway(store: ArtifactStore, stored: Any, proxy: FaultyProxy) -> bytes:
    """Open ``stored`` while the endpoint answers, then read it while every request fails."""
    with store.open(stored.uri, stored.sha256) as reader:
        proxy.share = 1.0
        return reader.read()


def test_s3_failing_a_share_of_requests_is_survived_by_retries(
    trial: Trial, s3_server: MotoServer, proxy: FaultyProxy, tmp_path: Path
) -> None:
    trial.tries(
        "put, get, `driftline init`, `ingest`, `run` and `verify` on S3 while one request in "
        "five fails (500, 503, dropped connection, lost answer)"
    )
    bucket = s3_server.new_bucket().removeprefix("s3://")
    proxy.share = SHARE
    options = through(proxy, default_block_size=5 * 2**20)
    with ArtifactStore(f"s3://{bucket}/objects", storage_options=options) as store:
        for i in range(24):
            with trial.attempt():
                data = bytes([i]) * (BIG if i % 8 == 0 else 1000 + i)
                if i % 8 == 0:
                    with store.writer(f"big/{i}.bin") as out:
                        for start in range(0, len(data), 2**20):
                            out.write(data[start : start + 2**20])
                    obj = out.result
                else:
                    obj = store.put_bytes(f"small/{i}.bin", data)
                with store.open(obj.uri, obj.sha256) as reader:
                    assert reader.read() == data
        assert store.temp_files() == [], "an upload was left unfinished"
    cli = Cli(proxy, tmp_path)
    steps = [
        ("init", str(cli.folder), "--artifacts-url", f"s3://{bucket}/ws"),
        ("ingest", "synth", str(cli.data), "--label", "label"),
        ("run", str(cli.pipeline)),
        ("verify", "--json"),
    ]
    for args in steps:
        with trial.attempt():
            done = cli(*args)
            assert done.returncode == 0, f"{args[0]}: exit {done.returncode}: {done.stderr}"
    checked = json.loads(done.stdout)["checked"]
    assert checked >= 3
    assert half_written(s3_server, bucket, "ws", cli.folder) == []
    assert proxy.failed > 10, dict(proxy.counts)
    trial.lost(0)
    counts = ", ".join(f"{proxy.counts[k]} {k}" for k in ("500", "503", "drop", "lost"))
    trial.found(
        f"{proxy.counts['requests']} requests, {proxy.failed} failed ({counts}): every operation "
        f"succeeded; {checked} artifacts verified, nothing half-written"
    )


def test_s3_failing_every_request_is_a_clear_error(
    trial: Trial, s3_server: MotoServer, proxy: FaultyProxy, tmp_path: Path
) -> None:
    trial.tries(
        "put, get (from the start and in the middle), `driftline ingest` and `run` while every "
        "S3 request fails"
    )
    bucket = s3_server.new_bucket().removeprefix("s3://")
    cli = Cli(proxy, tmp_path)
    made = cli("init", str(cli.folder), "--artifacts-url", f"s3://{bucket}/ws")
    assert made.returncode == 0, made.stderr
    first = cli("ingest", "synth", str(cli.data), "--label", "label")
    assert first.returncode == 0, first.stderr
    before = stored_keys(s3_server, bucket, "ws")

    proxy.share = 1.0
    for args in (
        ("ingest", "synth", str(cli.data), "--label", "label"),
        ("run", str(cli.pipeline)),
    ):
        with trial.attempt():
            done = cli(*args)
            assert done.returncode == 3, f"{args[0]}: exit {done.returncode}: {done.stderr}"
            assert "Traceback" not in done.stderr
            assert bucket in done.stderr, done.stderr
            assert proxy.url in done.stderr, done.stderr
    # the store's own calls retry briefly: the CLI above waited out the default retries already
    with ArtifactStore(f"s3://{bucket}/ws", storage_options=through(proxy, **BRIEF)) as store:
        with trial.attempt(), pytest.raises(ServiceError, match=bucket):
            store.put_bytes("direct/one.bin", b"never stored")
        stored = recorded_artifacts(cli.folder)[0]
        with (
            trial.attempt(),
            pytest.raises(ServiceError, match=bucket),
            store.open(stored.uri, stored.sha256) as reader,
        ):
            reader.read()
        proxy.share = 0.0  # opened while the endpoint answers, then it fails in the middle
        with trial.attempt(), pytest.raises(ServiceError, match=bucket):
            read_failing_midway(store, stored, proxy)

    proxy.share = 0.0
    assert stored_keys(s3_server, bucket, "ws") == before, "an object was stored"
    assert half_written(s3_server, bucket, "ws", cli.folder) == []
    verified = cli("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    trial.lost(0)
    trial.found(
        f"{proxy.failed} requests failed: each operation ended with exit 3 (or a ServiceError) "
        "naming the bucket and endpoint; no object without its record, no record without its object"
    )
