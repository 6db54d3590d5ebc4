"""The base class of every mergeable sketch: one verb to feed it, one to merge, bytes to keep it.

A sketch summarises values seen in batches so that summaries of parts **merge** into the summary of
the whole: ``a.merge(b)`` describes the values of ``a`` and of ``b`` together. ``update`` changes
the sketch in place; ``merge`` returns a new sketch and leaves both inputs as they were.

Every sketch serialises to a compact, versioned byte string (:meth:`Sketch.to_bytes`) that
round-trips exactly; two sketches are equal when their bytes are. :meth:`Sketch.to_state` exposes
the same content as JSON meta plus numpy arrays, for containers (profiles) that embed sketches.

Examples:
    >>> from driftline.data.sketches import Moments
    >>> a, b = Moments(), Moments()
    >>> a.update([1.0, 2.0]); b.update([3.0])
    >>> a.merge(b).count, a.count
    (3, 2)
    >>> Moments.from_bytes(a.to_bytes()) == a
    True

"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

from driftline.data._codec import State, decode, encode
from driftline.data.errors import FormatError, MergeError

__all__ = ["Sketch", "State"]


class Sketch(ABC):
    """A mergeable summary of values.

    Subclasses set ``kind`` (the name written in their bytes) and implement :meth:`update`,
    :meth:`merge`, :meth:`to_state` and :meth:`from_state`.
    """

    kind: ClassVar[str]

    @abstractmethod
    def update(self, values: Any) -> None:
        """Add a batch of values to the sketch (in place)."""

    @abstractmethod
    def merge(self, other: Self) -> Self:
        """A new sketch of the values of ``self`` and ``other``; neither input changes."""

    @abstractmethod
    def to_state(self) -> State:
        """The sketch's content as JSON meta and numpy arrays (see :func:`from_state`)."""

    @classmethod
    @abstractmethod
    def from_state(cls, state: State) -> Self:
        """Rebuild a sketch from :meth:`to_state` (raises ``FormatError`` if inconsistent)."""

    def to_bytes(self) -> bytes:
        """The sketch as a compact, versioned byte string; the same sketch gives the same bytes."""
        return encode(self.kind, self.to_state())

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Self:
        """Read a sketch written by :meth:`to_bytes`.

        Raises:
            FormatError: the bytes are not a valid sketch of this class.

        """
        return cls.from_state(decode(data, cls.kind))

    def copy(self) -> Self:
        """An independent copy of the sketch."""
        return copy.deepcopy(self)

    def _check_merge(self, other: object) -> None:
        if type(other) is not type(self):
            raise MergeError(f"cannot merge a {type(self).__name__} with a {type(other).__name__}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sketch) or type(other) is not type(self):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]


def meta_int(state: State, key: str, *, low: int = 0, high: int | None = None) -> int:
    """An int from ``state.meta``, checked to lie in ``[low, high]`` (``FormatError`` if not)."""
    value = state.meta.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"corrupt sketch: {key!r} is not an integer ({value!r})")
    if value < low or (high is not None and value > high):
        raise FormatError(f"corrupt sketch: {key!r} = {value} is out of range")
    return value


def array(state: State, key: str, *, dtype: str, size: int | None = None) -> Any:
    """An array from ``state.arrays`` with the expected dtype (and size), else ``FormatError``."""
    a = state.arrays.get(key)
    if a is None:
        raise FormatError(f"corrupt sketch: missing array {key!r}")
    if a.dtype.str != dtype or (size is not None and a.size != size):
        raise FormatError(
            f"corrupt sketch: array {key!r} has dtype {a.dtype.str} and size {a.size}"
        )
    return a
