"""Scratch folders: a process's private temporary folders, cleaned even after it was killed.

Steps that copy a model or sample rows to disk (the infra probe, a model's save/load round trip)
work in a *scratch folder*: owner-only, in the system's temporary folder (``TMPDIR``), named
``driftline-<purpose>-<pid>-<host>-<random>`` (``<host>``: 8 hex digits of the host name's hash).
The process removes it when done. A process killed before that (SIGKILL, a power cut) cannot,
so the next driftline process on the same host that makes a scratch folder first removes every
scratch folder of that host whose process is gone (:func:`sweep_scratch`): a killed run leaves
no copy of its model or of its rows behind for longer than it takes the next one to start. (The
host in the name keeps a process from removing the folders of live processes of other hosts or
containers that share the folder.)

Examples:
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with scratch_folder("probe", root=tmp) as folder:
    ...         inside = folder.name.startswith(scratch_prefix("probe"))
    ...         private = oct(folder.stat().st_mode & 0o777)
    ...     after = os.listdir(tmp)
    >>> inside, private, after
    (True, '0o700', [])

"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["scratch_folder", "scratch_prefix", "sweep_scratch"]

_NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_NAME = re.compile(r"driftline-[a-z]+-(\d+)-([0-9a-f]{8})-[^/]+")
_swept: set[str] = set()
_lock = threading.Lock()


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def scratch_prefix(purpose: str, pid: int | None = None) -> str:
    """The start of the names of the scratch folders of process ``pid`` (default: this one).

    Examples:
        >>> scratch_prefix("probe", 42).startswith("driftline-probe-42-")
        True

    """
    return f"driftline-{purpose}-{os.getpid() if pid is None else pid}-{_host()}-"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (on this host)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_scratch(root: str | os.PathLike[str] | None = None) -> int:
    """Remove the scratch folders of ``root`` (default: ``TMPDIR``) whose process is gone.

    Only this user's folders made on this host are touched. Returns how many were removed.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     dead = pathlib.Path(tmp, scratch_prefix("probe", 999999999) + "x1y2")  # no such pid
        ...     dead.mkdir()
        ...     _ = (dead / "sample.parquet").write_bytes(b"rows")
        ...     kept = pathlib.Path(tmp, "driftline-probe-notapid")
        ...     kept.mkdir()
        ...     removed = sweep_scratch(tmp)
        ...     left = sorted(p.name for p in pathlib.Path(tmp).iterdir())
        >>> removed, left
        (1, ['driftline-probe-notapid'])

    """
    folder = Path(root if root is not None else tempfile.gettempdir())
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    me, host = os.getuid(), _host()
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid() or match[2] != host:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != me:
                continue
        except OSError:
            continue
        if not _alive(int(match[1])):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += not os.path.lexists(entry.path)
    return removed


@contextmanager
def scratch_folder(purpose: str, *, root: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """A new owner-only folder for ``purpose`` (lower-case letters), removed on exit.

    The first call of a process for a ``root`` removes the scratch folders that killed
    processes left there (:func:`sweep_scratch`). A write that fails for want of room without
    naming its file (``ENOSPC``, ``EFBIG``) is given the folder's name.
    """
    if not purpose.isalpha() or not purpose.islower():
        raise ValueError(f"scratch_folder: purpose must be lower-case letters, not {purpose!r}")
    where = str(root if root is not None else tempfile.gettempdir())
    with _lock:
        first = where not in _swept
        _swept.add(where)
    if first:
        sweep_scratch(where)
    prefix = scratch_prefix(purpose)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=where) as tmp:
        try:
            yield Path(tmp)
        except OSError as exc:  # a write to a full disk names no file: name the folder
            if exc.filename is None and exc.errno in _NO_SPACE:
                exc.filename = tmp
            raise
