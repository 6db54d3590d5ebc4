"""Reading and writing a schema's TOML, checking every key (see :mod:`driftline.data.schema`)."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from driftline.core.params import Interval
from driftline.data.column_schema import (
    THRESHOLD_NAMES,
    Bound,
    Bounds,
    ColumnRole,
    ColumnSchema,
    Thresholds,
)
from driftline.data.errors import SchemaError
from driftline.data.kinds import ColumnKind

KINDS = ", ".join(k.value for k in ColumnKind)
_ROLES = ", ".join(repr(r.value) for r in ColumnRole)
_BOUNDS = ", ".join(repr(b.value) for b in Bounds)
_COLUMN_KEYS = (
    "type",
    "kind",
    "role",
    "nullable",
    "bounds",
    "min",
    "max",
    "domain",
    "missing_rate",
    *THRESHOLD_NAMES,
)


def column_items(c: ColumnSchema) -> list[tuple[str, Any]]:
    """The column's keys and values in file order (defaults that say nothing left out)."""
    items: list[tuple[str, Any]] = [("type", c.type), ("kind", c.kind.value)]
    if c.role is not ColumnRole.VALUE:
        items.append(("role", c.role.value))
    items.append(("nullable", c.nullable))
    if c.min is not None or c.max is not None or c.domain is not None:
        items.append(("bounds", c.bounds.value))
    for k in ("min", "max", "domain"):
        if getattr(c, k) is not None:
            items.append(
                (k, list(c.domain) if k == "domain" and c.domain is not None else getattr(c, k))
            )
    items.append(("missing_rate", c.missing_rate))
    items += [(k, getattr(c, k)) for k in THRESHOLD_NAMES if getattr(c, k) is not None]
    return items


def key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else value(name)


def value(v: Any) -> str:
    """A TOML value."""
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
        return "[" + ", ".join(value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def fail(where: str, key: str, message: str, got: Any) -> SchemaError:
    """A :class:`SchemaError` naming ``where``, the key, what is allowed and what was given."""
    return SchemaError(f"{where}: {key} {message}; got {got!r}")


def check_keys(where: str, prefix: str, doc: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Raise :class:`SchemaError` for the first key of ``doc`` not in ``allowed``."""
    for k in doc:
        if k not in allowed:
            raise SchemaError(
                f"{where}: unknown key {prefix}{k}; allowed keys are " + ", ".join(allowed)
            )


_SHARE = Interval(float, 0, 1)


def _share(where: str, key: str, v: Any) -> float:
    if not _SHARE.accepts(v):
        raise fail(where, key, f"must be {_SHARE.describe()}", v)
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
        raise fail(where, key, f"must be {allowed}", v)
    return v


def _choice(
    where: str, key: str, v: Any, enum: type[Bounds] | type[ColumnRole], allowed: str
) -> Any:
    try:
        return enum(v)
    except ValueError:
        raise fail(where, key, f"must be one of {allowed}", v) from None


def seconds(v: Bound) -> float:
    """A bound as a number (a datetime as seconds since the epoch)."""
    return v.timestamp() if isinstance(v, datetime) else float(v)


def parse_column(where: str, name: str, doc: Any) -> ColumnSchema:
    """The column table ``columns.NAME`` of a schema file."""
    p = f"columns.{name}."
    if not isinstance(doc, dict):
        raise fail(where, p[:-1], "must be a table", doc)
    check_keys(where, p, doc, _COLUMN_KEYS)
    if not isinstance(doc.get("type"), str) or not doc["type"]:
        raise fail(where, p + "type", 'must be an Arrow type name such as "int64"', doc.get("type"))
    try:
        kind = ColumnKind(doc.get("kind"))
    except ValueError:
        raise fail(where, p + "kind", f"must be one of {KINDS}", doc.get("kind")) from None
    nullable = doc.get("nullable", True)
    if not isinstance(nullable, bool):
        raise fail(where, p + "nullable", "must be true or false", nullable)
    role = _choice(where, p + "role", doc.get("role", "value"), ColumnRole, _ROLES)
    bounds = _choice(where, p + "bounds", doc.get("bounds", "observed"), Bounds, _BOUNDS)
    lo = _bound(where, p + "min", doc.get("min"), kind)
    hi = _bound(where, p + "max", doc.get("max"), kind)
    if lo is not None and hi is not None and seconds(lo) > seconds(hi):
        raise SchemaError(f"{where}: {p}min ({lo}) is above {p}max ({hi})")
    domain = doc.get("domain")
    if domain is not None:
        if not isinstance(domain, list) or not all(
            isinstance(x, str | int | bool) and not isinstance(x, float) for x in domain
        ):
            raise fail(
                where, p + "domain", "must be a list of strings, integers or booleans", domain
            )
        domain = tuple(domain)
    extra = {k: _share(where, p + k, doc[k]) for k in THRESHOLD_NAMES if k in doc}
    return ColumnSchema(
        name=name,
        type=doc["type"],
        kind=kind,
        nullable=nullable,
        min=lo,
        max=hi,
        domain=domain,
        missing_rate=_share(where, p + "missing_rate", doc.get("missing_rate", 0.0)),
        role=role,
        bounds=bounds,
        **extra,
    )


def parse_thresholds(where: str, doc: Any) -> Thresholds:
    """The ``[thresholds]`` table."""
    if not isinstance(doc, dict):
        raise fail(where, "thresholds", "must be a table", doc)
    check_keys(where, "thresholds.", doc, THRESHOLD_NAMES)
    return Thresholds(**{k: _share(where, f"thresholds.{k}", v) for k, v in doc.items()})
