"""Data sources behind fsspec URLs: ``ingest``, ``profile`` and ``drift`` read ``s3://`` (moto)."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import Run

pytestmark = pytest.mark.s3


@pytest.fixture
def bucket(s3_server: object, s3_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket; the AWS variables s3fs (botocore) reads point at the moto server."""
    from driftline.testing.s3 import ACCESS_KEY, REGION, SECRET_KEY, MotoServer

    assert isinstance(s3_server, MotoServer)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint_url)
    return s3_url


def _put(bucket: str, key: str, data: bytes, s3_server: object) -> str:
    from driftline.testing.s3 import MotoServer

    assert isinstance(s3_server, MotoServer)
    s3_server.client().put_object(Bucket=bucket.removeprefix("s3://"), Key=key, Body=data)
    return f"{bucket}/{key}"


def _parquet(values: list[int]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"x": values, "y": [v % 3 for v in values]}), sink)
    return sink.getvalue()


def test_ingest_a_parquet_file_on_s3(
    run: Run, tmp_path: Path, bucket: str, s3_server: object
) -> None:
    url = _put(bucket, "day1.parquet", _parquet(list(range(40))), s3_server)
    ws = str(tmp_path / "ws")
    assert run("init", ws).code == 0
    done = run("-w", ws, "ingest", "ds", url)
    assert done.code == 0, done.err
    shown = run("-w", ws, "profile", "ds:1", "--json", "-")
    assert shown.code == 0, shown.err
    assert '"num_rows": 40' in shown.out


def test_profile_and_drift_of_remote_csv_without_a_workspace(
    run: Run, tmp_path: Path, bucket: str, s3_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no workspace here
    rows = "".join(f"{i};{'ab'[i % 2]}\n" for i in range(30))
    a = _put(bucket, "a.csv", ("n;c\n" + rows).encode(), s3_server)
    b = _put(bucket, "b.csv", ("n;c\n" + rows.replace(";a", ";z")).encode(), s3_server)
    shown = run("profile", a)
    assert shown.code == 0, shown.err
    assert "30 rows" in shown.out
    assert "delimiter ';'" in shown.err  # sniffed on the remote file's first bytes
    compared = run("drift", a, b, "--json", "-")
    assert compared.code == 0, compared.err
    assert '"dataset_drift"' in compared.out
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_missing_remote_file_is_named(
    run: Run, tmp_path: Path, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = f"{bucket}/no/such.parquet"
    done = run("profile", missing)
    assert done.code == 2
    assert f"{missing} does not exist" in done.err


def test_an_unsupported_protocol_names_what_to_install(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    unknown = run("profile", "nosuch://bucket/a.csv")
    assert unknown.code == 2
    assert "cannot read nosuch:// URLs" in unknown.err
    assert "Protocol not known" in unknown.err
    import importlib.util

    if importlib.util.find_spec("gcsfs") is None:  # a known protocol without its package
        gcs = run("profile", "gcs://bucket/a.csv")
        assert gcs.code == 2
        assert "gcsfs" in gcs.err
