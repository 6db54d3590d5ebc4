"""Schemas: what a dataset's data should look like, inferred from a profile, kept as editable TOML.

The file (one table per column; see ``docs/data.md``)::

    dataset = "elec2"
    label = "label"

    [thresholds]                   # for the whole dataset
    max_unseen_share = 0.01        # values outside `domain`, as a share of present values
    max_out_of_range_share = 0.01  # values outside [min, max], as a share of present values
    max_missing_increase = 0.05    # missing share above the column's `missing_rate`

    [columns.day]
    type = "int64"                 # the Arrow type
    kind = "numeric"               # numeric | categorical | boolean | datetime | text
    nullable = false               # may it hold nulls (or NaN)?
    min = 1                        # numeric and datetime columns (datetimes as TOML datetimes)
    max = 7
    domain = [1, 2, 3, 4, 5, 6, 7] # the allowed values, when few (at most 100 when inferred)
    missing_rate = 0.0             # the share of missing values when inferred

A column table may also set any of the three thresholds for itself. Reading a file checks every
key: a bad one raises :class:`~driftline.data.errors.SchemaError` naming it and what is allowed.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> p = profile_table(pa.table({"day": [1, 2, 2], "city": ["Oslo", "Rome", None]}))
    >>> s = infer_schema(p, dataset="demo", label="day")
    >>> s.column("day").domain, s.column("city").nullable
    ((1, 2), True)
    >>> Schema.from_toml(s.to_toml()) == s
    True

"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from driftline.data.errors import SchemaError
from driftline.data.kinds import ColumnKind
from driftline.data.profile import Profile

__all__ = ["MAX_DOMAIN", "ColumnSchema", "Schema", "Thresholds", "infer_schema"]

MAX_DOMAIN = 100
"""An inferred schema lists a column's values as its domain when it has at most this many."""

Bound = int | float | datetime


@dataclass(frozen=True)
class Thresholds:
    """When a share of odd values becomes an anomaly (each a share in ``[0, 1]``)."""

    max_unseen_share: float = 0.01
    max_out_of_range_share: float = 0.01
    max_missing_increase: float = 0.05


_THRESHOLDS = tuple(Thresholds.__dataclass_fields__)
_KINDS = ", ".join(k.value for k in ColumnKind)


@dataclass(frozen=True)
class ColumnSchema:
    """What one column should hold (see the module docstring for each field)."""

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

    def threshold(self, name: str, default: Thresholds) -> float:
        """The column's own threshold ``name``, else the dataset's."""
        own: float | None = getattr(self, name)
        return own if own is not None else float(getattr(default, name))


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
            entry = dict(_column_items(c))
            cols[c.name] = {
                k: v.isoformat() if isinstance(v, datetime) else v for k, v in entry.items()
            }
        return {
            "dataset": self.dataset,
            "label": self.label,
            "thresholds": {k: getattr(self.thresholds, k) for k in _THRESHOLDS},
            "columns": cols,
        }

    def to_toml(self) -> str:
        """The schema as TOML text that :meth:`from_toml` reads back (with a comment header)."""
        lines = [
            f"# driftline schema of dataset {_value(self.dataset)}; edit it, then store it with",
            f"# `driftline schema set {self.dataset} FILE` (or `driftline schema edit`).",
            "# kinds: " + _KINDS + "; see docs/data.md",
            f"dataset = {_value(self.dataset)}",
        ]
        if self.label is not None:
            lines.append(f"label = {_value(self.label)}")
        lines += ["", "[thresholds]"]
        lines += [f"{k} = {_value(getattr(self.thresholds, k))}" for k in _THRESHOLDS]
        for c in self.columns:
            lines += ["", f"[columns.{_key(c.name)}]"]
            lines += [f"{k} = {_value(v)}" for k, v in _column_items(c)]
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


def _column_items(c: ColumnSchema) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = [
        ("type", c.type),
        ("kind", c.kind.value),
        ("nullable", c.nullable),
    ]
    for k in ("min", "max", "domain"):
        if getattr(c, k) is not None:
            items.append(
                (k, list(c.domain) if k == "domain" and c.domain is not None else getattr(c, k))
            )
    items.append(("missing_rate", c.missing_rate))
    items += [(k, getattr(c, k)) for k in _THRESHOLDS if getattr(c, k) is not None]
    return items


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _value(name)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _fail(where: str, key: str, message: str, got: Any) -> SchemaError:
    return SchemaError(f"{where}: {key} {message}; got {got!r}")


def _check_keys(where: str, prefix: str, doc: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for k in doc:
        if k not in allowed:
            raise SchemaError(
                f"{where}: unknown key {prefix}{k}; allowed keys are " + ", ".join(allowed)
            )


def _share(where: str, key: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
        raise _fail(where, key, "must be a number from 0 to 1", v)
    return float(v)


def _bound(where: str, key: str, v: Any, kind: ColumnKind) -> Bound | None:
    if v is None:
        return None
    if kind not in (ColumnKind.NUMERIC, ColumnKind.DATETIME):
        raise SchemaError(f"{where}: {key} is only for numeric and datetime columns")
    if kind is ColumnKind.DATETIME and isinstance(v, datetime | date):
        return v if isinstance(v, datetime) else datetime(v.year, v.month, v.day, tzinfo=UTC)
    if isinstance(v, bool) or not isinstance(v, int | float):
        allowed = "a date or datetime" if kind is ColumnKind.DATETIME else "a number"
        raise _fail(where, key, f"must be {allowed}", v)
    return v


def _column(where: str, name: str, doc: Any) -> ColumnSchema:
    p = f"columns.{name}."
    if not isinstance(doc, dict):
        raise _fail(where, p[:-1], "must be a table", doc)
    _check_keys(
        where,
        p,
        doc,
        ("type", "kind", "nullable", "min", "max", "domain", "missing_rate", *_THRESHOLDS),
    )
    if not isinstance(doc.get("type"), str) or not doc["type"]:
        raise _fail(
            where, p + "type", 'must be an Arrow type name such as "int64"', doc.get("type")
        )
    try:
        kind = ColumnKind(doc.get("kind"))
    except ValueError:
        raise _fail(where, p + "kind", f"must be one of {_KINDS}", doc.get("kind")) from None
    nullable = doc.get("nullable", True)
    if not isinstance(nullable, bool):
        raise _fail(where, p + "nullable", "must be true or false", nullable)
    lo = _bound(where, p + "min", doc.get("min"), kind)
    hi = _bound(where, p + "max", doc.get("max"), kind)
    if lo is not None and hi is not None and _seconds(lo) > _seconds(hi):
        raise SchemaError(f"{where}: {p}min ({lo}) is above {p}max ({hi})")
    domain = doc.get("domain")
    if domain is not None:
        if not isinstance(domain, list) or not all(
            isinstance(x, str | int | bool) and not isinstance(x, float) for x in domain
        ):
            raise _fail(
                where, p + "domain", "must be a list of strings, integers or booleans", domain
            )
        domain = tuple(domain)
    extra = {k: _share(where, p + k, doc[k]) for k in _THRESHOLDS if k in doc}
    return ColumnSchema(
        name=name,
        type=doc["type"],
        kind=kind,
        nullable=nullable,
        min=lo,
        max=hi,
        domain=domain,
        missing_rate=_share(where, p + "missing_rate", doc.get("missing_rate", 0.0)),
        **extra,
    )


def _parse(doc: dict[str, Any], where: str) -> Schema:
    _check_keys(where, "", doc, ("dataset", "label", "thresholds", "columns"))
    dataset = doc.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise _fail(where, "dataset", "must be the dataset's name (a string)", dataset)
    limits = doc.get("thresholds", {})
    if not isinstance(limits, dict):
        raise _fail(where, "thresholds", "must be a table", limits)
    _check_keys(where, "thresholds.", limits, _THRESHOLDS)
    thresholds = Thresholds(**{k: _share(where, f"thresholds.{k}", v) for k, v in limits.items()})
    columns = doc.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        raise _fail(where, "columns", "must hold one table per column", columns)
    cols = tuple(_column(where, name, c) for name, c in columns.items())
    label = doc.get("label")
    if label is not None and label not in columns:
        raise _fail(where, "label", "must name one of the columns: " + ", ".join(columns), label)
    return Schema(dataset=dataset, columns=cols, label=label, thresholds=thresholds)


def _seconds(v: Bound) -> float:
    return v.timestamp() if isinstance(v, datetime) else float(v)


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
) -> Schema:
    """Infer a schema from a profile: types, nullability, observed ranges and small domains.

    A column is ``nullable`` when the profile saw a missing value. Numeric and datetime columns
    get ``min``/``max`` as observed. Categorical, boolean and integer columns whose values are
    known exactly and number at most ``max_domain`` get them as their ``domain``.

    Raises:
        UnknownColumnError: ``label`` is not a column of the profile.

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> s = infer_schema(profile_table(pa.table({"x": [0.5, 2.0]})), dataset="d")
        >>> s.column("x").min, s.column("x").max, s.column("x").nullable
        (0.5, 2.0, False)

    """
    if label is not None:
        profile[label]  # raises, naming the columns
    cols = []
    for c in profile.columns:
        lo = hi = None
        m = c.moments
        numbers = c.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME)
        if numbers and m is not None and m.min is not None and m.max is not None:
            if c.kind is ColumnKind.DATETIME:
                lo, hi = _time(m.min), _time(m.max)
            else:
                lo, hi = _as_int(m.min, c.type), _as_int(m.max, c.type)
        domain = None
        with_domain = c.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) or (
            c.kind is ColumnKind.NUMERIC and c.type.startswith(("int", "uint"))
        )
        f = c.frequent
        if with_domain and f is not None and f.is_exact and 0 < len(f) <= max_domain:
            values = f.items.to_pylist()
            if c.kind is ColumnKind.NUMERIC:
                values = [int(v) for v in values]
            if all(isinstance(v, str | int | bool) for v in values):
                domain = tuple(sorted(values, key=lambda v: (str(type(v)), v)))
        cols.append(
            ColumnSchema(
                name=c.name,
                type=c.type,
                kind=c.kind,
                nullable=c.missing_count > 0,
                min=lo,
                max=hi,
                domain=domain,
                missing_rate=c.missing_fraction or 0.0,
            )
        )
    return Schema(dataset, tuple(cols), label, thresholds or Thresholds())
