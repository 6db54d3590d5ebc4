"""File-like objects that hash what passes through them: a checked reader and a hashing writer.

Examples:
    >>> import io
    >>> from driftline.core.hashing import sha256_bytes
    >>> reader = ArtifactReader(io.BytesIO(b"abc"), sha256_bytes(b"abc"), "artifact 'a'", "mem")
    >>> reader.read(2), reader.read(), reader.verified
    (b'ab', b'c', True)
    >>> reader.close()

"""

from __future__ import annotations

from types import TracebackType
from typing import BinaryIO

from driftline.core.errors import DriftlineError
from driftline.core.hashing import CHUNK_SIZE, Sha256
from driftline.store.artifacts.objects import Sink, StoredObject, corrupt_error

__all__ = ["ArtifactReader", "ArtifactWriter"]


class ArtifactReader:
    """A sequential binary reader that checks the SHA-256 of the bytes it hands out.

    The check runs when the end of the data is reached (a read returns ``b""``, or ``read()``
    with no size) and, if the caller stops early, on :meth:`close`, which reads the rest.
    A mismatch raises :class:`~driftline.core.errors.ArtifactCorruptError` naming the artifact.
    """

    def __init__(self, raw: BinaryIO, sha256: str, what: str, uri: str) -> None:
        self._raw = raw
        self._expected = sha256
        self._what = what
        self._uri = uri
        self._hash = Sha256()
        self._verified = False
        self._closed = False

    @property
    def verified(self) -> bool:
        """Whether every byte has been read and the SHA-256 matched."""
        return self._verified

    @property
    def closed(self) -> bool:
        """Whether the reader is closed."""
        return self._closed

    def readable(self) -> bool:
        """Always ``True``."""
        return True

    def writable(self) -> bool:
        """Always ``False``."""
        return False

    def seekable(self) -> bool:
        """Always ``False``: the hash needs the bytes in order (use a local path to seek)."""
        return False

    def tell(self) -> int:
        """Bytes read so far."""
        return self._hash.size

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes (all that remain if ``size`` is negative or ``None``)."""
        self._check_open()
        if size is None or size < 0:
            data = self._raw.read()
            self._hash.update(data)
            self._check()
            return data
        data = self._raw.read(size)
        self._hash.update(data)
        if size > 0 and not data:
            self._check()
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read into ``buffer``; return the number of bytes read (0 at the end)."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Read whatever is left, check the SHA-256, and close."""
        if self._closed:
            return
        try:
            while not self._verified:
                self.read(CHUNK_SIZE)
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Close without checking (after an error, when the bytes will not be used)."""
        if not self._closed:
            self._closed = True
            self._raw.close()

    def __enter__(self) -> ArtifactReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"I/O operation on a closed reader of {self._what}")

    def _check(self) -> None:
        if self._verified:
            return
        actual = self._hash.hexdigest()
        if actual != self._expected:
            raise corrupt_error(self._what, self._uri, self._expected, actual)
        self._verified = True


class ArtifactWriter:
    """A binary writer that hashes and counts what it is given and passes it to a store.

    It is handed out by :meth:`ArtifactStore.writer <driftline.store.artifacts.ArtifactStore.\
writer>`, which commits it when the ``with`` block ends cleanly; :attr:`result` then describes
    the stored object. :meth:`close` only stops further writes.
    """

    def __init__(self, sink: Sink, key: str, uri: str) -> None:
        self._sink = sink
        self._key = key
        self._uri = uri
        self._hash = Sha256()
        self._closed = False
        self._result: StoredObject | None = None

    @property
    def key(self) -> str:
        """The key being written."""
        return self._key

    @property
    def closed(self) -> bool:
        """Whether further writes are refused."""
        return self._closed

    @property
    def result(self) -> StoredObject:
        """The stored object, once committed.

        Raises:
            DriftlineError: the write has not been committed (yet, or ever).

        """
        if self._result is None:
            raise DriftlineError(f"the write of {self._key!r} has not been committed")
        return self._result

    def readable(self) -> bool:
        """Always ``False``."""
        return False

    def writable(self) -> bool:
        """``True`` until closed."""
        return not self._closed

    def seekable(self) -> bool:
        """Always ``False``."""
        return False

    def tell(self) -> int:
        """Bytes written so far."""
        return self._hash.size

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append ``data``; return its length in bytes."""
        if self._closed:
            raise ValueError(f"write to a closed writer of {self._key!r}")
        chunk = bytes(data)
        self._sink.write(chunk)
        self._hash.update(chunk)
        return len(chunk)

    def flush(self) -> None:
        """Nothing to do: bytes are handed to the store as they are written."""

    def close(self) -> None:
        """Refuse further writes (the store commits when the ``with`` block ends)."""
        self._closed = True

    def commit(self) -> StoredObject:
        """Make the object visible; used by the store when the ``with`` block ends cleanly."""
        self._closed = True
        self._sink.commit()
        self._result = StoredObject(
            uri=self._uri, key=self._key, sha256=self._hash.hexdigest(), size=self._hash.size
        )
        return self._result

    def discard(self) -> None:
        """Throw the write away; used by the store when the ``with`` block raises."""
        self._closed = True
        self._sink.discard()
