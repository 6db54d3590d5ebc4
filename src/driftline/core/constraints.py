"""The constraints a declared parameter table holds: what a value may be, said in words.

:func:`driftline.core.params.check_params` checks values against them; see that module for the
message they make.

Examples:
    >>> Interval(int, 8, 1 << 20).accepts(True), Interval(float, 0, 1).describe()
    (False, 'a number in [0, 1]')
    >>> (Text() | None).accepts(None)
    True

"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AnyOf",
    "Boolean",
    "Closed",
    "Constraint",
    "Instance",
    "Interval",
    "OneOf",
    "PathLike",
    "Text",
]


Closed = Literal["both", "left", "right", "neither"]


class Constraint(ABC):
    """What a parameter may hold: :meth:`accepts` checks a value, :meth:`describe` says it."""

    @abstractmethod
    def accepts(self, value: object) -> bool:
        """Whether ``value`` is allowed."""

    @abstractmethod
    def describe(self) -> str:
        """What is allowed, as a noun phrase (``an int >= 1``)."""

    def __or__(self, other: Constraint | None) -> AnyOf:
        """Either this constraint or ``other`` (``None``: the value ``None``)."""
        return AnyOf(self, other)

    def __str__(self) -> str:
        return self.describe()


def _is_number(value: object, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is int:
        return isinstance(value, int)
    if isinstance(value, float):
        return not math.isnan(value)
    return isinstance(value, int)


def _show(bound: float) -> str:
    if isinstance(bound, float) and bound.is_integer():
        return str(int(bound))
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


@dataclass(frozen=True)
class Interval(Constraint):
    """An int (``kind=int``) or a number (``kind=float``: an int or a float) within bounds.

    ``low`` and ``high`` are the bounds (``None``: none on that side); ``closed`` says which
    bounds are allowed values (``"both"``, ``"left"``, ``"right"`` or ``"neither"``). A bool is
    never accepted, nor is NaN; an infinite value is accepted only where the interval reaches it.

    Examples:
        >>> Interval(int, 1).describe(), Interval(float, 0, 1, closed="left").describe()
        ('an int >= 1', 'a number in [0, 1)')
        >>> Interval(int, 1).accepts(True), Interval(float).accepts(float("nan"))
        (False, False)

    """

    kind: type[int] | type[float]
    low: float | None = None
    high: float | None = None
    closed: Closed = "both"

    def __post_init__(self) -> None:
        if self.kind not in (int, float):
            raise TypeError(f"Interval kind must be int or float, got {self.kind!r}")
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be both, left, right or neither: {self.closed}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"Interval low {self.low} is above its high {self.high}")

    @property
    def _low_closed(self) -> bool:
        return self.closed in ("both", "left")

    @property
    def _high_closed(self) -> bool:
        return self.closed in ("both", "right")

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is of the kind and within the bounds."""
        if not _is_number(value, self.kind):
            return False
        number: float = value  # type: ignore[assignment]
        if self.low is not None and (
            number < self.low or (number == self.low and not self._low_closed)
        ):
            return False
        high = self.high
        return high is None or not (number > high or (number == high and not self._high_closed))

    def describe(self) -> str:
        """``an int in [8, 1048576]``, ``a number > 0``, ``an int``..."""
        noun = "an int" if self.kind is int else "a number"
        low, high = self.low, self.high
        if low is not None and high is not None:
            left = "[" if self._low_closed else "("
            right = "]" if self._high_closed else ")"
            return f"{noun} in {left}{_show(low)}, {_show(high)}{right}"
        if low is not None:
            return f"{noun} {'>=' if self._low_closed else '>'} {_show(low)}"
        if high is not None:
            return f"{noun} {'<=' if self._high_closed else '<'} {_show(high)}"
        return noun


class OneOf(Constraint):
    """One of the given values (compared with ``==``; ``True`` never stands for ``1``).

    Examples:
        >>> OneOf("psi", "ks").describe()
        "one of 'psi', 'ks'"
        >>> OneOf(1, 2).accepts(True)
        False

    """

    options: tuple[object, ...]

    def __init__(self, *options: object) -> None:
        if not options:
            raise ValueError("OneOf needs at least one option")
        self.options = options

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is one of the options."""
        return any(
            isinstance(value, bool) == isinstance(o, bool) and _equal(value, o)
            for o in self.options
        )

    def describe(self) -> str:
        """``one of 'a', 'b'``."""
        shown = [repr(getattr(o, "value", o)) for o in self.options]
        return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)

    def __repr__(self) -> str:
        return f"OneOf({', '.join(map(repr, self.options))})"


def _equal(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:  # a value whose == refuses the comparison is simply not equal
        return False


@dataclass(frozen=True)
class Text(Constraint):
    """A string of at most ``max_len`` characters; not blank unless ``empty``.

    Examples:
        >>> Text().describe(), Text(max_len=10, empty=True).accepts("")
        ('a non-empty string of at most 255 characters', True)

    """

    max_len: int = 255
    empty: bool = False

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is such a string."""
        return (
            isinstance(value, str)
            and (self.empty or bool(value.strip()))
            and len(value) <= self.max_len
        )

    def describe(self) -> str:
        """``a non-empty string of at most 255 characters``."""
        blank = "" if self.empty else "non-empty "
        return f"a {blank}string of at most {self.max_len} characters"


@dataclass(frozen=True)
class PathLike(Constraint):
    """A file system path: a non-empty string or an ``os.PathLike`` (such as ``pathlib.Path``).

    Examples:
        >>> from pathlib import Path
        >>> PathLike().accepts(Path("a.csv")), PathLike().accepts("")
        (True, False)

    """

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a path."""
        return isinstance(value, os.PathLike) or (isinstance(value, str) and bool(value))

    def describe(self) -> str:
        """``a path (a non-empty str or os.PathLike)``."""
        return "a path (a non-empty str or os.PathLike)"


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (``0``, ``1`` and other truthy values are refused).

    Examples:
        >>> Boolean().accepts(False), Boolean().accepts(1)
        (True, False)

    """

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a bool."""
        return isinstance(value, bool)

    def describe(self) -> str:
        """``a bool``."""
        return "a bool"


class Instance(Constraint):
    """An instance of one of the given classes.

    Examples:
        >>> Instance(dict).describe(), Instance(list, tuple).accepts((1,))
        ('a dict', True)

    """

    classes: tuple[type, ...]

    def __init__(self, *classes: type) -> None:
        if not classes:
            raise ValueError("Instance needs at least one class")
        self.classes = classes

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is an instance of one of the classes."""
        return isinstance(value, self.classes)

    def describe(self) -> str:
        """``a dict`` or ``a list or a tuple``."""
        return " or ".join(f"a {c.__name__}" for c in self.classes)

    def __repr__(self) -> str:
        return f"Instance({', '.join(c.__name__ for c in self.classes)})"


class AnyOf(Constraint):
    """Any of several constraints; ``None`` among them stands for the value ``None``.

    Usually written with ``|``: ``Interval(int, 1) | None``.

    Examples:
        >>> (Interval(int, 1) | None).describe()
        'an int >= 1 or None'

    """

    constraints: tuple[Constraint | None, ...]

    def __init__(self, *constraints: Constraint | None) -> None:
        flat: list[Constraint | None] = []
        for c in constraints:
            if isinstance(c, AnyOf):
                flat.extend(c.constraints)
            elif c is None or isinstance(c, Constraint):
                flat.append(c)
            else:
                raise TypeError(f"AnyOf takes constraints or None, got {c!r}")
        self.constraints = tuple(flat)

    def accepts(self, value: object) -> bool:
        """Whether one of the constraints accepts ``value``."""
        return any(value is None if c is None else c.accepts(value) for c in self.constraints)

    def describe(self) -> str:
        """The alternatives joined by ``or``."""
        return " or ".join("None" if c is None else c.describe() for c in self.constraints)

    def __repr__(self) -> str:
        return " | ".join(repr(c) for c in self.constraints)
