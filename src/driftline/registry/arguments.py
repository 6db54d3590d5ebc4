"""Checks of the registry's arguments, each raising an ``InputError`` that names the argument.

Examples:
    >>> check_metrics({"accuracy": 0.91, "n": 3})
    {'accuracy': 0.91, 'n': 3.0}
    >>> check_metrics({"auc": float("nan")})
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: metric 'auc' must be a finite number, got nan
    >>> listing(range(1, 30), limit=3)
    '1, 2, 3 and 26 more'

"""

from __future__ import annotations

import getpass
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

from driftline.core.errors import InputError
from driftline.core.params import Interval, Text, check_param
from driftline.registry.versions import MODEL_CONTEXT, VERSION_KIND
from driftline.store.records import ContextRef

__all__ = [
    "check_artifact_id",
    "check_by",
    "check_contexts",
    "check_metrics",
    "check_note",
    "listing",
]

NOTE_MAX = 10_000
"""The longest description or reason, in characters."""

_NOTE = Text(NOTE_MAX, empty=True)
_BY = Text(255)
_ARTIFACT_ID = Interval(int, 1)


def listing(values: Iterable[object], limit: int = 20) -> str:
    """``a, b, c and 4 more`` (or ``none``): what exists, for an error message."""
    shown = [str(v) for v in values]
    text = ", ".join(shown[:limit])
    return (text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")) or "none"


def check_note(value: object, what: str) -> str:
    """Check a free-text description or reason; return it."""
    return check_param("", what, value, _NOTE)  # type: ignore[return-value]


def check_by(by: object) -> str:
    """Check who makes a change; by default the user this process runs as (or ``unknown``)."""
    if by is None:
        try:
            return getpass.getuser() or "unknown"
        except Exception:  # no user name in the environment or the password database
            return "unknown"
    return check_param("", "by", by, _BY)  # type: ignore[return-value]


def check_metrics(metrics: object) -> dict[str, float]:
    """Check ``{name: finite number}`` (or ``None``); return it with float values."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise InputError(f"metrics must be a mapping of names to numbers, got {metrics!r}")
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise InputError(f"a metric name must be a non-empty string, got {key!r}")
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(float(value))
        ):
            raise InputError(f"metric {key!r} must be a finite number, got {value!r}")
        out[key] = float(value)
    return out


def check_artifact_id(value: object, what: str) -> int:
    """Check an artifact id: an int >= 1; return it."""
    return check_param("", f"{what} (an artifact id)", value, _ARTIFACT_ID)  # type: ignore[return-value]


def check_contexts(contexts: object) -> list[ContextRef]:
    """Check the caller's contexts of a registration; the registry's own kinds are refused."""
    if isinstance(contexts, str | bytes) or not isinstance(contexts, Sequence):
        raise InputError(f"contexts must be a sequence of ContextRef, got {contexts!r}")
    refs = list(contexts)
    for ref in refs:
        if not isinstance(ref, ContextRef):
            raise InputError(f"contexts must hold ContextRef values, got {ref!r}")
        if ref.kind in (MODEL_CONTEXT, VERSION_KIND):
            raise InputError(
                f"a context of kind {ref.kind!r} is kept by the registry itself, not given to "
                f"register (got {ref.name!r})"
            )
    return refs
