"""Errors of the model registry; each names what is wrong and lists what exists.

The tree::

    InputError
    ├── NotAModelError             ``register`` was given an artifact that is not a model
    ├── RollbackError              an alias with no earlier version to go back to
    └── NotFoundError
        ├── ModelNotFoundError     no registered model has that name
        ├── VersionNotFoundError   the model has no version with that number
        └── AliasNotFoundError     the model has no such alias set

All are :class:`~driftline.core.errors.InputError`, which the command line reports with exit
code 2.

Examples:
    >>> from driftline.core.errors import NotFoundError
    >>> issubclass(VersionNotFoundError, NotFoundError)
    True

"""

from __future__ import annotations

from driftline.core.errors import InputError, NotFoundError

__all__ = [
    "AliasNotFoundError",
    "ModelNotFoundError",
    "NotAModelError",
    "RollbackError",
    "VersionNotFoundError",
]


class NotAModelError(InputError):
    """``register`` was given an artifact whose kind is not ``model``."""


class RollbackError(InputError):
    """An alias cannot be rolled back: it was never changed, or was set only once."""


class ModelNotFoundError(NotFoundError):
    """No registered model has the given name."""


class VersionNotFoundError(NotFoundError):
    """A registered model has no version with the given number."""


class AliasNotFoundError(NotFoundError):
    """A registered model has no version behind the given alias."""
