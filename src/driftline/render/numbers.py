"""How reports write numbers; each function is also a filter of the templates (same name).

``None`` (a value not recorded) is written as an empty string, and so is a non-finite number
where a table cell would otherwise read ``nan``.

Examples:
    >>> number(0.000123456), number(None), fixed(0.5), count(1234567), percent(0.256)
    ('0.0001235', '', '0.5000', '1,234,567', '26%')

"""

from __future__ import annotations

import math

__all__ = ["FILTERS", "count", "fixed", "number", "percent"]


def number(value: float | None, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits (``""`` for ``None``).

    Examples:
        >>> number(3.14159), number(12345.0, 2), number(float("nan"))
        ('3.142', '1.2e+04', 'nan')

    """
    return "" if value is None else f"{value:.{digits}g}"


def fixed(value: float | None, digits: int = 4) -> str:
    """``value`` with ``digits`` decimals (``""`` for ``None`` or a non-finite number).

    Examples:
        >>> fixed(0.91234), fixed(2.5, 2), fixed(float("nan"))
        ('0.9123', '2.50', '')

    """
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{digits}f}"


def count(value: int | None) -> str:
    """A whole number with thousands separators (``""`` for ``None``).

    Examples:
        >>> count(20000), count(None)
        ('20,000', '')

    """
    return "" if value is None else f"{value:,}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share as a percentage (``""`` for ``None``).

    Examples:
        >>> percent(0.5), percent(1 / 3, 1)
        ('50%', '33.3%')

    """
    return "" if value is None else f"{value:.{digits}%}"


FILTERS = {"number": number, "fixed": fixed, "count": count, "percent": percent}
"""The functions above, by the name the templates use them under."""
