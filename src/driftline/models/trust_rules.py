"""Trust granted by the user, never by a model folder: extra skops names and torch factories.

A model folder is data, and loading one never imports what it names unless that name is
trusted. driftline's own allowlist covers scikit-learn, numpy and scipy
(:mod:`driftline.models.skops_allowlist`); anything else must be trusted explicitly, as
``"package.module:name"``, in one of two ways:

* by code running in the process: :func:`trust` (for the rest of the process) or
  :func:`trusted` (for a ``with`` block);
* by an installed distribution, in its entry points (read when a model is loaded)::

      [project.entry-points."driftline.torch_factories"]
      mlp = "mypackage.nets:mlp"

      [project.entry-points."driftline.skops"]
      clip = "mypackage.features:Clip"

A torch factory is trusted by its exact name: loading imports and calls it (with the keyword
arguments recorded in ``model.json``). A skops name is a class (then it may be built from the
file, even by calling it with arguments from the file) or a function (then it may be referenced,
e.g. by a ``FunctionTransformer``, and is called only when the model calls it).

Examples:
    >>> with trusted(torch_factories=["mypackage.nets:mlp"]):
    ...     "mypackage.nets:mlp" in trusted_torch_factories()
    True
    >>> "mypackage.nets:mlp" in trusted_torch_factories()
    False
    >>> trust(skops=["numpy.sum"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: a trusted skops name must be ..., got 'numpy.sum'

"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from driftline.core.errors import InputError

__all__ = [
    "SKOPS_GROUP",
    "TORCH_FACTORIES_GROUP",
    "SkopsTrust",
    "registered",
    "resolve_skops",
    "trust",
    "trusted",
    "trusted_skops",
    "trusted_torch_factories",
]

TORCH_FACTORIES_GROUP = "driftline.torch_factories"
"""The entry-point group where an installed distribution names torch factories it trusts."""

SKOPS_GROUP = "driftline.skops"
"""The entry-point group where an installed distribution names classes and functions for skops."""

_lock = threading.Lock()
_registry: dict[str, frozenset[str]] = {"torch_factories": frozenset(), "skops": frozenset()}


def check_spec(spec: Any, what: str) -> str:
    """``spec`` if it is ``"package.module:name"`` (identifiers only), else an InputError.

    Examples:
        >>> check_spec("pkg.nets:mlp", "a torch factory")
        'pkg.nets:mlp'

    """
    module, sep, attr = str(spec).partition(":")
    parts = [*module.split("."), attr]
    if not isinstance(spec, str) or not sep or not all(p.isidentifier() for p in parts):
        raise InputError(f"{what} must be 'package.module:name', got {spec!r}")
    return spec


def _checked(specs: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(specs, str):
        raise InputError(f"give a list of names, not the string {specs!r}")
    return frozenset(check_spec(spec, what) for spec in specs)


def trust(*, torch_factories: Iterable[str] = (), skops: Iterable[str] = ()) -> None:
    """Trust these torch factories and skops classes/functions for the rest of the process.

    Raises:
        InputError: a name is not ``"package.module:name"`` (naming it).

    """
    factories = _checked(torch_factories, "a trusted torch factory")
    names = _checked(skops, "a trusted skops name")
    with _lock:
        _registry["torch_factories"] |= factories
        _registry["skops"] |= names


@contextmanager
def trusted(*, torch_factories: Iterable[str] = (), skops: Iterable[str] = ()) -> Iterator[None]:
    """Trust these names inside the ``with`` block; what was trusted before is restored after."""
    with _lock:
        before = dict(_registry)
    trust(torch_factories=torch_factories, skops=skops)
    try:
        yield
    finally:
        with _lock:
            _registry.clear()
            _registry.update(before)


def registered() -> dict[str, list[str]]:
    """What this process trusts through :func:`trust` (not entry points), as sorted lists.

    Examples:
        >>> with trusted(skops=["mypackage.features:Clip"]):
        ...     registered()
        {'torch_factories': [], 'skops': ['mypackage.features:Clip']}

    """
    with _lock:
        return {kind: sorted(names) for kind, names in _registry.items()}


def _entry_points(group: str) -> frozenset[str]:
    from importlib.metadata import entry_points

    found = set()
    for entry in entry_points(group=group):
        spec = f"{entry.module}:{entry.attr}"
        check_spec(spec, f"entry point {entry.name!r} of group {group!r}")
        found.add(spec)
    return frozenset(found)


def trusted_torch_factories() -> frozenset[str]:
    """The torch factories trusted now: registered with :func:`trust`, or by entry points."""
    with _lock:
        mine = _registry["torch_factories"]
    return mine | _entry_points(TORCH_FACTORIES_GROUP)


def trusted_skops() -> frozenset[str]:
    """The skops names trusted now (``"package.module:name"``), registered or by entry points."""
    with _lock:
        mine = _registry["skops"]
    return mine | _entry_points(SKOPS_GROUP)


@dataclass(frozen=True)
class SkopsTrust:
    """Trusted names as a skops file spells them (``module.name``): classes and functions."""

    types: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()


def resolve_skops(specs: Iterable[str]) -> SkopsTrust:
    """Import each trusted ``"package.module:name"`` and sort it into classes and functions.

    Raises:
        InputError: a name cannot be imported, or is neither a class nor a function.

    Examples:
        >>> resolve_skops(["collections:Counter", "json:dumps"])
        SkopsTrust(types=frozenset({'collections.Counter'}), functions=frozenset({'json.dumps'}))

    """
    types, functions = set(), set()
    for spec in sorted(specs):
        module_name, _, attr = check_spec(spec, "a trusted skops name").partition(":")
        try:
            found = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"the trusted skops name {spec!r} cannot be imported: {exc}") from exc
        module = getattr(found, "__module__", None) or module_name
        name = f"{module}.{getattr(found, '__name__', attr)}"
        if isinstance(found, type):
            types.add(name)
        elif callable(found):
            functions.add(name)
        else:
            raise InputError(f"the trusted skops name {spec!r} is neither a class nor a function")
    return SkopsTrust(frozenset(types), frozenset(functions))
