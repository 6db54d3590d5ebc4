"""The local-folder backend: atomic, no-overwrite writes with ``os.link``.

A write goes to ``<root>/.tmp/<uuid>``; on commit the file is flushed, ``fsync``-ed and made
read-only, then hard-linked onto its final path (``link`` fails if the path exists, so two writers
can never overwrite each other), the temporary name is removed and the folders are ``fsync``-ed.
A process killed mid-write leaves only a file under ``.tmp/``. On a filesystem without hard links
the commit falls back to check-then-``rename``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import uuid
from collections.abc import Iterator
from typing import BinaryIO

from driftline.core.errors import (
    ArtifactExistsError,
    ArtifactNotFoundError,
    ConflictError,
    IntegrityError,
    InvalidKeyError,
    ServiceError,
)
from driftline.store.artifacts.keys import TEMP_FOLDER, is_valid_key
from driftline.store.artifacts.objects import TempFile, join_uri

__all__ = ["LocalBackend"]

_PATH_MAX = 4096
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _naming(path: str) -> Iterator[None]:
    """Give an ``OSError`` without a file name (a write to a full disk) the name of ``path``."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = path
        raise


class _LocalSink:
    def __init__(self, backend: LocalBackend, key: str) -> None:
        self._backend = backend
        self._key = key
        self._tmp = os.path.join(backend.temp_dir(), uuid.uuid4().hex)
        self._file: BinaryIO | None = open(self._tmp, "xb")  # noqa: SIM115 (closed in commit/discard)

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError(f"write of {self._key!r} after it was committed or discarded")
        with _naming(self._tmp):
            self._file.write(data)

    def commit(self) -> None:
        file, self._file = self._file, None
        if file is None:
            raise ValueError(f"the write of {self._key!r} was already committed or discarded")
        try:
            try:
                with _naming(self._tmp):  # a full disk shows at flush or fsync: name the file
                    file.flush()
                    os.fchmod(file.fileno(), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                    os.fsync(file.fileno())
            finally:
                file.close()
            self._backend.place(self._tmp, self._key)
        finally:
            self._unlink_tmp()  # after a link, only the temporary name goes; on failure, all

    def discard(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()
        self._unlink_tmp()

    def _unlink_tmp(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)


class LocalBackend:
    """Artifacts as files under a local folder; URIs are ``file://`` + the absolute path."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.root_uri = "file://" + root
        self._resolved_root: str | None = None

    def uri(self, key: str) -> str:
        """The URI of ``key``."""
        return join_uri(self.root_uri, key)

    # -- locations ---------------------------------------------------------------------------

    def path(self, key: str) -> str:
        """The absolute path of ``key`` (not resolved)."""
        return os.path.join(self.root, *key.split("/"))

    def _real_root(self) -> str:
        """The root with every symbolic link resolved (kept once the root exists)."""
        if self._resolved_root is not None:
            return self._resolved_root
        real = os.path.realpath(self.root)
        if os.path.isdir(real):
            self._resolved_root = real
        return real

    def _real_path(self, key: str, real_root: str) -> str:
        """``os.path.realpath`` of ``key``'s path, cheaply when no part of the key is a link.

        Each folder and file of the key is checked with one ``lstat`` (a read resolves dozens
        of path parts otherwise); on any symbolic link, the full resolution is used.
        """
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return os.path.realpath(self.path(key))
        path = real_root
        for at, part in enumerate(parts):  # the key's few parts, not rows
            path = os.path.join(path, part)
            try:
                mode = os.lstat(path).st_mode
            except (FileNotFoundError, NotADirectoryError):  # nothing further can be a link
                return os.path.join(path, *parts[at + 1 :])
            if stat.S_ISLNK(mode):
                return os.path.realpath(self.path(key))
        return path

    def check_location(self, key: str) -> None:
        """Raise ``InvalidKeyError`` if ``key`` resolves (through symlinks) outside the root."""
        path = self.path(key)
        if len(path.encode("utf-8")) >= _PATH_MAX:
            raise InvalidKeyError(
                f"invalid artifact key {key!r}: the path under {self.root} would be longer "
                f"than {_PATH_MAX} bytes"
            )
        real_root = self._real_root()
        real = self._real_path(key, real_root)
        inside = real.startswith(real_root.rstrip(os.sep) + os.sep)
        if not inside or os.path.relpath(real, real_root).split(os.sep)[0] == TEMP_FOLDER:
            raise InvalidKeyError(
                f"invalid artifact key {key!r}: it resolves to {real}, outside the store root "
                f"{real_root} (through a symbolic link)"
            )

    def temp_dir(self) -> str:
        """The temporary folder, created if needed; refuses a symbolic link."""
        tmp = os.path.join(self.root, TEMP_FOLDER)
        try:
            os.mkdir(tmp)
        except FileExistsError:
            pass
        except OSError as exc:
            raise ServiceError(f"cannot create the artifact store folder {tmp}: {exc}") from exc
        if not stat.S_ISDIR(os.lstat(tmp).st_mode):
            raise IntegrityError(
                f"the artifact store's temporary folder {tmp} is not a folder (a symbolic link "
                "or a file); refusing to write"
            )
        return tmp

    # -- lifecycle ---------------------------------------------------------------------------

    def create(self) -> None:
        """Create the root folder and its temporary folder."""
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            raise ServiceError(f"the artifact store root {self.root} exists and is not a folder")
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise ServiceError(f"cannot create the artifact store root {self.root}: {exc}") from exc
        self.temp_dir()

    def close(self) -> None:
        """Nothing to release."""

    # -- writes ------------------------------------------------------------------------------

    def sink(self, key: str) -> _LocalSink:
        """Start a write of ``key`` into a new file under ``.tmp/``."""
        self.check_location(key)
        if os.path.lexists(self.path(key)):
            raise ArtifactExistsError(f"artifact key {key!r} is already taken ({self.path(key)})")
        self._check_parents(key)
        return _LocalSink(self, key)

    def _make_parents(self, key: str) -> None:
        folder = self.root
        for part in key.split("/")[:-1]:
            folder = os.path.join(folder, part)
            try:
                os.mkdir(folder)
            except FileExistsError:
                if not os.path.isdir(folder):
                    raise self._file_in_the_way(key, folder) from None
            else:
                _fsync_dir(os.path.dirname(folder))

    def _file_in_the_way(self, key: str, folder: str) -> ArtifactExistsError:
        return ArtifactExistsError(
            f"artifact key {key!r} cannot be stored: {folder} is an artifact, not a folder"
        )

    def _check_parents(self, key: str) -> None:
        folder = self.root
        for part in key.split("/")[:-1]:
            folder = os.path.join(folder, part)
            if not os.path.lexists(folder):
                return
            if not os.path.isdir(folder):
                raise self._file_in_the_way(key, folder)

    def place(self, tmp: str, key: str) -> None:
        """Give the finished temporary file ``tmp`` its final name, never replacing a file."""
        self.check_location(key)
        self._make_parents(key)
        self.check_location(key)
        final = self.path(key)
        try:
            os.link(tmp, final)
        except FileExistsError:
            raise ArtifactExistsError(f"artifact key {key!r} is already taken ({final})") from None
        except FileNotFoundError:
            raise ConflictError(
                f"the unfinished write of {key!r} ({tmp}) was removed before it was committed "
                "(clean_temp ran while it was being written?)"
            ) from None
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            if os.path.lexists(final):
                raise ArtifactExistsError(
                    f"artifact key {key!r} is already taken ({final})"
                ) from None
            os.rename(tmp, final)
        _fsync_dir(os.path.dirname(final))

    # -- reads -------------------------------------------------------------------------------

    def _existing(self, key: str, what: str) -> str:
        self.check_location(key)
        path = self.path(key)
        if not os.path.isfile(path):
            raise ArtifactNotFoundError(f"{what} does not exist: no file at {path}")
        return path

    def open_read(self, key: str, what: str) -> BinaryIO:
        """Open the file of ``key``."""
        path = self._existing(key, what)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"{what} does not exist: no file at {path}") from None

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        self.check_location(key)
        return os.path.isfile(self.path(key))

    def size(self, key: str, what: str) -> int:
        """The size of the file of ``key``."""
        return os.path.getsize(self._existing(key, what))

    def local_path(self, key: str) -> str | None:
        """The path of ``key`` (checked to lie inside the root)."""
        self.check_location(key)
        return self.path(key)

    def iter_keys(self, prefix: str) -> Iterator[str]:
        """Walk the folder under ``prefix``'s last ``/``, skipping ``.tmp/``."""
        folder = prefix.rpartition("/")[0]
        if folder:
            self.check_location(folder)
        start = self.path(folder) if folder else self.root
        for dirpath, dirnames, filenames in os.walk(start):
            rel = os.path.relpath(dirpath, self.root)
            if rel == ".":
                dirnames[:] = [d for d in dirnames if d.lower() != TEMP_FOLDER]
                base = ""
            else:
                base = rel.replace(os.sep, "/") + "/"
            for name in filenames:
                key = base + name
                if key.startswith(prefix) and is_valid_key(key) and self._inside(key):
                    yield key

    def _inside(self, key: str) -> bool:
        if not os.path.islink(self.path(key)):
            return True
        try:
            self.check_location(key)
        except InvalidKeyError:
            return False
        return True

    # -- unfinished writes -------------------------------------------------------------------

    def temp_files(self) -> list[TempFile]:
        """The files under ``.tmp/``."""
        tmp = os.path.join(self.root, TEMP_FOLDER)
        found = []
        try:
            entries = list(os.scandir(tmp))
        except FileNotFoundError:
            return []
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append(TempFile("file://" + entry.path, info.st_size, info.st_mtime))
        return found

    def remove_temp(self, temp: TempFile) -> None:
        """Delete one file under ``.tmp/``."""
        path = temp.uri.removeprefix("file://")
        if os.path.dirname(path) != os.path.join(self.root, TEMP_FOLDER):
            raise InvalidKeyError(f"{temp.uri} is not an unfinished write of {self.root_uri}")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
