"""Scratch folders: a process's private temporary folders, cleaned even after it was killed.

Steps that copy a model or sample rows to disk (the infra probe, a model's save/load round trip)
work in a *scratch folder*: owner-only, in the system's temporary folder (``TMPDIR``), named
``driftline-<purpose>-<pid>-<random>``. The process removes it when done. A process killed
before that (SIGKILL, a power cut) cannot, so the next driftline process that makes a scratch
folder first removes every scratch folder whose process is gone (:func:`sweep_scratch`): a
killed run leaves no copy of its model or of its rows behind for longer than it takes the next
one to start.

Examples:
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with scratch_folder("probe", root=tmp) as folder:
    ...         inside = folder.name.startswith(f"driftline-probe-{os.getpid()}-")
    ...         private = oct(folder.stat().st_mode & 0o777)
    ...     after = os.listdir(tmp)
    >>> inside, private, after
    (True, '0o700', [])

"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["scratch_folder", "sweep_scratch"]

_NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_NAME = re.compile(r"driftline-[a-z]+-(\d+)-[^/]+")
_swept: set[str] = set()
_lock = threading.Lock()


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

    Only this user's folders are touched. Returns how many were removed.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     dead = pathlib.Path(tmp, "driftline-probe-999999999-x1y2")  # no such process
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
    me = os.getuid()
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid():
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
    prefix = f"driftline-{purpose}-{os.getpid()}-"
    with tempfile.TemporaryDirectory(prefix=prefix, dir=where) as tmp:
        try:
            yield Path(tmp)
        except OSError as exc:  # a write to a full disk names no file: name the folder
            if exc.filename is None and exc.errno in _NO_SPACE:
                exc.filename = tmp
            raise
