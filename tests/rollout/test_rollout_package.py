"""The rollout package: its names resolve, and it runs in a server it never imports."""

from __future__ import annotations

import subprocess
import sys

import driftline.rollout as rollout


def test_every_exported_name_resolves() -> None:
    for name in rollout.__all__:
        assert getattr(rollout, name) is not None, name
    assert set(rollout.__all__) <= set(dir(rollout))


def test_the_driver_loads_without_the_server() -> None:
    code = (
        "import sys; import driftline.rollout.driver, driftline.rollout.requests; "
        "print(sorted(m for m in sys.modules if m.startswith('driftline.serving')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
