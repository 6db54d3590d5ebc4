"""Errors of the data layer: bad input (:class:`~driftline.core.errors.InputError`), failed checks.

The tree::

    InputError
    ├── ColumnTypeError        a column whose Arrow type cannot be profiled or hashed
    ├── UnknownColumnError     a column name that the table or profile does not have
    ├── MergeError             sketches or profiles that cannot be merged (columns, types, sizes)
    ├── FormatError            bytes that are not a valid serialised sketch or profile
    ├── SourceError            a data file, folder or glob that cannot be read (names the file)
    └── SchemaError            a schema file with a bad key or value (names the key)
    DriftlineError
    └── ValidationFailedError  data failed validation with blocking anomalies (exit code 1)

Examples:
    >>> from driftline.core.errors import InputError
    >>> issubclass(MergeError, InputError)
    True

"""

from __future__ import annotations

from driftline.core.errors import DriftlineError, InputError

__all__ = [
    "ColumnTypeError",
    "FormatError",
    "MergeError",
    "SchemaError",
    "SourceError",
    "UnknownColumnError",
    "ValidationFailedError",
]


class ColumnTypeError(InputError):
    """A column's Arrow type cannot be profiled or hashed."""


class UnknownColumnError(InputError):
    """A column name that the table or the profile does not have."""


class MergeError(InputError):
    """Two sketches or profiles cannot be merged: different columns, types or sketch sizes."""


class FormatError(InputError):
    """Bytes that are not a valid serialised driftline sketch or profile."""


class SourceError(InputError):
    """A data source (file, folder, glob, data frame) that cannot be read; names the file."""


class SchemaError(InputError):
    """A schema file with a bad key or value; names the key and what is allowed."""


class ValidationFailedError(DriftlineError):
    """Data failed validation: at least one blocking anomaly (not bad input: the work failed)."""
