"""The journal's files: their names, the framing of records, and reading them back.

A journal ``KIND-JID`` (``JID``: the process id and a random part) is made of files in one folder:

* ``KIND-JID.lock``: held (``flock``) by its process while the journal is open, so that another
  process can tell a live journal from one left by a crash;
* ``KIND-JID-GEN.dlj``: the records, in generations ``000000``, ``000001``, ...

A record file starts with :data:`MAGIC`; each record is framed as a 16-byte header (payload length
and CRC-32 of record id + payload, ``uint32``; then the record id, ``uint64``; little-endian) and
the payload. :func:`read_frames` stops at the first frame that is cut short or fails its CRC: the
torn tail of a crash is detected and dropped.

Examples:
    >>> data = MAGIC + frame_header(1, b"abc") + b"abc" + frame_header(2, b"defg") + b"de"
    >>> records, torn = read_frames(data)
    >>> [(rid, bytes(payload)) for rid, payload in records], torn
    ([(1, b'abc')], 18)

"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from driftline.core.errors import InputError

__all__ = [
    "HEADER",
    "MAGIC",
    "file_path",
    "frame_header",
    "frames",
    "journal_files",
    "journal_ids",
    "lock_path",
    "read_frames",
    "sync_folder",
]

MAGIC = b"DLJRNL\x00\x01"
"""The first 8 bytes of every journal file (the last one is the format's version)."""

HEADER = struct.Struct("<IIQ")
"""A frame's header: payload length, CRC-32 of (record id, payload), record id."""

_ID = struct.Struct("<Q")
_FILE = re.compile(r"^(?P<kind>[a-z_]+)-(?P<jid>[0-9]+-[0-9a-f]+)-(?P<gen>[0-9]{6})\.dlj$")
_LOCK = re.compile(r"^(?P<kind>[a-z_]+)-(?P<jid>[0-9]+-[0-9a-f]+)\.lock$")


def frame_header(record_id: int, payload: Any) -> bytes:
    """The header of the frame of ``payload`` (any bytes-like object) as record ``record_id``."""
    crc = zlib.crc32(payload, zlib.crc32(_ID.pack(record_id)))
    return HEADER.pack(len(memoryview(payload)), crc, record_id)


def frames(batch: list[tuple[int, Any]], *, first: bool) -> bytes:
    """Records ``batch`` (``(record id, payload)`` pairs) framed, after :data:`MAGIC` if ``first``.

    Examples:
        >>> read_frames(frames([(1, b"a"), (2, b"bc")], first=True))[0][1][0]
        2

    """
    parts: list[Any] = [MAGIC] if first else []
    for record, payload in batch:  # one step per request
        parts.append(frame_header(record, payload))
        parts.append(payload)
    return b"".join(parts)


def read_frames(data: bytes) -> tuple[list[tuple[int, memoryview]], int]:
    """The records of a journal file's bytes, and how many bytes at its end were dropped.

    Reading stops at the first frame that is cut short or fails its CRC (the torn tail of a
    crash); what follows it is counted as dropped.

    Raises:
        InputError: ``data`` does not start as a journal file does.

    """
    if len(data) <= len(MAGIC) and MAGIC.startswith(data):  # cut short before any record
        return [], len(data)
    if not data.startswith(MAGIC):
        raise InputError(f"not a driftline journal (it starts with {data[:8]!r}, not {MAGIC!r})")
    view = memoryview(data)
    records: list[tuple[int, memoryview]] = []
    at, end = len(MAGIC), len(data)
    while at + HEADER.size <= end:  # one step per record (a request), not per row
        length, crc, record_id = HEADER.unpack_from(data, at)
        start = at + HEADER.size
        if length == 0 or start + length > end:
            break
        payload = view[start : start + length]
        if zlib.crc32(payload, zlib.crc32(_ID.pack(record_id))) != crc:
            break
        records.append((record_id, payload))
        at = start + length
    return records, end - at


def journal_files(folder: str | os.PathLike[str], kind: str) -> dict[str, list[Path]]:
    """The record files of every journal of ``kind`` in ``folder``, by journal id, in order."""
    found: dict[str, list[tuple[str, Path]]] = {}
    with contextlib.suppress(FileNotFoundError):
        for path in Path(folder).iterdir():
            match = _FILE.match(path.name)
            if match and match["kind"] == kind:
                found.setdefault(match["jid"], []).append((match["gen"], path))
    return {jid: [p for _, p in sorted(files)] for jid, files in sorted(found.items())}


def journal_ids(folder: str | os.PathLike[str], kind: str) -> list[str]:
    """The id of every journal of ``kind`` in ``folder``: with record files, or a lock file only."""
    found: set[str] = set()
    with contextlib.suppress(FileNotFoundError):
        for path in Path(folder).iterdir():
            match = _FILE.match(path.name) or _LOCK.match(path.name)
            if match and match["kind"] == kind:
                found.add(match["jid"])
    return sorted(found)


def file_path(folder: str | os.PathLike[str], kind: str, journal_id: str, generation: int) -> Path:
    """The record file ``generation`` (0, 1, ...) of a journal."""
    return Path(folder) / f"{kind}-{journal_id}-{generation:06d}.dlj"


def lock_path(folder: str | os.PathLike[str], kind: str, journal_id: str) -> Path:
    """The lock file of a journal."""
    return Path(folder) / f"{kind}-{journal_id}.lock"


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a file created or deleted in it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
