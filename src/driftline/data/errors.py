"""Errors of the data layer; all are :class:`~driftline.core.errors.InputError` subclasses.

The tree (under ``InputError``)::

    InputError
    ├── ColumnTypeError        a column whose Arrow type cannot be profiled or hashed
    ├── UnknownColumnError     a column name that the table or profile does not have
    ├── MergeError             sketches or profiles that cannot be merged (columns, types, sizes)
    └── FormatError            bytes that are not a valid serialised sketch or profile

Examples:
    >>> from driftline.core.errors import InputError
    >>> issubclass(MergeError, InputError)
    True

"""

from __future__ import annotations

from driftline.core.errors import InputError

__all__ = ["ColumnTypeError", "FormatError", "MergeError", "UnknownColumnError"]


class ColumnTypeError(InputError):
    """A column's Arrow type cannot be profiled or hashed."""


class UnknownColumnError(InputError):
    """A column name that the table or the profile does not have."""


class MergeError(InputError):
    """Two sketches or profiles cannot be merged: different columns, types or sketch sizes."""


class FormatError(InputError):
    """Bytes that are not a valid serialised driftline sketch or profile."""
