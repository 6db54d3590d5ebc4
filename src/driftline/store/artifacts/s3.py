"""The S3 backend: multipart uploads that become visible only when completed, never overwriting.

A write streams into an S3 multipart upload of the final key (parts of the filesystem's
``default_block_size``, 50 MiB unless set in ``storage_options``); a small object is sent in one
``PutObject``. Both the single ``PutObject`` and ``CompleteMultipartUpload`` carry
``If-None-Match: *``, so the object appears whole or not at all, and a key already taken is never
overwritten (stores that ignore the condition are still guarded by a check before the upload).
A process killed mid-write leaves an incomplete multipart upload: invisible to readers and
listings, reported by ``temp_files()`` and aborted by ``clean_temp()``.

Failed requests are retried, bounded and with backoff: botocore's ``standard`` retry mode
(exponential backoff with jitter) makes up to :data:`ATTEMPTS` attempts of each request (500, 502,
503, 504, throttling, a dropped connection), and s3fs tries a request :data:`FS_RETRIES` times
around that (it also retries a response cut short); ``storage_options`` may set its own
``config_kwargs={"retries": ...}`` or ``retries``. A request that still fails is a
:class:`~driftline.core.errors.ServiceError` naming the endpoint and the bucket. Every write is
tagged with a write id (object metadata ``driftline-write``): when the answer to the final
``PutObject`` or ``CompleteMultipartUpload`` is lost and the retry finds the key taken, the
object there is ours if it carries our id, and the write succeeded.

Where the endpoint is: ``storage_options`` (``client_kwargs={"endpoint_url": ...}``), or the
standard AWS configuration that botocore reads itself (``AWS_ENDPOINT_URL_S3``,
``AWS_ENDPOINT_URL``, ``~/.aws/config``); driftline reads no environment variable.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, cast

from driftline.core.errors import (
    ArtifactExistsError,
    ArtifactNotFoundError,
    DriftlineError,
    InvalidKeyError,
    ServiceError,
)
from driftline.store.artifacts.keys import MAX_KEY_BYTES, TEMP_FOLDER, is_valid_key
from driftline.store.artifacts.objects import TempFile
from driftline.store.artifacts.remote import FsspecBackend
from driftline.store.artifacts.s3_failures import FailureNamingReader, service_error

__all__ = ["ATTEMPTS", "FS_RETRIES", "S3Backend", "make_s3_filesystem"]

ATTEMPTS = 4
"""Attempts botocore makes of one S3 request (its ``standard`` retry mode) unless configured."""

FS_RETRIES = 2
"""Times s3fs tries a request (each with botocore's attempts) unless configured."""

WRITE_ID = "driftline-write"
"""The object metadata key that holds the id of the write that stored an object."""

_MIN_PART = 5 * 2**20
_MAX_PARTS = 10_000
_READ_BLOCK = 8 * 2**20
_UPLOAD = "?uploadId="
_MAY_BE_MISSING = {"head_object", "list_parts", "abort_multipart_upload"}


def make_s3_filesystem(storage_options: Mapping[str, Any]) -> Any:
    """An ``s3fs.S3FileSystem`` of its own (not shared through fsspec's instance cache).

    Raises:
        ImportError: s3fs is missing; the message says how to install it.

    """
    try:
        import s3fs
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("s3:// artifact stores need s3fs: pip install 'driftline[s3]'") from exc
    options = {"skip_instance_cache": True, "use_listings_cache": False, **storage_options}
    config = dict(options.get("config_kwargs") or {})
    config.setdefault("retries", {"mode": "standard", "total_max_attempts": ATTEMPTS})
    options["config_kwargs"] = config
    retries = options.pop("retries", FS_RETRIES)
    fs = s3fs.S3FileSystem(**options)
    fs.retries = int(retries)
    return fs


class _S3Sink:
    def __init__(self, backend: S3Backend, key: str) -> None:
        self._backend = backend
        self._key = key
        self._name = backend.object_name(key)
        self._part_size = max(int(getattr(backend.fs, "default_block_size", 0) or 0), _MIN_PART)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._done = False
        self._write_id = uuid.uuid4().hex

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self._backend.call(method, Bucket=self._backend.bucket, Key=self._name, **kwargs)

    def write(self, data: bytes) -> None:
        if self._done:
            raise ValueError(f"write of {self._key!r} after it was committed or discarded")
        self._buffer += data
        try:
            while len(self._buffer) >= self._part_size:
                self._send_part(self._part_size)
        except BaseException:
            self.discard()
            raise

    def _send_part(self, size: int) -> None:
        if len(self._parts) >= _MAX_PARTS:
            raise DriftlineError(
                f"the write of {self._key!r} needs more than {_MAX_PARTS} parts; set a larger "
                "default_block_size in the store's storage_options"
            )
        if self._upload_id is None:
            tag = {"Metadata": {WRITE_ID: self._write_id}}
            self._upload_id = self._call("create_multipart_upload", **tag)["UploadId"]
        body = bytes(self._buffer[:size])
        del self._buffer[:size]
        number = len(self._parts) + 1
        out = self._call("upload_part", UploadId=self._upload_id, PartNumber=number, Body=body)
        self._parts.append({"PartNumber": number, "ETag": out["ETag"]})

    def commit(self) -> None:
        if self._done:
            raise ValueError(f"the write of {self._key!r} was already committed or discarded")
        try:
            self._finish()
        except (ArtifactExistsError, FileNotFoundError, ServiceError):
            if not self._landed():
                self.discard()
                raise
        except BaseException:
            self.discard()
            raise
        self._done = True
        self._upload_id = None
        self._buffer = bytearray()

    def _finish(self) -> None:
        try:
            if self._upload_id is None:
                tag = {"Metadata": {WRITE_ID: self._write_id}}
                self._call("put_object", Body=bytes(self._buffer), IfNoneMatch="*", **tag)
            else:
                if self._buffer:
                    self._send_part(len(self._buffer))
                self._call(
                    "complete_multipart_upload",
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                    IfNoneMatch="*",
                )
        except FileExistsError:
            raise ArtifactExistsError(
                f"artifact key {self._key!r} is already taken ({self._backend.uri(self._key)})"
            ) from None

    def _landed(self) -> bool:
        """Whether the object at the key is this write's (its answer was lost, not its work)."""
        try:
            head = self._backend._head(self._key)
        except Exception:
            return False
        return head is not None and head.get("Metadata", {}).get(WRITE_ID) == self._write_id

    def discard(self) -> None:
        self._done = True
        self._buffer = bytearray()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            # Best effort: an upload left behind is still invisible, and clean_temp removes it.
            with contextlib.suppress(Exception):
                self._call("abort_multipart_upload", UploadId=upload_id)


class S3Backend(FsspecBackend):
    """Artifacts as objects under ``s3://bucket/prefix``."""

    def __init__(self, fs: Any, bucket: str, prefix: str, endpoint_hint: str | None) -> None:
        root = f"{bucket}/{prefix}" if prefix else bucket
        super().__init__(fs, f"s3://{root}", root)
        self.bucket = bucket
        self.prefix = prefix
        self._endpoint_hint = endpoint_hint

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The endpoint URL, for messages."""
        if self._endpoint_hint:
            return self._endpoint_hint
        client = getattr(self.fs, "_s3", None)
        url = getattr(getattr(client, "meta", None), "endpoint_url", None)
        return str(url) if url else "the default AWS S3 endpoint"

    def object_name(self, key: str) -> str:
        """The S3 object name of ``key``."""
        return f"{self.prefix}/{key}" if self.prefix else key

    def call(self, method: str, **kwargs: Any) -> Any:
        """Call an S3 API method through s3fs, turning connection failures into ServiceError."""
        try:
            return self.fs.call_s3(method, **kwargs)
        except DriftlineError:
            raise
        except Exception as exc:
            translated = service_error(exc, self.endpoint, self.bucket, method)
            if translated is not None:
                raise translated from exc
            if isinstance(exc, PermissionError):
                raise ServiceError(
                    f"the S3 endpoint {self.endpoint} refused access to bucket {self.bucket!r}: "
                    f"{exc}"
                ) from exc
            if isinstance(exc, FileNotFoundError) and method not in _MAY_BE_MISSING:
                raise ServiceError(
                    f"bucket {self.bucket!r} does not exist at the S3 endpoint {self.endpoint}"
                ) from exc
            raise

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return cast(
                dict[str, Any],
                self.call("head_object", Bucket=self.bucket, Key=self.object_name(key)),
            )
        except FileNotFoundError:
            return None

    # -- the backend contract ----------------------------------------------------------------

    def create(self) -> None:
        """Check that the bucket exists and can be reached (buckets are not created)."""
        self.call("head_bucket", Bucket=self.bucket)

    def close(self) -> None:
        """Close the connection pool of this store's own s3fs instance."""
        creator = getattr(self.fs, "_s3creator", None)
        if creator is not None:
            with contextlib.suppress(Exception):
                type(self.fs).close_session(self.fs.loop, creator)
            self.fs._s3 = None
            self.fs._s3creator = None

    def check_location(self, key: str) -> None:
        """Refuse keys that make the whole object name longer than S3 allows."""
        size = len(self.object_name(key).encode("utf-8"))
        if size > MAX_KEY_BYTES:
            raise InvalidKeyError(
                f"invalid artifact key {key!r}: with the prefix {self.prefix!r} the S3 object "
                f"name is {size} bytes long (at most {MAX_KEY_BYTES})"
            )

    def sink(self, key: str) -> _S3Sink:  # type: ignore[override]
        """Start a multipart upload of ``key`` (after checking the key is free)."""
        if self._head(key) is not None:
            raise ArtifactExistsError(f"artifact key {key!r} is already taken ({self.uri(key)})")
        return _S3Sink(self, key)

    def open_read(self, key: str, what: str) -> BinaryIO:
        """Open ``key`` for reading."""
        doing = f"reading {self.uri(key)}"
        try:
            raw = self.fs.open(self.path(key), "rb", block_size=_READ_BLOCK)
        except FileNotFoundError:
            raise ArtifactNotFoundError(
                f"{what} does not exist: nothing at {self.uri(key)}"
            ) from None
        except Exception as exc:
            translated = service_error(exc, self.endpoint, self.bucket, doing)
            if translated is not None:
                raise translated from exc
            raise
        return cast(BinaryIO, FailureNamingReader(raw, self.endpoint, self.bucket, doing))

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        return self._head(key) is not None

    def size(self, key: str, what: str) -> int:
        """The size of ``key`` in bytes."""
        head = self._head(key)
        if head is None:
            raise ArtifactNotFoundError(f"{what} does not exist: nothing at {self.uri(key)}")
        return int(head["ContentLength"])

    def _pages(self, method: str, items: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        markers = {
            "list_objects_v2": [("NextContinuationToken", "ContinuationToken")],
            "list_multipart_uploads": [
                ("NextKeyMarker", "KeyMarker"),
                ("NextUploadIdMarker", "UploadIdMarker"),
            ],
            "list_parts": [("NextPartNumberMarker", "PartNumberMarker")],
        }[method]
        while True:
            page = self.call(method, Bucket=self.bucket, **kwargs)
            yield from page.get(items) or []
            if not page.get("IsTruncated"):
                return
            for out, arg in markers:
                kwargs[arg] = page[out]

    def iter_keys(self, prefix: str) -> Iterator[str]:
        """The stored keys starting with ``prefix`` (a paginated listing)."""
        root = self.object_name("")
        for item in self._pages("list_objects_v2", "Contents", Prefix=root + prefix):
            key = item["Key"][len(root) :]
            if not key.startswith(TEMP_FOLDER + "/") and is_valid_key(key):
                yield key

    def temp_files(self) -> list[TempFile]:
        """Incomplete multipart uploads under the prefix, and any objects under ``.tmp/``."""
        root = self.object_name("")
        found = []
        for upload in self._pages("list_multipart_uploads", "Uploads", Prefix=root):
            upload_id = upload["UploadId"]
            parts = self._pages("list_parts", "Parts", Key=upload["Key"], UploadId=upload_id)
            try:
                size = sum(int(part["Size"]) for part in parts)
            except FileNotFoundError:  # completed or aborted meanwhile
                continue
            uri = f"s3://{self.bucket}/{upload['Key']}{_UPLOAD}{upload_id}"
            found.append(TempFile(uri, size, upload["Initiated"].timestamp()))
        for item in self._pages("list_objects_v2", "Contents", Prefix=root + TEMP_FOLDER + "/"):
            uri = f"s3://{self.bucket}/{item['Key']}"
            found.append(TempFile(uri, int(item["Size"]), item["LastModified"].timestamp()))
        return found

    def remove_temp(self, temp: TempFile) -> None:
        """Abort one incomplete upload, or delete one object under ``.tmp/``."""
        head = f"s3://{self.bucket}/{self.object_name('')}"
        name, _, upload_id = temp.uri.partition(_UPLOAD)
        if not name.startswith(head):
            raise InvalidKeyError(f"{temp.uri} is not an unfinished write of {self.root_uri}")
        object_name = name[len(f"s3://{self.bucket}/") :]
        if upload_id:
            with contextlib.suppress(FileNotFoundError):
                self.call(
                    "abort_multipart_upload",
                    Bucket=self.bucket,
                    Key=object_name,
                    UploadId=upload_id,
                )
        elif name.startswith(head + TEMP_FOLDER + "/"):
            self.call("delete_object", Bucket=self.bucket, Key=object_name)
        else:
            raise InvalidKeyError(f"{temp.uri} is not an unfinished write of {self.root_uri}")
