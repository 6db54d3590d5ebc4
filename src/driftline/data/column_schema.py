"""One column of a schema: its contract, and what was observed when the schema was made.

A column's **contract** is what data must satisfy to be trained on: the column is there, of its
kind, without nulls unless ``nullable``, with values inside the bounds a user **declared**. What
inference saw (the range, the values of a small domain, the missing share) is **observed**: it
describes the training data, and data that leaves it has changed, which is drift, not corruption.
``bounds`` says which of the two ``min``, ``max`` and ``domain`` are:

==============  ==================================================================================
``bounds``      ``min``, ``max`` and ``domain`` are...
==============  ==================================================================================
``"observed"``  what inference saw (the default, also for files written before ``bounds``
                existed): values outside them are a WARNING
``"declared"``  a contract a user wrote: values outside them beyond the threshold are an ERROR
==============  ==================================================================================

``role = "index"`` marks a column that only grows with the stream (a time, an id): its observed
range is never checked, and drift comparisons report it but leave it out of the drift share.

Examples:
    >>> c = ColumnSchema("price", "double", ColumnKind.NUMERIC, min=0, bounds=Bounds.DECLARED)
    >>> c.declared, c.role.value, c.threshold("max_out_of_range_share", Thresholds())
    (True, 'value', 0.01)

"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from driftline.data.kinds import ColumnKind

__all__ = ["Bound", "Bounds", "ColumnRole", "ColumnSchema", "Thresholds"]

Bound = int | float | datetime
"""A ``min`` or ``max``: a number, or a datetime for datetime columns."""


class Bounds(StrEnum):
    """Whether a column's ``min``, ``max`` and ``domain`` were observed or declared."""

    OBSERVED = "observed"
    DECLARED = "declared"


class ColumnRole(StrEnum):
    """What a column is to the stream: an ordinary ``value``, or an ``index`` that only grows."""

    VALUE = "value"
    INDEX = "index"


@dataclass(frozen=True)
class Thresholds:
    """When a share of odd values becomes an anomaly (each a share in ``[0, 1]``)."""

    max_unseen_share: float = 0.01
    max_out_of_range_share: float = 0.01
    max_missing_increase: float = 0.05


THRESHOLD_NAMES = tuple(Thresholds.__dataclass_fields__)


@dataclass(frozen=True)
class ColumnSchema:
    """What one column should hold (see the module docstring and ``docs/data.md``)."""

    name: str
    type: str
    kind: ColumnKind
    nullable: bool = True
    min: Bound | None = None
    max: Bound | None = None
    domain: tuple[Any, ...] | None = None
    missing_rate: float = 0.0
    max_unseen_share: float | None = None
    max_out_of_range_share: float | None = None
    max_missing_increase: float | None = None
    role: ColumnRole = ColumnRole.VALUE
    bounds: Bounds = Bounds.OBSERVED

    @property
    def declared(self) -> bool:
        """Whether ``min``, ``max`` and ``domain`` are a contract (``bounds = "declared"``)."""
        return self.bounds is Bounds.DECLARED

    @property
    def is_index(self) -> bool:
        """Whether the column only grows with the stream (``role = "index"``)."""
        return self.role is ColumnRole.INDEX

    def threshold(self, name: str, default: Thresholds) -> float:
        """The column's own threshold ``name``, else the dataset's."""
        own: float | None = getattr(self, name)
        return own if own is not None else float(getattr(default, name))
