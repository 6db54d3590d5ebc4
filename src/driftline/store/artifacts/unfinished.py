"""Unfinished writes: the temporary files of writes that never committed, and removing them.

Every write goes to a temporary file under the store's ``.tmp/`` folder first and is renamed
into place when it commits. A process killed mid-write leaves its temporary file behind;
:func:`unfinished_writes` lists them and :func:`remove_unfinished` removes the stale ones.

Examples:
    >>> import tempfile
    >>> from driftline.store.artifacts.location import open_backend
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     backend = open_backend(folder, None)
    ...     found, removed = unfinished_writes(backend), remove_unfinished(backend, 0)
    >>> found, removed
    ([], 0)

"""

from __future__ import annotations

import math
import time

from driftline.core.params import Interval, check_param
from driftline.store.artifacts.objects import Backend, TempFile

__all__ = ["remove_unfinished", "unfinished_writes"]

_AGE = Interval(float, 0, math.inf, closed="left")


def unfinished_writes(backend: Backend) -> list[TempFile]:
    """The unfinished writes of ``backend`` (left by killed processes, or in progress), by URI."""
    return sorted(backend.temp_files(), key=lambda temp: temp.uri)


def remove_unfinished(backend: Backend, older_than_seconds: float) -> int:
    """Remove the unfinished writes untouched for ``older_than_seconds``; return how many.

    Raises:
        InputError: ``older_than_seconds`` is negative or not a number.

    """
    check_param("clean_temp", "older_than_seconds", older_than_seconds, _AGE)
    now = time.time()
    removed = 0
    for temp in backend.temp_files():
        if now - temp.modified >= older_than_seconds:
            backend.remove_temp(temp)
            removed += 1
    return removed
