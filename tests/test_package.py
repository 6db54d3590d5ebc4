"""The package itself: a cheap import with no side effects, and an honest ``__all__``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import driftline


def _fresh(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout


def test_import_is_cheap_and_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import driftline; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    loaded = json.loads(_fresh(code))
    heavy = {"sqlalchemy", "alembic", "fsspec", "s3fs", "click", "rich", "numpy", "pyarrow"}
    assert not heavy.intersection(m.split(".")[0] for m in loaded)


def test_import_touches_no_file_and_no_environment(tmp_path: Path) -> None:
    code = (
        "import os, sys, json; os.chdir(sys.argv[1]); env = dict(os.environ); opened = []\n"
        "sys.addaudithook(lambda e, a: opened.append(str(a[0])) if e == 'open' else None)\n"
        "import driftline\n"
        "data = [p for p in opened if not p.endswith(('.py', '.pyc')) and not os.path.isdir(p)]\n"
        "print(json.dumps([data, os.listdir('.'), dict(os.environ) == env]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    data_files, created, env_same = json.loads(out.stdout)
    assert data_files == []
    assert created == []
    assert env_same is True


def test_all_names_resolve() -> None:
    for name in driftline.__all__:
        assert getattr(driftline, name) is not None, name
    assert set(dir(driftline)) == set(driftline.__all__)


def test_all_lists_what_users_need_first() -> None:
    assert set(driftline.__all__) == {
        "Workspace",
        "Policy",
        "Controller",
        "ModelRegistry",
        "compare",
        "run_backtest",
        "step",
        "Pipeline",
        "steps",
        "Model",
        "Settings",
        "DriftlineError",
        "__version__",
    }
    assert set(driftline.__all__) - {"__version__"} <= set(driftline._LAZY)


def test_store_records_stay_importable_but_leave_all() -> None:
    from driftline.store.queries import ArtifactQuery
    from driftline.store.records import Artifact, ExecutionState

    assert driftline.Artifact is Artifact
    assert driftline.ArtifactQuery is ArtifactQuery
    assert driftline.ExecutionState is ExecutionState
    for name in ("Artifact", "Execution", "Context", "ArtifactQuery", "RayRunner", "Spans"):
        assert getattr(driftline, name) is not None
        assert name not in driftline.__all__
    assert driftline.version() == driftline.__version__


def test_exported_names_are_the_ones_documented() -> None:
    from driftline.backtest import run_backtest
    from driftline.controller import Controller
    from driftline.drift import compare
    from driftline.policy import Policy
    from driftline.registry import ModelRegistry
    from driftline.workspace import Workspace

    assert (driftline.Workspace, driftline.Policy, driftline.Controller) == (
        Workspace,
        Policy,
        Controller,
    )
    assert (driftline.ModelRegistry, driftline.compare, driftline.run_backtest) == (
        ModelRegistry,
        compare,
        run_backtest,
    )
