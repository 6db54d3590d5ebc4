"""Values as plain JSON types: what every ``/api`` answer and every plot is made of.

Examples:
    >>> jsonable({"t": __import__("datetime").datetime(2026, 1, 2, 3, 4), "x": float("nan")})
    {'t': '2026-01-02T03:04:00', 'x': None}

"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: dates as ISO text, NaN and infinities as ``None``.

    Dataclasses become dicts (their ``to_dict`` when they have one), enums their value, numpy
    scalars and arrays Python numbers and lists, paths text.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if isinstance(value, PurePath):
        return str(value)
    return str(value)
