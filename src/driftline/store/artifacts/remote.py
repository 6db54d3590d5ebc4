"""The generic fsspec backend (``memory://``): write to ``.tmp/<uuid>``, then check and move.

The check-then-move runs under a lock, which makes it safe between threads of one process; that is
all ``memory://`` needs. Object stores with a real atomic no-overwrite commit have their own backend
(:mod:`driftline.store.artifacts.s3`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, cast

from driftline.core.errors import ArtifactExistsError, ArtifactNotFoundError, InvalidKeyError
from driftline.store.artifacts.keys import TEMP_FOLDER, is_valid_key
from driftline.store.artifacts.objects import TempFile, join_uri

__all__ = ["FsspecBackend", "modified_time"]

_MOVE_LOCK = threading.Lock()


def modified_time(info: dict[str, Any]) -> float:
    """The modification time in an fsspec ``info`` record, POSIX seconds (0 if unknown)."""
    for field in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(field)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
    return 0.0


class _FsspecSink:
    def __init__(self, backend: FsspecBackend, key: str) -> None:
        self._backend = backend
        self._key = key
        self._tmp = backend.path(f"{TEMP_FOLDER}/{uuid.uuid4().hex}")
        self._file: BinaryIO | None = backend.fs.open(self._tmp, "wb")

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError(f"write of {self._key!r} after it was committed or discarded")
        self._file.write(data)

    def commit(self) -> None:
        file, self._file = self._file, None
        if file is None:
            raise ValueError(f"the write of {self._key!r} was already committed or discarded")
        fs = self._backend.fs
        final = self._backend.path(self._key)
        taken = f"artifact key {self._key!r} is already taken ({self._backend.uri(self._key)})"
        try:
            file.close()
            with _MOVE_LOCK:
                if fs.exists(final):
                    raise ArtifactExistsError(taken)
                fs.mv(self._tmp, final)
        finally:
            if fs.exists(self._tmp):
                fs.rm(self._tmp)

    def discard(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()
        if self._backend.fs.exists(self._tmp):
            self._backend.fs.rm(self._tmp)


class FsspecBackend:
    """Artifacts in any fsspec filesystem, under ``root_path``; URIs start with ``root_uri``."""

    def __init__(self, fs: Any, root_uri: str, root_path: str) -> None:
        self.fs = fs
        self.root_uri = root_uri
        self.root_path = root_path.rstrip("/")

    def path(self, key: str) -> str:
        """The filesystem path of ``key``."""
        return f"{self.root_path}/{key}"

    def uri(self, key: str) -> str:
        """The URI of ``key``."""
        return join_uri(self.root_uri, key)

    def create(self) -> None:
        """Make the root folder (a no-op for key-value stores)."""
        self.fs.makedirs(self.root_path or "/", exist_ok=True)

    def close(self) -> None:
        """Nothing to release."""

    def check_location(self, key: str) -> None:
        """Nothing to do: keys are plain names here, with no links to follow."""

    def sink(self, key: str) -> _FsspecSink:
        """Start a write of ``key`` into ``.tmp/<uuid>``.

        As in a local folder, a key cannot be both an artifact and a folder of artifacts.
        """
        if self.fs.exists(self.path(key)):
            raise ArtifactExistsError(f"artifact key {key!r} is already taken ({self.uri(key)})")
        parts = key.split("/")
        for end in range(1, len(parts)):
            parent = "/".join(parts[:end])
            if self.fs.isfile(self.path(parent)):
                raise ArtifactExistsError(
                    f"artifact key {key!r} cannot be stored: {parent!r} is an artifact, "
                    "not a folder"
                )
        return _FsspecSink(self, key)

    def open_read(self, key: str, what: str) -> BinaryIO:
        """Open ``key`` for reading."""
        try:
            return cast(BinaryIO, self.fs.open(self.path(key), "rb"))
        except (FileNotFoundError, IsADirectoryError):
            raise ArtifactNotFoundError(
                f"{what} does not exist: nothing at {self.uri(key)}"
            ) from None

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        return bool(self.fs.isfile(self.path(key)))

    def size(self, key: str, what: str) -> int:
        """The size of ``key`` in bytes."""
        try:
            info = self.fs.info(self.path(key))
        except FileNotFoundError:
            info = {}
        if info.get("type") != "file":
            raise ArtifactNotFoundError(f"{what} does not exist: nothing at {self.uri(key)}")
        return int(info["size"])

    def local_path(self, key: str) -> str | None:
        """``None``: the bytes are not in a local file."""
        return None

    def iter_keys(self, prefix: str) -> Iterator[str]:
        """The stored keys starting with ``prefix``."""
        folder = prefix.rpartition("/")[0]
        base = self.path(folder) if folder else self.root_path or "/"
        start = self.root_path + "/"
        for found in self.fs.find(base):
            path = "/" + found.lstrip("/") if self.root_path.startswith("/") else found
            key = path[len(start) :] if path.startswith(start) else ""
            if (
                key.startswith(prefix)
                and not key.startswith(TEMP_FOLDER + "/")
                and is_valid_key(key)
            ):
                yield key

    def temp_files(self) -> list[TempFile]:
        """The files under ``.tmp/``."""
        try:
            entries = self.fs.ls(self.path(TEMP_FOLDER), detail=True)
        except FileNotFoundError:
            return []
        return [
            TempFile(
                self.uri(f"{TEMP_FOLDER}/{e['name'].rpartition('/')[2]}"),
                int(e["size"]),
                modified_time(e),
            )
            for e in entries
            if e.get("type") == "file"
        ]

    def remove_temp(self, temp: TempFile) -> None:
        """Delete one file under ``.tmp/``."""
        prefix = self.uri(TEMP_FOLDER + "/")
        name = temp.uri[len(prefix) :]
        if not temp.uri.startswith(prefix) or not name or "/" in name:
            raise InvalidKeyError(f"{temp.uri} is not an unfinished write of {self.root_uri}")
        path = self.path(f"{TEMP_FOLDER}/{name}")
        if self.fs.exists(path):
            self.fs.rm(path)
