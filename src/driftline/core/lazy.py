"""Lazy package attributes: a package names what it exports and imports it on first use.

This keeps ``import driftline`` (and its packages) cheap: nothing heavy is imported until a name
is used.

Examples:
    >>> getattr_, dir_ = lazy_attributes("driftline", {"stable_json": "driftline.core.hashing"})
    >>> getattr_("stable_json")({"b": 1, "a": 2})
    '{"a":2,"b":1}'
    >>> dir_()
    ['stable_json']

"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, names: Mapping[str, str], exported: Sequence[str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module-level ``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: the package's ``__name__``.
        names: each lazily exported name, mapped to the module (absolute) that defines it, or to
            ``"module:PACKAGE"`` to export the module ``PACKAGE`` itself under that name.
        exported: what ``dir()`` lists (default: the names).

    A name is imported on first access and then stored on the package, so later lookups are
    ordinary attribute reads.

    """
    listing = sorted(exported if exported is not None else names)

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if module.startswith("module:"):
            value: Any = importlib.import_module(module.removeprefix("module:"))
        else:
            value = getattr(importlib.import_module(module), name)
        owner = sys.modules.get(package)
        if owner is not None:
            setattr(owner, name, value)
        return value

    def __dir__() -> list[str]:
        return list(listing)

    return __getattr__, __dir__
