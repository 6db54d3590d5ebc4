"""A package never exports a name that is also one of its submodules.

Importing ``driftline.drift.compare`` (the module) would set the package's ``compare`` attribute to
that module, so ``from driftline.drift import compare`` would return a module instead of the
function, depending on what else had been imported before.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import driftline


def _packages() -> list[types.ModuleType]:
    found = [driftline]
    for info in pkgutil.walk_packages(driftline.__path__, "driftline."):
        if info.ispkg:
            found.append(importlib.import_module(info.name))
    return found


def test_no_exported_name_is_also_a_submodule() -> None:
    clashes = []
    for package in _packages():
        submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
        for name in getattr(package, "__all__", ()):
            if name in submodules and not isinstance(getattr(package, name), types.ModuleType):
                clashes.append(f"{package.__name__}.{name}")
    assert not clashes, "exported names that are also submodules: " + ", ".join(clashes)


def test_the_functions_stay_functions_after_their_modules_are_imported() -> None:
    import driftline.data.validation
    import driftline.drift.comparison
    import driftline.models.trust_rules  # noqa: F401
    from driftline.data import validate
    from driftline.drift import compare
    from driftline.models import trust

    assert all(
        callable(f) and not isinstance(f, types.ModuleType) for f in (validate, compare, trust)
    )
