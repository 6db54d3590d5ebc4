"""Checking a table given to the monitor: :func:`require_columns`.

Examples:
    >>> import pyarrow as pa
    >>> require_columns(pa.table({"version": ["1"]}), ["version"], "a joined table")
    >>> require_columns(pa.table({"version": ["1"]}), ["version", "label"], "a joined table")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: a joined table lacks the column(s) label

"""

from __future__ import annotations

from typing import Any

from driftline.core.errors import InputError

__all__ = ["require_columns"]


def require_columns(table: Any, columns: list[str], what: str) -> None:
    """Check that ``table`` is a ``pyarrow.Table`` holding ``columns``; ``what`` names it.

    Raises:
        InputError: not a table, or a column is missing (naming each missing one).

    """
    import pyarrow as pa

    if not isinstance(table, pa.Table):
        raise InputError(f"{what} must be a pyarrow.Table, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InputError(f"{what} lacks the column(s) {', '.join(missing)}")
