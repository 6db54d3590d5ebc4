"""Typed reading of one table of a policy file, with errors that name the file and the key.

Examples:
    >>> t = TableReader("p.toml", "gate", {"tolerance": -1}, ("tolerance",))
    >>> t.number("tolerance", 0.0, low=0.0)
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: p.toml: gate.tolerance must be a number >= 0, got -1
    >>> TableReader("p.toml", "gate", {"colour": 1}, ("tolerance",))
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: p.toml: unknown key gate.colour; allowed: tolerance

"""

from __future__ import annotations

from typing import Any

from driftline.core.errors import ConfigError
from driftline.core.params import Closed, Constraint, Interval, OneOf

__all__ = ["TableReader"]


class TableReader:
    """Typed access to one table of the document; unknown keys are refused, naming them.

    Args:
        where: how to name the file in errors.
        prefix: the table's name in errors (``gate``, ``trigger[0]``).
        table: the parsed table.
        allowed: the keys it may hold.

    """

    def __init__(self, where: str, prefix: str, table: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{prefix}] must be a table, got {table!r}")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            listed = ", ".join(allowed) or "none"
            raise ConfigError(f"{where}: unknown key {prefix}.{unknown[0]}; allowed: {listed}")
        self.where, self.prefix, self.table = where, prefix, table

    def fail(self, key: str, wanted: str, got: Any) -> ConfigError:
        """An error saying ``key`` must be ``wanted``, and what it was."""
        return ConfigError(f"{self.where}: {self.prefix}.{key} must be {wanted}, got {got!r}")

    def error(self, text: str) -> ConfigError:
        """An error about the table as a whole (``p.toml: trigger[0] (metric) needs ...``)."""
        return ConfigError(f"{self.where}: {self.prefix} {text}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        """A non-empty string (``None`` when absent and not ``required``)."""
        value = self.table.get(key, default)
        if value is None and required:
            raise ConfigError(f"{self.where}: {self.prefix}.{key} is required")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, "a non-empty string", value)
        return value

    def checked(self, key: str, default: Any, constraint: Constraint) -> Any:
        """The value of ``key`` (or ``default``), refused unless ``constraint`` accepts it.

        ``None`` (absent without a default) is returned as it is.
        """
        value = self.table.get(key, default)
        if value is not None and not constraint.accepts(value):
            raise self.fail(key, constraint.describe(), value)
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        """One of ``allowed``."""
        value = self.table.get(key, default)
        if value is None or not OneOf(*allowed).accepts(value):
            raise self.fail(key, OneOf(*allowed).describe(), value)
        return str(value)

    def number(
        self,
        key: str,
        default: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
        closed: Closed = "both",
    ) -> float | None:
        """A number (not NaN) between ``low`` and ``high``, bounds included as ``closed`` says.

        ``None`` when absent without a default.
        """
        value = self.checked(key, default, Interval(float, low, high, closed=closed))
        return None if value is None else float(value)

    def integer(self, key: str, default: int | None, *, low: int = 0) -> int | None:
        """An int of at least ``low`` (``None`` when absent without a default)."""
        value: int | None = self.checked(key, default, Interval(int, low))
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of non-empty strings (empty when absent)."""
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of strings", value)
        return tuple(value)
