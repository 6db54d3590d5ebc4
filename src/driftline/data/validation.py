"""Validate data against a schema, from its profile alone (no raw rows needed).

Only a broken contract blocks (ERROR): a missing column, another kind, a column with no value,
nulls where none are allowed, values outside *declared* bounds or domain. Values outside the
range or domain *observed* when the schema was made are a WARNING: the world changed, which the
drift comparison measures; index columns (``role = "index"``) have no observed range to leave.

Shares are estimated from the profile's sketches: the share of values outside ``[min, max]``
comes from the quantile sketch's ranks (within its rank error, exactly 0 when the exact min and
max are inside), the share outside ``domain`` from the frequent values (exact while the column
has at most ``capacity`` distinct values; otherwise an upper estimate). See
:mod:`driftline.data.anomalies` for the kinds of anomaly and their severities.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> from driftline.data.schema import infer_schema
    >>> t = pa.table({"x": [2.0, 1.0, 1.5], "c": ["a", "b", "a"]})
    >>> schema = infer_schema(profile_table(t), dataset="d")
    >>> found = validate(pa.table({"x": [1.5, 9.0], "c": ["a", "z"]}), schema)
    >>> [(a.column, a.kind.value, a.severity.value) for a in found]
    [('x', 'out_of_range', 'warning'), ('c', 'unseen_values', 'warning')]
    >>> found = validate(pa.table({"x": ["1.5", "9"], "c": [None, None]}), schema)  # corrupt
    >>> [(a.column, a.kind.value, a.severity.value) for a in found]
    [('x', 'wrong_type', 'error'), ('c', 'empty_column', 'error')]

"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from driftline.data.anomalies import DEFAULT_SEVERITY, Anomaly, AnomalyKind, Severity
from driftline.data.column_profile import ColumnProfile
from driftline.data.column_schema import ColumnSchema, Thresholds
from driftline.data.kinds import ColumnKind
from driftline.data.profile import Profile
from driftline.data.profiling import profile_table
from driftline.data.schema import Schema

__all__ = ["out_of_range_share", "unseen_share", "validate"]


def _anomaly(
    column: str,
    kind: AnomalyKind,
    message: str,
    observed: Any = None,
    expected: Any = None,
    severity: Severity | None = None,
) -> Anomaly:
    return Anomaly(column, kind, severity or DEFAULT_SEVERITY[kind], message, observed, expected)


def _seconds(v: Any) -> float:
    return v.timestamp() if isinstance(v, datetime) else float(v)


def _text(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _interval(low: Any, high: Any) -> str:
    if low is None:
        return f"(at most {_text(high)})"
    if high is None:
        return f"(at least {_text(low)})"
    return f"[{_text(low)}, {_text(high)}]"


def out_of_range_share(column: ColumnProfile, low: Any, high: Any) -> float:
    """The estimated share of present values below ``low`` or above ``high`` (``None`` = open).

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> col = profile_table(pa.table({"x": [float(i) for i in range(100)]}))["x"]
        >>> out_of_range_share(col, 10, 89)
        0.2

    """
    q, m = column.quantiles, column.moments
    if q is None or m is None or column.count == 0 or q.n == 0:
        return 0.0
    n = q.n
    below = above = 0
    if low is not None and m.min is not None and m.min < _seconds(low):
        below = max(1, int(q.rank([_seconds(low)], inclusive=False)[0]))
    if high is not None and m.max is not None and m.max > _seconds(high):
        above = max(1, n - int(q.rank([_seconds(high)], inclusive=True)[0]))
    return min(1.0, (below + above) / n)


def unseen_share(column: ColumnProfile, domain: tuple[Any, ...]) -> tuple[float, list[Any]]:
    """The share of present values outside ``domain``, and up to five such values.

    ``(0.0, [])`` when the column has no frequent values (too many distinct numbers).
    """
    f = column.frequent
    if f is None or column.count == 0:
        return 0.0, []
    inside = int(f.estimate(list(domain)).sum()) if domain else 0
    allowed = set(domain)
    examples = [i.value for i in f.top(50) if i.value not in allowed][:5]
    return max(0.0, (column.count - inside) / column.count), examples


def _column(c: ColumnSchema, p: ColumnProfile, schema: Schema) -> list[Anomaly]:
    if p.count == 0 and p.rows and c.missing_rate < 1.0:
        return [
            _anomaly(
                c.name,
                AnomalyKind.EMPTY_COLUMN,
                f"has no value: all {p.rows} rows are missing (null or NaN)",
                {"missing": p.missing_count, "type": p.type},
                {"type": c.type, "missing_rate": c.missing_rate},
            )
        ]
    if p.kind is not c.kind:
        return [
            _anomaly(
                c.name,
                AnomalyKind.WRONG_TYPE,
                f"is {p.kind.value} ({p.type}), the schema says {c.kind.value} ({c.type})",
                p.type,
                c.type,
            )
        ]
    out: list[Anomaly] = []
    if p.type != c.type:
        out.append(
            _anomaly(
                c.name,
                AnomalyKind.WRONG_TYPE,
                f"has type {p.type}, the schema says {c.type} (same kind)",
                p.type,
                c.type,
                Severity.WARNING,
            )
        )
    out += _missing(c, p, schema.thresholds)
    out += _domain(c, p, schema.thresholds)
    out += _range(c, p, schema.thresholds)
    return out


def _missing(c: ColumnSchema, p: ColumnProfile, t: Thresholds) -> list[Anomaly]:
    out = []
    missing = p.missing_fraction or 0.0
    if not c.nullable and p.missing_count:
        out.append(
            _anomaly(
                c.name,
                AnomalyKind.UNEXPECTED_NULLS,
                f"has {p.missing_count} missing value(s) but is not nullable",
                {"missing": p.missing_count, "share": missing},
                {"nullable": False},
            )
        )
    limit = c.threshold("max_missing_increase", t)
    if missing - c.missing_rate > limit:
        out.append(
            _anomaly(
                c.name,
                AnomalyKind.MISSING_RATE_INCREASE,
                f"is {missing:.1%} missing, up from {c.missing_rate:.1%} "
                f"(more than {limit:.1%} up)",
                {"share": missing},
                {"missing_rate": c.missing_rate, "max_increase": limit},
            )
        )
    return out


def _severity(c: ColumnSchema) -> Severity:
    return Severity.ERROR if c.declared else Severity.WARNING


def _domain(c: ColumnSchema, p: ColumnProfile, t: Thresholds) -> list[Anomaly]:
    if c.domain is None or c.kind is ColumnKind.TEXT or (c.is_index and not c.declared):
        return []
    share, examples = unseen_share(p, c.domain)
    limit = c.threshold("max_unseen_share", t)
    if share <= limit:
        return []
    which = "outside the declared domain" if c.declared else "new, not among the observed values"
    return [
        _anomaly(
            c.name,
            AnomalyKind.UNSEEN_VALUES,
            f"{share:.1%} of values are {which} (more than {limit:.1%}), e.g. {examples}",
            {"share": share, "examples": examples},
            {"domain": list(c.domain), "max_share": limit, "bounds": c.bounds.value},
            _severity(c),
        )
    ]


def _range(c: ColumnSchema, p: ColumnProfile, t: Thresholds) -> list[Anomaly]:
    if (c.min is None and c.max is None) or p.moments is None or (c.is_index and not c.declared):
        return []
    share = out_of_range_share(p, c.min, c.max)
    limit = c.threshold("max_out_of_range_share", t)
    if share <= limit:
        return []
    which = "declared bounds" if c.declared else "observed range"
    return [
        _anomaly(
            c.name,
            AnomalyKind.OUT_OF_RANGE,
            f"{share:.1%} of values are outside the {which} {_interval(c.min, c.max)} "
            f"(more than {limit:.1%})",
            {"share": share, "min": p.moments.min, "max": p.moments.max},
            {
                "min": _text(c.min),
                "max": _text(c.max),
                "max_share": limit,
                "bounds": c.bounds.value,
            },
            _severity(c),
        )
    ]


def validate(data: Profile | Any, schema: Schema) -> list[Anomaly]:
    """The anomalies of ``data`` (a :class:`Profile`, or a table to profile) against ``schema``.

    Schema columns come first, in schema order; then new columns.

    Raises:
        InputError: ``data`` is neither a profile nor a table that can be profiled.

    """
    profile = data if isinstance(data, Profile) else profile_table(data)
    out: list[Anomaly] = []
    for c in schema.columns:
        if c.name not in profile:
            out.append(
                _anomaly(
                    c.name,
                    AnomalyKind.MISSING_COLUMN,
                    "is in the schema but not in the data",
                    None,
                    c.type,
                )
            )
            continue
        out.extend(_column(c, profile[c.name], schema))
    known = set(schema.names)
    for p in profile.columns:
        if p.name not in known:
            out.append(
                _anomaly(
                    p.name,
                    AnomalyKind.NEW_COLUMN,
                    "is in the data but not in the schema",
                    p.type,
                    None,
                )
            )
    return out
