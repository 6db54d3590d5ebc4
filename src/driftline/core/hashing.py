"""Content hashing: SHA-256 of bytes, files and streams, and a stable hash of JSON-like values.

Examples:
    >>> sha256_bytes(b"abc")[:16]
    'ba7816bf8f01cfea'
    >>> stable_json({"b": 1, "a": [1, 2]})
    '{"a":[1,2],"b":1}'
    >>> hash_value({"a": 1}) == hash_value({"a": 1})
    True

"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any, BinaryIO

__all__ = [
    "CHUNK_SIZE",
    "Sha256",
    "hash_value",
    "sha256_bytes",
    "sha256_chunks",
    "sha256_file",
    "sha256_stream",
    "stable_json",
]

CHUNK_SIZE = 1 << 20
"""Bytes read at a time when hashing files and streams."""


class Sha256:
    """An incremental SHA-256 that also counts the bytes it has seen.

    Examples:
        >>> h = Sha256()
        >>> h.update(b"ab"); h.update(b"c")
        >>> h.size, h.hexdigest() == sha256_bytes(b"abc")
        (3, True)

    """

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Add ``data`` to the digest."""
        self._h.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        """The hex digest of everything seen so far."""
        return self._h.hexdigest()


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    """The hex SHA-256 and total size of a sequence of byte chunks.

    Examples:
        >>> sha256_chunks([b"a", b"bc"]) == (sha256_bytes(b"abc"), 3)
        True

    """
    h = Sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest(), h.size


def sha256_stream(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """The hex SHA-256 and size of what remains in a binary stream."""
    h = Sha256()
    while chunk := stream.read(chunk_size):
        h.update(chunk)
    return h.hexdigest(), h.size


def sha256_file(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """The hex SHA-256 and size of a local file."""
    with open(path, "rb") as f:
        return sha256_stream(f, chunk_size)


def stable_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces; the same value always gives the same text.

    Raises:
        TypeError: ``value`` holds something JSON cannot represent.

    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def hash_value(value: Any) -> str:
    """The hex SHA-256 of :func:`stable_json` of ``value``: a content hash for parameters."""
    return sha256_bytes(stable_json(value).encode("utf-8"))
