"""Checking :func:`~driftline.drift.comparison`'s options; each error names the option."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data.errors import UnknownColumnError
from driftline.data.profile import listing
from driftline.drift.methods import Correction, Method


def number(option: str, value: object, *, low: float, high: float) -> float:
    """``value`` as a float if it is a number in ``(low, high]`` (no upper bound if infinite)."""
    if math.isinf(high):
        bounds = Interval(float, low, closed="neither")
    else:
        bounds = Interval(float, low, high, closed="right")
    return float(check_param("compare", option, value, bounds))  # type: ignore[arg-type]


def threshold(name: str, method: Method, value: float | None) -> float:
    if value is None:
        return method.default_threshold
    option = f"thresholds[{name!r}]"
    if method.uses_p_value:
        return number(option + f" (a p-value level for {method.value!r})", value, low=0, high=1)
    return number(option + f" (a distance for {method.value!r})", value, low=0, high=math.inf)


def correction(value: object) -> Correction | None:
    if value is None or isinstance(value, Correction):
        return value
    if isinstance(value, str):
        try:
            return Correction(value.lower())
        except ValueError:
            pass
    known = ", ".join(repr(c.value) for c in Correction)
    raise InputError(f"correction must be None or one of {known}, got {value!r}")


def names_of(option: str, value: Iterable[str] | None, known: list[str] | None) -> list[str]:
    """Column names given as ``option``, checked against ``known`` (``None``: any name)."""
    if value is None:
        return []
    if isinstance(value, str):
        raise InputError(f"{option} must be a list of column names, got the string {value!r}")
    names = list(value)
    for n in names:
        if not isinstance(n, str):
            raise InputError(f"{option} must hold column names (str), got {n!r}")
        if known is not None and n not in known:
            raise UnknownColumnError(
                f"{option} names {n!r}, which neither profile has; they have {listing(known)}"
            )
    return names


def columns(value: Iterable[str] | None, known: list[str]) -> list[str]:
    if value is None:
        return known
    names = names_of("columns", value, known)
    if len(set(names)) != len(names):
        raise InputError(f"columns lists a name twice: {listing(names)}")
    return names


def per_column(option: str, value: object, known: list[str]) -> dict[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(
            f"{option} must be a mapping of column name to value, got {type(value).__name__}"
        )
    for n in value:
        if not isinstance(n, str) or n not in known:
            raise UnknownColumnError(
                f"{option} names {n!r}, which neither profile has; they have {listing(known)}"
            )
    return dict(value)
