"""Merging the profiles of a window's parts even when their columns differ: :func:`merge_parts`.

The parts of one window come from different requests: one may lack a column another has (a
client that leaves an input out). :meth:`Profile.merge` refuses different column sets, so the
side without the column gets the profile of as many missing values (it *was* missing in those
rows). A column whose type differs between parts (text in one, numbers in another) cannot be
merged: it is left out of the window and a note says so.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> a = profile_table(pa.table({"x": [1.0, 2.0], "y": ["a", "b"]}))
    >>> b = profile_table(pa.table({"x": [3.0]}))
    >>> merged, notes = merge_parts([a, b])
    >>> merged.num_rows, merged["y"].null_count, merged["x"].count, notes
    (3, 1, 3, ())

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftline.data.column_profile import ColumnProfile
from driftline.data.errors import MergeError
from driftline.data.profile import Profile

__all__ = ["merge_parts"]


def _arrow_type(text: str) -> Any | None:
    import pyarrow as pa

    try:
        return pa.type_for_alias(text)
    except (ValueError, KeyError):
        return None


def _missing(column: ColumnProfile, rows: int, profile: Profile) -> ColumnProfile | None:
    """The profile of ``rows`` missing values of ``column``'s type and kind (``None``: cannot)."""
    import pyarrow as pa

    from driftline.data.kinds import ColumnKind
    from driftline.data.profiling import profile_table

    kind = _arrow_type(column.type)
    if kind is None:
        return None
    p = profile.params
    table = pa.table({column.name: pa.nulls(rows, kind)})
    categorical = [column.name] if column.kind is ColumnKind.CATEGORICAL else None
    text = [column.name] if column.kind is ColumnKind.TEXT else None
    made = profile_table(
        table,
        categorical=categorical,
        text=text,
        k=p.k,
        capacity=p.capacity,
        precision=p.precision,
        threads=1,
    )[column.name]
    return made if made.kind is column.kind else None


def _pair(a: Profile, b: Profile, notes: list[str]) -> Profile:
    names = list(a.names) + [n for n in b.names if n not in a]
    merged: list[ColumnProfile] = []
    for name in names:  # columns, not rows
        left = a[name] if name in a else _missing(b[name], a.num_rows, a)
        right = b[name] if name in b else _missing(a[name], b.num_rows, a)
        if left is None or right is None:
            notes.append(
                f"column {name!r} is missing from some parts in a type that cannot be "
                "profiled as missing: left out of the window"
            )
            continue
        try:
            merged.append(left.merge(right))
        except MergeError as exc:
            notes.append(
                f"column {name!r} cannot be merged across the window's parts ({exc}): "
                "left out of the window"
            )
    return Profile(merged, num_rows=a.num_rows + b.num_rows, params=a.params)


def merge_parts(profiles: Sequence[Profile]) -> tuple[Profile | None, tuple[str, ...]]:
    """The profile of all the parts' rows, and what could not be merged (``None``: no parts).

    Profiles with the same columns merge with :meth:`Profile.merge`; others column by column
    (see the module docstring).
    """
    if not profiles:
        return None, ()
    notes: list[str] = []
    out = profiles[0]
    for other in profiles[1:]:  # parts, not rows
        if out.names == other.names and out.params == other.params:
            try:
                out = out.merge(other)
                continue
            except MergeError:
                pass
        out = _pair(out, other, notes)
    return out, tuple(dict.fromkeys(notes))
