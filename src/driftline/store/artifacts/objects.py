"""The small records an artifact store hands back, and the backend contract it is built on.

Examples:
    >>> obj = StoredObject(uri="artifact:a.bin", key="a.bin", sha256="0" * 64, size=3)
    >>> obj.key, obj.size
    ('a.bin', 3)
    >>> check_sha256("AB" * 32) == "ab" * 32
    True

"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from driftline.core.errors import ArtifactCorruptError, InputError

__all__ = [
    "Backend",
    "Sink",
    "StoredObject",
    "TempFile",
    "RELATIVE_SCHEME",
    "check_sha256",
    "corrupt_error",
    "join_uri",
    "relative_uri",
]

RELATIVE_SCHEME = "artifact:"
"""How a recorded location starts: ``artifact:<key>`` names ``key`` in whichever artifact store
the reader has opened, so that a workspace can be moved, copied and restored elsewhere."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHORT = 12


@dataclass(frozen=True)
class StoredObject:
    """An artifact written to a store: where it is and what it holds.

    Attributes:
        uri: the location the metadata store records: ``artifact:<key>``, relative to the
            store root (see :func:`relative_uri`); ``ArtifactStore.uri_for(key)`` gives the
            full URI of where it lies now.
        key: the key relative to the store root.
        sha256: hex SHA-256 of the bytes.
        size: number of bytes.

    """

    uri: str
    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class TempFile:
    """An unfinished write: a file under ``.tmp/`` or an incomplete S3 multipart upload.

    Attributes:
        uri: where it is (for an S3 upload, the key it would have become, then ``?uploadId=``).
        size: bytes written so far.
        modified: when it last changed (or, for an S3 upload, began), POSIX seconds.

    """

    uri: str
    size: int
    modified: float


def join_uri(root_uri: str, key: str) -> str:
    """The URI of ``key`` under ``root_uri``.

    Examples:
        >>> join_uri("s3://bucket/dl", "a/b"), join_uri("file:///", "a")
        ('s3://bucket/dl/a/b', 'file:///a')

    """
    return root_uri + key if root_uri.endswith("/") else f"{root_uri}/{key}"


def relative_uri(key: str) -> str:
    """The recorded location of ``key``: ``artifact:<key>``, resolved by whichever store reads it.

    A key never holds ``:``, so this form cannot be mistaken for a key, a path or a full URI.

    Examples:
        >>> relative_uri("span/2026/05/01/0123-elec2.parquet")
        'artifact:span/2026/05/01/0123-elec2.parquet'

    """
    return RELATIVE_SCHEME + key


def check_sha256(value: str) -> str:
    """Check a hex SHA-256 digest (64 hex digits, any case); return it in lower case.

    Raises:
        InputError: naming the value received.

    """
    if isinstance(value, str):
        lowered = value.lower()
        if _SHA256.match(lowered):
            return lowered
    raise InputError(f"sha256 must be 64 hexadecimal digits, got {value!r}")


def corrupt_error(what: str, uri: str, expected: str, actual: str) -> ArtifactCorruptError:
    """The error for bytes that do not match their recorded SHA-256.

    Examples:
        >>> print(corrupt_error("artifact 42 (span elec2#3)", "file:///a", "ab" * 32, "cd" * 32))
        artifact 42 (span elec2#3) is corrupt: expected SHA-256 abababababab…, \
got cdcdcdcdcdcd… (file:///a)

    """
    return ArtifactCorruptError(
        f"{what} is corrupt: expected SHA-256 {expected[:_SHORT]}…, got {actual[:_SHORT]}… ({uri})"
    )


class Sink(Protocol):
    """Where a backend puts the bytes of one write until it is committed or discarded."""

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        ...

    def commit(self) -> None:
        """Make the object visible under its key; raise ``ArtifactExistsError`` if taken."""
        ...

    def discard(self) -> None:
        """Throw the unfinished write away; nothing becomes visible."""
        ...


class Backend(Protocol):
    """One kind of storage under an :class:`~driftline.store.artifacts.ArtifactStore`.

    Keys reaching a backend have been checked with :func:`~.keys.check_key`.
    """

    root_uri: str

    def uri(self, key: str) -> str:
        """The URI of ``key``."""
        ...

    def create(self) -> None:
        """Make the root exist (or check that it can be reached)."""
        ...

    def check_location(self, key: str) -> None:
        """Raise ``InvalidKeyError`` if ``key`` would land outside the root (e.g. symlinks)."""
        ...

    def sink(self, key: str) -> Sink:
        """Start a write of ``key``."""
        ...

    def open_read(self, key: str, what: str) -> BinaryIO:
        """Open ``key`` for reading; ``ArtifactNotFoundError`` naming ``what`` if missing."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def size(self, key: str, what: str) -> int:
        """The size of ``key`` in bytes; ``ArtifactNotFoundError`` naming ``what`` if missing."""
        ...

    def iter_keys(self, prefix: str) -> Iterator[str]:
        """The stored keys starting with ``prefix`` (any order, temporary files excluded)."""
        ...

    def temp_files(self) -> list[TempFile]:
        """The unfinished writes."""
        ...

    def remove_temp(self, temp: TempFile) -> None:
        """Remove one unfinished write."""
        ...

    def local_path(self, key: str) -> str | None:
        """The local file path of ``key``, or ``None`` for a remote store."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
