"""Schemas: what a dataset's data must be, and what it looked like, kept as editable TOML.

A schema separates the **contract** (columns present, their kinds, nullability, bounds a user
declared) from the **observation** (ranges, small domains and missing shares seen when it was
inferred). Validation blocks only on a broken contract; leaving the observed range is a warning,
and is measured as drift (see ``docs/data.md``).

The file (one table per column)::

    dataset = "elec2"
    label = "label"

    [thresholds]                   # for the whole dataset
    max_unseen_share = 0.01        # values outside `domain`, as a share of present values
    max_out_of_range_share = 0.01  # values outside [min, max], as a share of present values
    max_missing_increase = 0.05    # missing share above the column's `missing_rate`

    [columns.date]
    type = "double"
    kind = "numeric"
    role = "index"                 # only grows with the stream: no range is checked
    nullable = false
    missing_rate = 0.0

    [columns.day]
    type = "int64"                 # the Arrow type
    kind = "numeric"               # numeric | categorical | boolean | datetime | text
    nullable = false               # may it hold nulls (or NaN)?
    bounds = "observed"            # min, max, domain as seen ("declared": a contract)
    min = 1                        # numeric and datetime columns (datetimes as TOML datetimes)
    max = 7
    domain = [1, 2, 3, 4, 5, 6, 7] # the values, when few (at most 100 when inferred)
    missing_rate = 0.0             # the share of missing values when inferred

A column table may also set any of the three thresholds for itself. Reading a file checks every
key: a bad one raises :class:`~driftline.data.errors.SchemaError` naming it and what is allowed.
A column without ``bounds`` (every file written before it existed) has observed bounds.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> p = profile_table(pa.table({"day": [1, 2, 2], "city": ["Oslo", "Rome", None]}))
    >>> s = infer_schema(p, dataset="demo", label="day")
    >>> s.column("day").domain, s.column("day").bounds.value, s.column("city").nullable
    ((1, 2), 'observed', True)
    >>> Schema.from_toml(s.to_toml()) == s
    True

"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from driftline.data._schema_toml import (
    KINDS,
    check_keys,
    column_items,
    fail,
    key,
    parse_column,
    parse_thresholds,
    value,
)
from driftline.data.column_profile import ColumnProfile
from driftline.data.column_schema import (
    THRESHOLD_NAMES,
    Bounds,
    ColumnRole,
    ColumnSchema,
    Thresholds,
)
from driftline.data.errors import SchemaError
from driftline.data.kinds import ColumnKind
from driftline.data.profile import Profile

__all__ = [
    "MAX_DOMAIN",
    "Bounds",
    "ColumnRole",
    "ColumnSchema",
    "Schema",
    "Thresholds",
    "infer_schema",
]

MAX_DOMAIN = 100
"""An inferred schema lists a column's values as its domain when it has at most this many."""


@dataclass(frozen=True)
class Schema:
    """A dataset's schema: its columns in order, the label, and the thresholds."""

    dataset: str
    columns: tuple[ColumnSchema, ...]
    label: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def index_columns(self) -> tuple[str, ...]:
        """The columns with ``role = "index"`` (to leave out of drift shares)."""
        return tuple(c.name for c in self.columns if c.is_index)

    def column(self, name: str) -> ColumnSchema:
        """The column called ``name``.

        Raises:
            SchemaError: no such column, listing the ones there are.

        """
        for c in self.columns:
            if c.name == name:
                return c
        raise SchemaError(f"the schema has no column {name!r}; it has {', '.join(self.names)}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (datetimes as ISO-8601 text)."""
        cols = {}
        for c in self.columns:
            entry = dict(column_items(c))
            cols[c.name] = {
                k: v.isoformat() if isinstance(v, datetime) else v for k, v in entry.items()
            }
        return {
            "dataset": self.dataset,
            "label": self.label,
            "thresholds": {k: getattr(self.thresholds, k) for k in THRESHOLD_NAMES},
            "columns": cols,
        }

    def to_toml(self) -> str:
        """The schema as TOML text that :meth:`from_toml` reads back (with a comment header)."""
        lines = [
            f"# driftline schema of dataset {value(self.dataset)}; edit it, then store it with",
            f"# `driftline schema set {self.dataset} FILE` (or `driftline schema edit`).",
            "# kinds: " + KINDS + "; see docs/data.md",
            '# bounds = "observed": min, max and domain are what inference saw; data outside',
            '# them is a warning. Write bounds = "declared" to make them a contract that blocks.',
            '# role = "index": the column only grows (a time, an id); its range is not checked.',
            f"dataset = {value(self.dataset)}",
        ]
        if self.label is not None:
            lines.append(f"label = {value(self.label)}")
        lines += ["", "[thresholds]"]
        lines += [f"{k} = {value(getattr(self.thresholds, k))}" for k in THRESHOLD_NAMES]
        for c in self.columns:
            lines += ["", f"[columns.{key(c.name)}]"]
            lines += [f"{k} = {value(v)}" for k, v in column_items(c)]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, *, where: str = "the schema") -> Schema:
        """Read a schema from TOML text, checking every key.

        Raises:
            SchemaError: not TOML, an unknown key, or a bad value; the message names ``where``,
                the key, and what is allowed.

        Examples:
            >>> lines = ['dataset = "d"', "[columns.x]", 'type = "int64"', 'kind = "x"']
            >>> text = chr(10).join(lines)
            >>> Schema.from_toml(text)
            Traceback (most recent call last):
            ...
            driftline.data.errors.SchemaError: the schema: columns.x.kind must be one of \
numeric, categorical, boolean, datetime, text; got 'x'

        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SchemaError(f"{where} is not valid TOML: {exc}") from exc
        return _parse(doc, where)


def _parse(doc: dict[str, Any], where: str) -> Schema:
    check_keys(where, "", doc, ("dataset", "label", "thresholds", "columns"))
    dataset = doc.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise fail(where, "dataset", "must be the dataset's name (a string)", dataset)
    thresholds = parse_thresholds(where, doc.get("thresholds", {}))
    columns = doc.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        raise fail(where, "columns", "must hold one table per column", columns)
    cols = tuple(parse_column(where, name, c) for name, c in columns.items())
    label = doc.get("label")
    if label is not None and label not in columns:
        raise fail(where, "label", "must name one of the columns: " + ", ".join(columns), label)
    return Schema(dataset=dataset, columns=cols, label=label, thresholds=thresholds)


def _time(seconds: float) -> datetime | float:
    if not math.isfinite(seconds):
        return seconds
    return datetime.fromtimestamp(seconds, tz=UTC)


def _as_int(v: float, arrow_type: str) -> int | float:
    is_int = arrow_type.startswith(("int", "uint"))
    return int(v) if is_int and math.isfinite(v) else v


def infer_schema(
    profile: Profile,
    *,
    dataset: str,
    label: str | None = None,
    max_domain: int = MAX_DOMAIN,
    thresholds: Thresholds | None = None,
    index: Iterable[str | None] = (),
    detect_index: bool = True,
) -> Schema:
    """Infer a schema from a profile: the contract, and what was observed.

    Contract: the columns, their types and kinds, and ``nullable`` (false when the profile saw
    no missing value). Observed (``bounds = "observed"``, never blocking): ``min``/``max`` of
    numeric and datetime columns, and as ``domain`` the values of categorical, boolean and
    integer columns known exactly and at most ``max_domain``. Columns named in ``index`` (the
    span's ``--time`` and ``--key``; ``None`` entries are ignored), and, unless
    ``detect_index`` is false, numeric or datetime columns whose values only grow in the profile
    (:attr:`ColumnProfile.grows`), get ``role = "index"`` and no observed range or domain.

    Raises:
        UnknownColumnError: ``label`` or an ``index`` column is not a column of the profile.

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> t = pa.table({"x": [0.5, 2.0, 1.0], "t": [1, 2, 3]})
        >>> s = infer_schema(profile_table(t), dataset="d")
        >>> s.column("x").min, s.column("x").max, s.column("x").bounds.value
        (0.5, 2.0, 'observed')
        >>> s.column("t").role.value, s.column("t").min, s.index_columns
        ('index', None, ('t',))

    """
    named = {n for n in index if n is not None}
    for name in ([label] if label is not None else []) + sorted(named):
        profile[name]  # raises, naming the columns
    cols = []
    for c in profile.columns:
        is_index = c.name in named or (detect_index and c.grows)
        lo, hi = (None, None) if is_index else _observed_range(c)
        cols.append(
            ColumnSchema(
                name=c.name,
                type=c.type,
                kind=c.kind,
                nullable=c.missing_count > 0,
                min=lo,
                max=hi,
                domain=None if is_index else _observed_domain(c, max_domain),
                missing_rate=c.missing_fraction or 0.0,
                role=ColumnRole.INDEX if is_index else ColumnRole.VALUE,
                bounds=Bounds.OBSERVED,
            )
        )
    return Schema(dataset, tuple(cols), label, thresholds or Thresholds())


def _observed_range(c: ColumnProfile) -> tuple[Any, Any]:
    m = c.moments
    if c.kind not in (ColumnKind.NUMERIC, ColumnKind.DATETIME) or m is None:
        return None, None
    if m.min is None or m.max is None:
        return None, None
    if c.kind is ColumnKind.DATETIME:
        return _time(m.min), _time(m.max)
    return _as_int(m.min, c.type), _as_int(m.max, c.type)


def _observed_domain(c: ColumnProfile, max_domain: int) -> tuple[Any, ...] | None:
    with_domain = c.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) or (
        c.kind is ColumnKind.NUMERIC and c.type.startswith(("int", "uint"))
    )
    f = c.frequent
    if not (with_domain and f is not None and f.is_exact and 0 < len(f) <= max_domain):
        return None
    values = f.items.to_pylist()
    if c.kind is ColumnKind.NUMERIC:
        values = [int(v) for v in values]
    if not all(isinstance(v, str | int | bool) for v in values):
        return None
    return tuple(sorted(values, key=lambda v: (str(type(v)), v)))
