"""Reusable work arrays: the profiler's hot path allocates no large temporaries.

numpy takes every array above a small size from ``malloc``, which hands large blocks back to the
system when they are freed; the next window then faults the same pages in again. On a virtual
machine a fault costs about a microsecond per 4 KiB page, which made the page faults of a numeric
window's temporaries cost more than its arithmetic. A :class:`Scratch` keeps one array per name and
dtype, grown when a longer window comes, and hands out views of it; one is used by one thread at a
time.

Some temporaries cannot be given an output array (``argsort`` returns a new one). For those, a
new :class:`Scratch` also allocates and frees one untouched 16 MiB block: glibc's ``malloc`` then
raises its dynamic thresholds (blocks up to that size come from the heap, and the heap keeps up to
twice that much free memory instead of returning it at once), so the next window's temporaries
reuse pages already mapped. The block is never written, so it costs no page, and on other
allocators it is just one short-lived allocation.

Examples:
    >>> import numpy as np
    >>> s = Scratch()
    >>> a = s.get("keys", np.uint64, 5); b = s.get("keys", np.uint64, 3)
    >>> a.size, b.size, bool(np.shares_memory(a, b))
    (5, 3, True)

"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Scratch"]

_RAISE_MALLOC_THRESHOLD = 16 << 20


class Scratch:
    """Named work arrays, reused from one call to the next (not thread-safe: one per thread)."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[str, Any], npt.NDArray[Any]] = {}
        np.empty(_RAISE_MALLOC_THRESHOLD, dtype=np.uint8)  # freed at once: see the module docstring

    def get(self, name: str, dtype: Any, size: int) -> npt.NDArray[Any]:
        """A view of ``size`` elements of the array ``name`` (contents undefined)."""
        key = (name, np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None or array.size < size:
            array = np.empty(max(size, 1), dtype=dtype)
            self._arrays[key] = array
        return array[:size]
