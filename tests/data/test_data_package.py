"""The data package: a cheap import, and ``__all__`` lists exactly what resolves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import driftline.data
import driftline.data.sketches


def test_importing_the_package_loads_neither_numpy_nor_pyarrow() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import driftline.data, "
        "driftline.data.sketches; print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert not loaded & {"numpy", "pyarrow", "scipy", "datasketches"}


@pytest.mark.parametrize("module", [driftline.data, driftline.data.sketches])
def test_all_names_resolve_and_nothing_else_is_listed(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    for name in names:
        assert getattr(module, name) is not None, name
    assert set(dir(module)) == set(names)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        getattr(module, "nope")  # noqa: B009
