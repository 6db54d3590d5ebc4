"""How a source is ingested: :class:`IngestOptions`, one value from the CLI down to the ingest.

``driftline ingest``, :meth:`Workspace.ingest <driftline.workspace.Workspace.ingest>`,
:meth:`DataCatalog.ingest <driftline.data.catalog.DataCatalog.ingest>` and
:func:`driftline.data.ingest.ingest` all take one :class:`IngestOptions`. The two Python entry
points also take its fields as keywords (``ws.ingest("d", path, label="y")``), typed by
:class:`IngestFields`; :meth:`IngestOptions.with_fields` merges them.

Examples:
    >>> options = IngestOptions(label="y", eval_fraction=0.1)
    >>> options.with_fields(key="id").key, options.key
    ('id', None)
    >>> IngestOptions(eval_fraction=1.5).check()
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: eval_fraction must be a number in [0, 1), got 1.5

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypedDict

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data.sources import ReadOptions, SourceFormat

__all__ = ["IngestFields", "IngestOptions"]

_FRACTION = Interval(float, 0, 1, closed="left")


@dataclass(frozen=True)
class IngestOptions:
    """How to read a source and split it into a span (every field has a default).

    Attributes:
        label: the label column, recorded with the span (and in an inferred schema). Default
            ``None``: no label.
        key: split train/eval by the hash of this column (rows with equal keys stay together).
            Default ``None``: by the hash of each row's position in the source.
        time: an event-time column (dates, timestamps or numbers); its range is recorded.
            Default ``None``.
        eval_fraction: the share of rows for the eval part, in ``[0, 1)``. Default ``0.2``.
        format: read every file as ``csv``, ``parquet`` or ``arrow``. Default ``None``: by each
            file's suffix.
        encoding: the text encoding of CSV files. Default ``"utf-8"``.
        column_types: force column types by name, e.g. ``{"zip": "string"}`` (see
            :func:`driftline.data.sources.arrow_type`). Default: none forced.
        delimiter: the CSV delimiter. Default ``None``: detected (see
            :mod:`driftline.data.dialect`; a tab is preferred for ``.tsv`` files).
        header: whether a CSV file's first row is a header. Default ``None``: detected.
        column_names: names for the CSV columns (e.g. for a file without a header). Default
            ``None``: from the header, or ``column_1`` .. ``column_N`` without one.
        allow_schema_change: store a span whose columns do not fit the dataset's schema (or its
            previous span); it is recorded as allowed and quarantined. Default ``False``: refused.

    """

    label: str | None = None
    key: str | None = None
    time: str | None = None
    eval_fraction: float = 0.2
    format: SourceFormat | str | None = None
    encoding: str = "utf-8"
    column_types: Mapping[str, str] = field(default_factory=dict)
    allow_schema_change: bool = False
    delimiter: str | None = None
    header: bool | None = None
    column_names: tuple[str, ...] | None = None

    def with_fields(self, **changes: Any) -> IngestOptions:
        """A copy with ``changes`` (field names of this class) applied.

        Raises:
            InputError: a name that is not an ingest option (listing them).

        """
        unknown = sorted(set(changes) - _NAMES)
        if unknown:
            raise InputError(
                f"unknown ingest option {unknown[0]!r}; the options are {', '.join(sorted(_NAMES))}"
            )
        return replace(self, **changes) if changes else self

    def check(self) -> IngestOptions:
        """Check every option; return ``self``.

        Raises:
            InputError: naming the option, what it takes and what it got.

        """
        check_param("", "eval_fraction", self.eval_fraction, _FRACTION)
        for what, value in (("label", self.label), ("key", self.key), ("time", self.time)):
            if value is not None and (not isinstance(value, str) or not value):
                raise InputError(f"{what} must be a column name, got {value!r}")
        if not isinstance(self.encoding, str) or not self.encoding:
            raise InputError(f"encoding must be a codec name, got {self.encoding!r}")
        if not isinstance(self.column_types, Mapping):
            raise InputError(
                f"column_types must map column names to types, got {self.column_types!r}"
            )
        if self.header is not None and not isinstance(self.header, bool):
            raise InputError(f"header must be True, False or None, got {self.header!r}")
        self.read_options().check().forced_types()
        return self

    def read_options(self) -> ReadOptions:
        """How the source's files are read (format, encoding, column types, CSV dialect).

        Raises:
            InputError: an unknown format or column type.

        """
        try:
            fmt = SourceFormat(self.format) if self.format is not None else None
        except ValueError:
            known = ", ".join(f.value for f in SourceFormat)
            raise InputError(f"format must be one of {known}, got {self.format!r}") from None
        names = tuple(self.column_names) if self.column_names is not None else None
        return ReadOptions(
            format=fmt,
            encoding=self.encoding,
            column_types=dict(self.column_types),
            delimiter=self.delimiter,
            header=self.header,
            column_names=names,
        )


class IngestFields(TypedDict, total=False):
    """The fields of :class:`IngestOptions` as keywords (``ws.ingest("d", path, label="y")``)."""

    label: str | None
    key: str | None
    time: str | None
    eval_fraction: float
    format: SourceFormat | str | None
    encoding: str
    column_types: Mapping[str, str]
    allow_schema_change: bool
    delimiter: str | None
    header: bool | None
    column_names: tuple[str, ...] | None


_NAMES = frozenset(f.name for f in fields(IngestOptions))
