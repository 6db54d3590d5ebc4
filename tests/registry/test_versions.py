"""References, names, records and the history fold (no database needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

import driftline.registry
from driftline.core.errors import InputError, NotFoundError
from driftline.registry import (
    Action,
    ModelRef,
    Transition,
    check_alias,
    check_model_name,
    parse_model_ref,
)
from driftline.registry.history import current_aliases, transitions
from driftline.store.records import Execution, ExecutionState

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("churn", ModelRef("churn")),
        ("churn:12", ModelRef("churn", 12)),
        ("churn@champion", ModelRef("churn", alias="champion")),
        ("elec2.v1-hgb@blue_green-2", ModelRef("elec2.v1-hgb", alias="blue_green-2")),
        ("  churn:3\n", ModelRef("churn", 3)),
    ],
)
def test_parse_model_ref(ref: str, expected: ModelRef) -> None:
    assert parse_model_ref(ref) == expected
    assert parse_model_ref(str(expected)) == expected


@pytest.mark.parametrize(
    "ref", ["", ":1", "churn:", "churn:x", "churn@", "churn@Champ", "churn:1@a", "9lives", 3]
)
def test_bad_refs_name_the_accepted_forms(ref: object) -> None:
    with pytest.raises(InputError, match=r"NAME, NAME:VERSION or NAME@ALIAS"):
        parse_model_ref(ref)


def test_version_zero_is_refused() -> None:
    with pytest.raises(InputError, match=r"a version number must be an int >= 1, got 0"):
        parse_model_ref("churn:0")


@pytest.mark.parametrize("name", ["churn", "Elec2", "a.b-c_d", "x" * 100])
def test_good_model_names(name: str) -> None:
    assert check_model_name(name) == name


@pytest.mark.parametrize("name", ["", "1x", "a b", "a:b", "a@b", "x" * 101, None])
def test_bad_model_names(name: object) -> None:
    with pytest.raises(InputError, match="a model name must start with a letter"):
        check_model_name(name)


@pytest.mark.parametrize("alias", ["champion", "challenger", "canary-2", "a_b"])
def test_good_aliases(alias: str) -> None:
    assert check_alias(alias) == alias


@pytest.mark.parametrize("alias", ["", "Champion", "2nd", "a b", "a.b", "x" * 65, None])
def test_bad_aliases(alias: object) -> None:
    with pytest.raises(InputError, match="an alias must start with a lower-case letter"):
        check_alias(alias)


def _execution(i: int, kind: str, **properties: object) -> Execution:
    at = T0 + timedelta(minutes=i)
    return Execution(i, kind, ExecutionState.COMPLETE, {}, "", None, properties, at, at, at, None)


def test_history_is_replayed_in_execution_order_and_previous_comes_from_the_log() -> None:
    log = [
        _execution(5, "alias", model="m", alias="champion", version=2, previous=None, by="b"),
        _execution(1, "register", model="m", version=1, by="a", reason="first"),
        _execution(2, "register", model="m", version=2, by="a"),
        _execution(3, "alias", model="m", alias="champion", version=1, previous=None),
        _execution(4, "alias", model="other", alias="champion", version=7),
        _execution(6, "alias", model="m", alias="champion", version=None, action="remove"),
        _execution(7, "train", model="m"),
    ]
    history = transitions("m", log)
    assert [(t.execution_id, t.action, t.version, t.previous) for t in history] == [
        (1, Action.REGISTER, 1, None),
        (2, Action.REGISTER, 2, None),
        (3, Action.SET, 1, None),
        (5, Action.SET, 2, 1),  # the writer saw no previous; the log says 1
        (6, Action.REMOVE, None, 2),
    ]
    assert history[0].reason == "first"
    assert current_aliases(history) == {}
    assert current_aliases(history[:4]) == {"champion": 2}


def test_unfinished_executions_do_not_count() -> None:
    e = _execution(1, "alias", model="m", alias="champion", version=1)
    failed = Execution(
        2, "alias", ExecutionState.FAILED, {}, "", None, e.properties, T0, T0, T0, "x"
    )
    assert [t.execution_id for t in transitions("m", [e, failed])] == [1]


def test_transition_to_dict_is_json_ready() -> None:
    t = Transition("m", None, 1, None, Action.REGISTER, "ana", "", T0, 9)
    assert t.to_dict() == {
        "name": "m",
        "alias": None,
        "version": 1,
        "previous": None,
        "action": "register",
        "by": "ana",
        "reason": "",
        "at": "2026-01-01T00:00:00+00:00",
        "execution_id": 9,
    }


def test_package_exports_resolve_and_errors_are_input_errors() -> None:
    for name in driftline.registry.__all__:
        assert getattr(driftline.registry, name) is not None, name
    assert set(dir(driftline.registry)) == set(driftline.registry.__all__)
    assert set(driftline.registry._LAZY) == set(driftline.registry.__all__)
    for name in ("ModelNotFoundError", "VersionNotFoundError", "AliasNotFoundError"):
        assert issubclass(getattr(driftline.registry, name), NotFoundError)
    for name in ("NotAModelError", "RollbackError"):
        assert issubclass(getattr(driftline.registry, name), InputError)


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import driftline.registry; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert not loaded & {"numpy", "pyarrow", "sklearn", "sqlalchemy", "fsspec"}
