"""Parameters checked against a declared table of constraints, with one kind of message.

A :class:`Constraint` says what a parameter may hold and describes it in words. A class or a
function declares its table once (``{"k": Interval(int, 8, 1 << 20), ...}``) and checks its
arguments with :func:`check_params` (or one of them with :func:`check_param`). A refused value
raises :class:`~driftline.core.errors.InputError` naming the owner, the parameter, what is
allowed and the value received::

    KLLSketch: k must be an int in [8, 1048576], got 4

The constraints:

- :class:`Interval` -- an int, or a number (int or float), within bounds. ``True`` is not an
  int here, and NaN is never a number.
- :class:`OneOf` -- one of a few values (strings, enum members, numbers).
- :class:`Text` -- a string, non-empty unless allowed, of bounded length.
- :class:`PathLike` -- a file system path: a non-empty string or an ``os.PathLike``.
- :class:`Boolean` -- ``True`` or ``False`` (not ``0`` or ``1``).
- :class:`Instance` -- an instance of given classes.
- ``a | b`` (an :class:`AnyOf`) -- either; ``constraint | None`` also allows ``None``.

Examples:
    >>> PARAMS = {"k": Interval(int, 8, 1 << 20), "seed": Interval(int) | None}
    >>> check_params("KLLSketch", {"k": 2048, "seed": None}, PARAMS)
    >>> check_params("KLLSketch", {"k": True}, PARAMS)
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: KLLSketch: k must be an int in [8, 1048576], got True
    >>> check_param("ADWIN", "delta", 2.0, Interval(float, 0, 1, closed="right"))
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: ADWIN: delta must be a number in (0, 1], got 2.0
    >>> check_param("compare", "method", "psi", OneOf("psi", "ks"))
    'psi'

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from driftline.core.constraints import (
    AnyOf,
    Boolean,
    Closed,
    Constraint,
    Instance,
    Interval,
    OneOf,
    PathLike,
    Text,
)
from driftline.core.errors import InputError

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
    "check_param",
    "check_params",
    "refusal",
]

T = TypeVar("T")


def refusal(owner: str, name: str, value: object, constraint: Constraint) -> InputError:
    """The error for a refused value: ``owner: name must be <allowed>, got <value>``.

    ``owner`` may be empty when ``name`` says enough already (``thresholds['age']``).

    Examples:
        >>> str(refusal("HDDM", "drift_confidence", 0, Interval(float, 0, 1, closed="neither")))
        'HDDM: drift_confidence must be a number in (0, 1), got 0'

    """
    where = f"{owner}: " if owner else ""
    return InputError(f"{where}{name} must be {constraint.describe()}, got {value!r}")


def check_param(owner: str, name: str, value: T, constraint: Constraint) -> T:
    """Return ``value`` if ``constraint`` accepts it, else raise :class:`InputError`.

    Raises:
        InputError: naming ``owner``, ``name``, what is allowed and ``value``.

    Examples:
        >>> check_param("Journal", "rotate_bytes", 1 << 20, Interval(int, 1))
        1048576
        >>> check_param("Journal", "rotate_bytes", 0, Interval(int, 1))
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: Journal: rotate_bytes must be an int >= 1, got 0

    """
    if not constraint.accepts(value):
        raise refusal(owner, name, value, constraint)
    return value


def check_params(
    owner: str, values: Mapping[str, object], constraints: Mapping[str, Constraint]
) -> None:
    """Check each of ``values`` against its declared constraint, in the order of ``values``.

    A name of ``values`` that ``constraints`` does not declare is refused too (a misspelt
    option is an error, not a silent default); a declared name missing from ``values`` is not
    checked.

    Raises:
        InputError: the first refused value, naming ``owner``, the parameter, what is allowed
            and the value received; or an undeclared name, listing the declared ones.

    Examples:
        >>> check_params("gate", {"tolerance": -1}, {"tolerance": Interval(float, 0)})
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: gate: tolerance must be a number >= 0, got -1
        >>> check_params("gate", {"tolerence": 1}, {"tolerance": Interval(float, 0)})
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: gate: unknown parameter 'tolerence'; known: tolerance

    """
    for name, value in values.items():
        constraint = constraints.get(name)
        if constraint is None:
            known = ", ".join(sorted(constraints)) or "none"
            raise InputError(f"{owner}: unknown parameter {name!r}; known: {known}")
        check_param(owner, name, value, constraint)
