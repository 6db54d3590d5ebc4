"""``driftline models list|show|promote|rollback``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from driftline.registry import ModelRegistry
from driftline.workspace import Workspace
from tests.conftest import WorkspaceMaker
from tests.registry.conftest import store_model


@pytest.fixture
def folder(tmp_path: Path, new_workspace: WorkspaceMaker) -> Path:
    """A workspace with model ``churn`` (versions 1 and 2, champion 1) and ``fraud`` (1)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 2))
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    with new_workspace(tmp_path / "ws") as ws:
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        for i, c in enumerate((1.0, 0.1)):
            model = store_model(
                ws.metadata, ws.artifacts, LogisticRegression(C=c).fit(x, y), f"m{i}"
            )
            registry.register("churn", model.id, metrics={"accuracy": 0.8 + i / 10}, by="ci")
        registry.register("fraud", model.id, by="ci")
        registry.promote("churn", 1, by="ana", reason="first")
    return tmp_path / "ws"


def _error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def test_list(run: Any, folder: Path) -> None:
    res = run("models", "list", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    listed = json.loads(res.out)
    assert [(m["name"], m["latest"], m["champion"], m["versions"]) for m in listed] == [
        ("churn", 2, 1, 2),
        ("fraud", 1, None, 1),
    ]
    res = run("models", "list", "-w", str(folder))
    assert res.code == 0, res.err
    assert "churn" in res.out
    assert "fraud" in res.out
    assert "champion" in res.out


def test_list_of_an_empty_workspace(
    run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    new_workspace(tmp_path / "empty").close()
    res = run("models", "list", "-w", str(tmp_path / "empty"))
    assert (res.code, res.out.strip()) == (0, "no registered models")
    assert json.loads(run("models", "list", "--json", "-w", str(tmp_path / "empty")).out) == []


def test_show_a_model_and_a_version(run: Any, folder: Path) -> None:
    res = run("models", "show", "churn", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    shown = json.loads(res.out)
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    assert shown["aliases"] == {"champion": 1}
    assert [(t["action"], t["version"]) for t in shown["history"]] == [
        ("register", 1),
        ("register", 2),
        ("promote", 1),
    ]
    res = run("models", "show", "churn", "-w", str(folder))
    assert res.code == 0, res.err
    assert "versions of churn" in res.out
    assert "history" in res.out
    assert "champion → 1" in res.out

    res = run("models", "show", "churn:2", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    version = json.loads(res.out)
    assert (version["ref"], version["flavor"], version["metrics"]) == (
        "churn:2",
        "sklearn",
        {"accuracy": 0.9},
    )
    res = run("models", "show", "churn@champion", "-w", str(folder))
    assert res.code == 0, res.err
    assert "model version churn:1" in res.out
    assert "accuracy=0.8" in res.out


def test_promote_then_rollback(run: Any, folder: Path) -> None:
    res = run("models", "promote", "churn:2", "--reason", "fresher data", "-w", str(folder))
    assert res.code == 0, res.err
    assert "champion of churn → version 2 (was version 1)" in res.out
    res = run("models", "promote", "churn", "2", "-w", str(folder))  # the old spelling
    assert res.code == 0, res.err
    assert "already" in res.out
    assert "warning: MODEL VERSION is the old spelling" in res.err
    assert "use `models promote churn:2`" in res.err
    res = run("models", "promote", "churn:2", "--alias", "canary", "--json", "-w", str(folder))
    moved = json.loads(res.out)
    assert (moved["alias"], moved["version"], moved["previous"], moved["changed"]) == (
        "canary",
        2,
        None,
        True,
    )

    res = run("models", "rollback", "churn", "--reason", "worse live", "--json", "-w", str(folder))
    assert res.code == 0, res.err
    back = json.loads(res.out)
    assert (back["action"], back["version"], back["previous"], back["reason"]) == (
        "rollback",
        1,
        2,
        "worse live",
    )
    with Workspace.open(folder) as ws:
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        assert registry.aliases("churn") == {"canary": 2, "champion": 1}
        history = registry.history("churn")
    assert [(t.action.value, t.alias, t.version) for t in history[2:]] == [
        ("promote", "champion", 1),
        ("promote", "champion", 2),
        ("promote", "canary", 2),
        ("rollback", "champion", 1),
    ]
    assert history[3].reason == "fresher data"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("show", "nope"), "no registered model named 'nope'; registered models: churn, fraud"),
        (("show", "churn:9"), "model 'churn' has no version 9; its versions are 1, 2"),
        (("show", "churn@canary"), "no alias 'canary'; its aliases are champion (version 1)"),
        (("show", "churn:x"), "NAME, NAME:VERSION or NAME@ALIAS"),
        (("promote", "churn:9"), "no version 9"),
        (("promote", "nope:1"), "no registered model named 'nope'"),
        (("promote", "churn@champion"), "names an alias; `models promote` takes a version"),
        (("promote", "churn:1", "2"), "'churn:1' and 2 name two versions"),
        (("promote", "churn:1", "--alias", "Bad"), "an alias must start with a lower-case"),
        (("rollback", "churn"), "no earlier version to go back to"),
        (("rollback", "churn", "--alias", "challenger"), "'challenger' of model 'churn' was never"),
        (("rollback", "fraud"), "'champion' of model 'fraud' was never set"),
    ],
)
def test_errors_are_one_line_exit_2_and_change_nothing(
    run: Any,
    folder: Path,
    stored: Callable[[Path], object],
    args: tuple[str, ...],
    fragment: str,
) -> None:
    before = stored(folder)
    res = run("models", *args, "-w", str(folder))
    assert res.code == 2, res.err
    assert fragment in _error(res.err)
    assert stored(folder) == before


def test_a_bad_version_argument_is_a_usage_error(run: Any, folder: Path) -> None:
    res = run("models", "promote", "churn", "zero", "-w", str(folder))
    assert res.code == 2
    assert "VERSION" in res.err


def test_no_workspace_is_exit_2(run: Any, tmp_path: Path) -> None:
    res = run("models", "list", "-w", str(tmp_path / "missing"))
    assert res.code == 2
    assert "missing" in _error(res.err)
