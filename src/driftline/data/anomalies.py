"""Anomalies: what validation found, how bad each is, and the report that gathers them.

Validation tells **corrupt or incompatible data** (an ERROR: the span is not trained on) from **a
changed world** (a WARNING, or nothing: drift is measured apart, see :mod:`driftline.drift`).
A column's contract is its presence, kind, nullability and the bounds a user *declared*; its
observed range and domain only describe the training data (see
:mod:`driftline.data.column_schema`).

=========================  ==========  ===========================================================
kind                       severity    when
=========================  ==========  ===========================================================
``MISSING_COLUMN``         ERROR       a schema column is not in the data
``NEW_COLUMN``             WARNING     the data has a column the schema does not know
``WRONG_TYPE``             ERROR       the column's kind differs (WARNING: same kind, other type)
``EMPTY_COLUMN``           ERROR       no value at all (every row null or NaN) in a column that had
                                       values when the schema was made
``UNEXPECTED_NULLS``       ERROR       nulls or NaN in a column that is not ``nullable``
``UNSEEN_VALUES``          ERROR       share outside a *declared* ``domain`` > max_unseen_share
                           WARNING     the same for an *observed* domain
``OUT_OF_RANGE``           ERROR       share outside *declared* ``[min, max]`` >
                                       max_out_of_range_share
                           WARNING     the same for an *observed* range (never for an index column)
``MISSING_RATE_INCREASE``  WARNING     the missing share grew by more than max_missing_increase
=========================  ==========  ===========================================================

ERROR anomalies are *blocking*: ``driftline validate`` exits with 1 and a pipeline stops.

Examples:
    >>> a = Anomaly("age", AnomalyKind.MISSING_COLUMN, Severity.ERROR, "no column 'age'")
    >>> report = ValidationReport("people", "people:3", (a,))
    >>> report.blocking, report.to_dict()["anomalies"][0]["kind"]
    (True, 'missing_column')

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from driftline.data.errors import ValidationFailedError

__all__ = ["DEFAULT_SEVERITY", "Anomaly", "AnomalyKind", "Severity", "ValidationReport"]


class AnomalyKind(StrEnum):
    """What is wrong (see the table in the module docstring)."""

    MISSING_COLUMN = "missing_column"
    NEW_COLUMN = "new_column"
    WRONG_TYPE = "wrong_type"
    EMPTY_COLUMN = "empty_column"
    UNEXPECTED_NULLS = "unexpected_nulls"
    UNSEEN_VALUES = "unseen_values"
    OUT_OF_RANGE = "out_of_range"
    MISSING_RATE_INCREASE = "missing_rate_increase"


class Severity(StrEnum):
    """How bad an anomaly is: ``ERROR`` blocks, ``WARNING`` informs."""

    ERROR = "error"
    WARNING = "warning"


DEFAULT_SEVERITY = {
    AnomalyKind.MISSING_COLUMN: Severity.ERROR,
    AnomalyKind.NEW_COLUMN: Severity.WARNING,
    AnomalyKind.WRONG_TYPE: Severity.ERROR,
    AnomalyKind.EMPTY_COLUMN: Severity.ERROR,
    AnomalyKind.UNEXPECTED_NULLS: Severity.ERROR,
    AnomalyKind.UNSEEN_VALUES: Severity.ERROR,
    AnomalyKind.OUT_OF_RANGE: Severity.ERROR,
    AnomalyKind.MISSING_RATE_INCREASE: Severity.WARNING,
}
"""The severity of each kind when the contract is broken. ``WRONG_TYPE`` is a WARNING when only
the Arrow type changed; ``UNSEEN_VALUES`` and ``OUT_OF_RANGE`` are WARNINGs against observed
(not declared) bounds."""


@dataclass(frozen=True)
class Anomaly:
    """One thing validation found in one column.

    Attributes:
        column: the column.
        kind: what is wrong.
        severity: ``ERROR`` (blocking) or ``WARNING``.
        message: one sentence for people.
        observed: what the data showed (JSON-ready), e.g. ``{"share": 0.12}``.
        expected: what the schema allows (JSON-ready).

    """

    column: str
    kind: AnomalyKind
    severity: Severity
    message: str
    observed: Any = None
    expected: Any = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "column": self.column,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "message": self.message,
            "observed": self.observed,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class ValidationReport:
    """The anomalies of one validation: ``subject`` (a span or a file) against a schema.

    Render it in a terminal with ``rich.print(report)``.
    """

    dataset: str
    subject: str
    anomalies: tuple[Anomaly, ...]
    rows: int | None = None
    schema_version: int | None = None

    @property
    def blocking(self) -> bool:
        """Whether any anomaly is an ``ERROR``."""
        return any(a.severity is Severity.ERROR for a in self.anomalies)

    @property
    def errors(self) -> tuple[Anomaly, ...]:
        """The blocking anomalies."""
        return tuple(a for a in self.anomalies if a.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Anomaly, ...]:
        """The anomalies that inform without blocking."""
        return tuple(a for a in self.anomalies if a.severity is Severity.WARNING)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "dataset": self.dataset,
            "subject": self.subject,
            "rows": self.rows,
            "schema_version": self.schema_version,
            "blocking": self.blocking,
            "anomalies": [a.to_dict() for a in self.anomalies],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ValidationReport:
        """Rebuild a report from :meth:`to_dict`."""
        anomalies = tuple(
            Anomaly(
                str(a["column"]),
                AnomalyKind(a["kind"]),
                Severity(a["severity"]),
                str(a["message"]),
                a.get("observed"),
                a.get("expected"),
            )
            for a in d.get("anomalies", ())
        )
        return cls(
            str(d["dataset"]), str(d["subject"]), anomalies, d.get("rows"), d.get("schema_version")
        )

    def to_json(self) -> bytes:
        """The report as canonical JSON bytes (what is stored as the ``anomalies`` artifact)."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=1).encode("utf-8")

    def raise_for_blocking(self) -> None:
        """Raise :class:`ValidationFailedError` naming the blocking anomalies, if there are any.

        Examples:
            >>> ValidationReport("d", "d:1", ()).raise_for_blocking() is None
            True

        """
        errors = self.errors
        if errors:
            shown = "; ".join(f"{a.column}: {a.message}" for a in errors[:3])
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            raise ValidationFailedError(
                f"{self.subject} failed validation against the schema of {self.dataset!r} with "
                f"{len(errors)} blocking anomal{'y' if len(errors) == 1 else 'ies'}: {shown}{more}"
            )

    def __rich__(self) -> Any:
        from rich.markup import escape
        from rich.table import Table

        verdict = "[red]blocking[/]" if self.blocking else "[green]passed[/]"
        if not self.blocking and self.anomalies:
            verdict += f" with {len(self.anomalies)} warning(s)"
        table = Table(title=f"validation of {escape(self.subject)} · {verdict}")
        for name in ("column", "anomaly", "severity", "message"):
            table.add_column(name)
        for a in self.anomalies:
            colour = "red" if a.severity is Severity.ERROR else "yellow"
            table.add_row(
                escape(a.column),
                a.kind.value,
                f"[{colour}]{a.severity.value}[/]",
                escape(a.message),
            )
        if not self.anomalies:
            table.add_row("-", "none", "-", "every column matches the schema")
        return table
