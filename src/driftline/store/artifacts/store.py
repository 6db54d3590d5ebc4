"""The artifact store: immutable, content-hashed files under one root, local or on S3.

Every write is atomic (readers see all of an object or nothing; a process killed mid-write leaves
only an unfinished write, see :mod:`~driftline.store.artifacts.unfinished`) and never replaces
what a key already holds. Every read checks the SHA-256 recorded at write time. Keys are relative
POSIX paths, checked by :func:`~driftline.store.artifacts.check_key`.

Locations: what a write returns, and the metadata store records, is relative to the store root:
``artifact:<key>`` (:attr:`StoredObject.uri`), so that a workspace can be moved, copied, or
restored elsewhere (a folder renamed, a bucket synced) and still read every artifact. Where an
object lies now is :meth:`ArtifactStore.uri_for`: for a local store ``file://`` followed by its
absolute path, verbatim (not percent-encoded, as fsspec writes it), e.g.
``file:///srv/ws/artifacts/spans/a.parquet``; on S3 ``s3://bucket/prefix/key``. Reads accept
``artifact:<key>``, a key, a URI under the root (for a local store, an absolute path under it
too), and the absolute URIs older versions recorded, also after the root moved; see
:func:`~driftline.store.artifacts.location.key_in_root`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from driftline.core.clock import Clock, SystemClock
from driftline.core.closing import Closing
from driftline.core.errors import InputError
from driftline.core.hashing import CHUNK_SIZE
from driftline.core.urls import redact_url
from driftline.store.artifacts.keys import check_prefix, make_key
from driftline.store.artifacts.local import LocalBackend
from driftline.store.artifacts.location import key_in_root, open_backend
from driftline.store.artifacts.objects import (
    StoredObject,
    TempFile,
    check_sha256,
    join_uri,
    relative_uri,
)
from driftline.store.artifacts.streams import ArtifactReader, ArtifactWriter
from driftline.store.artifacts.unfinished import remove_unfinished, unfinished_writes

__all__ = ["ArtifactStore"]


class ArtifactStore(Closing):
    """Immutable artifacts under one root: a local folder or an S3 bucket (and prefix).

    Writes are atomic and never replace what a key holds; reads check the SHA-256; an unfinished
    write is what :meth:`temp_files` reports and :meth:`clean_temp` removes; URIs are as the
    module docstring says.

    Args:
        url: a local folder (``/path``, ``file:///path``), ``s3://bucket[/prefix]`` or
            ``memory://[prefix]``; see :mod:`~driftline.store.artifacts.location`.
        storage_options: for ``s3://`` only, passed to ``s3fs.S3FileSystem`` (``key``,
            ``secret``, ``client_kwargs={"endpoint_url": ..., "region_name": ...}``,
            ``default_block_size``...; kept as ``storage_options``). Without an endpoint here,
            botocore's configuration applies (``AWS_ENDPOINT_URL_S3``, ``~/.aws/config``).
        clock: the time source for :meth:`new_key` (default: the system clock).

    Raises:
        URLError: ``url`` is not one of the accepted forms (the message lists them).
        ImportError: an ``s3://`` URL without s3fs ("pip install 'driftline[s3]'").

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with ArtifactStore(folder).create() as store:
        ...         obj = store.put_bytes("spans/elec2/00003/part-0.parquet", b"PAR1")
        ...         data = store.read_bytes(obj.uri, obj.sha256, label="span elec2#3")
        ...         keys = store.list_keys()
        >>> obj.uri
        'artifact:spans/elec2/00003/part-0.parquet'
        >>> obj.size, data, keys
        (4, b'PAR1', ['spans/elec2/00003/part-0.parquet'])

    """

    def __init__(
        self,
        url: str,
        *,
        storage_options: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._url = url
        self.storage_options = dict(storage_options) if storage_options is not None else None
        self._backend = open_backend(url, storage_options)
        self._clock: Clock = clock if clock is not None else SystemClock()

    # -- naming ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The URL the store was opened with."""
        return self._url

    @property
    def root_uri(self) -> str:
        """The URI of the root: ``file:///abs/path``, ``s3://bucket/prefix`` or ``memory://...``."""
        return self._backend.root_uri

    @property
    def is_local(self) -> bool:
        """Whether artifacts are plain files on this machine (see :meth:`local_path`)."""
        return isinstance(self._backend, LocalBackend)

    def uri_for(self, key: str) -> str:
        """The full URI of where ``key`` lies now (``file:///...``, ``s3://...``), for people.

        ``key`` may also be a recorded location (``artifact:<key>``, see :meth:`key_for`); the
        metadata store records that relative form, never this URI.

        Raises:
            InvalidKeyError: ``key`` breaks a key rule.

        Examples:
            >>> store = ArtifactStore("memory://doc")
            >>> store.uri_for("artifact:a/b.bin"), store.uri_for("a/b.bin")
            ('memory://doc/a/b.bin', 'memory://doc/a/b.bin')

        """
        return join_uri(self.root_uri, self.key_for(key))

    def key_for(self, uri_or_key: str) -> str:
        """The key a recorded location (``artifact:<key>``), a key or a URI names.

        An absolute URI recorded under an older root (the workspace was moved or restored
        elsewhere) names the same key here; see
        :func:`~driftline.store.artifacts.location.key_in_root`.

        Raises:
            InvalidKeyError: a bad key, or an absolute location in which no key of this store
                can be found.

        Examples:
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     store = ArtifactStore(folder)
            ...     key = store.key_for(store.uri_for("a/b.bin"))
            >>> key
            'a/b.bin'

        """
        return key_in_root(self._backend, uri_or_key)

    def new_key(self, kind: str, name: str) -> str:
        """A new unique key ``<kind>/<yyyy>/<mm>/<dd>/<uuid4 hex>-<name>`` (UTC date).

        Raises:
            InputError: ``kind`` is not a lower-case identifier.

        Examples:
            >>> from datetime import datetime, timezone
            >>> from driftline.core.clock import ManualClock
            >>> store = ArtifactStore("memory://doc", clock=ManualClock(datetime(2026, 5, 1)))
            >>> store.new_key("model", "champion.skops").startswith("model/2026/05/01/")
            True

        """
        return make_key(kind, name, self._clock.now())

    # -- lifecycle ---------------------------------------------------------------------------

    def create(self) -> ArtifactStore:
        """Make the root exist (a local folder) or check it can be reached (S3); return self.

        A refused S3 connection is retried as botocore's retry configuration says (by default
        for several seconds); ``storage_options={"config_kwargs": {"retries": {...}}}`` sets it.

        Raises:
            ServiceError: the folder cannot be created, or the S3 endpoint or bucket cannot be
                reached (the message names the endpoint).

        """
        self._backend.create()
        return self

    def close(self) -> None:
        """Release connections (the store can still be used; they are opened again)."""
        self._backend.close()

    def __repr__(self) -> str:
        return f"ArtifactStore({redact_url(self._url)!r})"

    # -- writes ------------------------------------------------------------------------------

    @contextmanager
    def writer(self, key: str) -> Iterator[ArtifactWriter]:
        """Stream a new artifact into ``key``; committed when the block ends without error.

        The yielded writer hashes as it goes; after the block, ``writer.result`` is the
        :class:`StoredObject`. If the block raises, nothing becomes visible.

        Raises:
            InvalidKeyError: ``key`` breaks a key rule or resolves outside the root.
            ArtifactExistsError: ``key`` is already taken (checked first, and again atomically
                at commit).

        Examples:
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as folder:
            ...     store = ArtifactStore(folder)
            ...     with store.writer("logs/a.txt") as out:
            ...         _ = out.write(b"hello ")
            ...         _ = out.write(b"world")
            ...     print(out.result.size, store.read_bytes("logs/a.txt", out.result.sha256))
            11 b'hello world'

        """
        key = key_in_root(self._backend, key, moved=False)
        out = ArtifactWriter(self._backend.sink(key), key, relative_uri(key))
        try:
            yield out
        except BaseException:
            out.discard()
            raise
        out.commit()

    def put_bytes(self, key: str, data: bytes | bytearray | memoryview) -> StoredObject:
        """Store ``data`` under ``key`` atomically; see :meth:`writer` for the errors."""
        with self.writer(key) as out:
            out.write(data)
        return out.result

    def put_file(self, key: str, local_path: str | os.PathLike[str]) -> StoredObject:
        """Copy the local file ``local_path`` into ``key`` atomically.

        Raises:
            InputError: ``local_path`` is not a readable file.

        """
        try:
            source = open(local_path, "rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise InputError(f"cannot read the file {os.fspath(local_path)!r}: {exc}") from exc
        with source, self.writer(key) as out:
            while chunk := source.read(CHUNK_SIZE):
                out.write(chunk)
        return out.result

    # -- reads -------------------------------------------------------------------------------

    def _what(self, key: str, label: str | None) -> str:
        return label if label else f"artifact {key!r}"

    @contextmanager
    def open(
        self, uri_or_key: str, sha256: str, *, label: str | None = None
    ) -> Iterator[ArtifactReader]:
        """Open an artifact for reading; its SHA-256 is checked at the end of the data.

        If the block stops reading early and ends cleanly, the rest is read to finish the check.

        Raises:
            ArtifactNotFoundError: nothing is stored there (naming ``label`` or the key).
            ArtifactCorruptError: the bytes do not match ``sha256`` (naming ``label`` or the key,
                with the expected and actual SHA-256).
            InvalidKeyError: a bad key, or a URI outside the store root.

        """
        key = self.key_for(uri_or_key)
        expected = check_sha256(sha256)
        what = self._what(key, label)
        raw = self._backend.open_read(key, what)
        with ArtifactReader(raw, expected, what, join_uri(self.root_uri, key)) as reader:
            yield reader

    def read_bytes(self, uri_or_key: str, sha256: str, *, label: str | None = None) -> bytes:
        """All the bytes of an artifact, checked against ``sha256``; see :meth:`open`."""
        with self.open(uri_or_key, sha256, label=label) as reader:
            return reader.read()

    def verify(self, uri_or_key: str, sha256: str, *, label: str | None = None) -> StoredObject:
        """Check an artifact's bytes against ``sha256``; return what is stored.

        Raises:
            ArtifactNotFoundError, ArtifactCorruptError, InvalidKeyError: as :meth:`open`.

        """
        with self.open(uri_or_key, sha256, label=label) as reader:
            while reader.read(CHUNK_SIZE):
                pass
            size = reader.tell()
        key = self.key_for(uri_or_key)
        return StoredObject(relative_uri(key), key, check_sha256(sha256), size)

    def local_path(
        self, uri_or_key: str, sha256: str | None = None, *, label: str | None = None
    ) -> str | None:
        """A local file path of the artifact (for pyarrow), or ``None`` if the store is remote.

        The path is checked to lie inside the root and to hold a file; given ``sha256``, the
        bytes are checked too.

        Raises:
            ArtifactNotFoundError, ArtifactCorruptError, InvalidKeyError: as :meth:`open`.

        """
        key = self.key_for(uri_or_key)
        path = self._backend.local_path(key)
        if path is None:
            return None
        if sha256 is not None:
            self.verify(key, sha256, label=label)
        else:
            self._backend.size(key, self._what(key, label))
        return path

    # -- listing -----------------------------------------------------------------------------

    def exists(self, uri_or_key: str) -> bool:
        """Whether an artifact is stored under the key (or URI)."""
        return self._backend.exists(self.key_for(uri_or_key))

    def size(self, uri_or_key: str, *, label: str | None = None) -> int:
        """The size in bytes of an artifact.

        Raises:
            ArtifactNotFoundError: nothing is stored there.

        """
        key = self.key_for(uri_or_key)
        return self._backend.size(key, self._what(key, label))

    def list_keys(self, prefix: str = "") -> list[str]:
        """The keys of stored artifacts that start with ``prefix``, sorted; never ``.tmp/``."""
        return sorted(set(self._backend.iter_keys(check_prefix(prefix))))

    def temp_files(self) -> list[TempFile]:
        """Unfinished writes (left by killed processes, or in progress), sorted by URI."""
        return unfinished_writes(self._backend)

    def clean_temp(self, older_than_seconds: float = 3600) -> int:
        """Remove unfinished writes untouched for ``older_than_seconds``; return how many.

        A write in progress keeps its file fresh, so the default hour spares it; ``0`` removes
        every unfinished write, which makes a write in progress fail when it commits.

        Raises:
            InputError: ``older_than_seconds`` is negative or not a number.

        """
        return remove_unfinished(self._backend, older_than_seconds)
