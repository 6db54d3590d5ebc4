"""What a policy names is checked before anything runs: columns, trainer, parameters, schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pytest

from driftline.components.trainers import check_trainer
from driftline.controller.loop import Controller
from driftline.core.errors import ConfigError, InputError
from driftline.policy.cron import CronSchedule
from driftline.policy.model import Policy, load_policy
from driftline.policy.preflight import check_columns, preflight_workspace
from driftline.workspace import Workspace
from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker, stored_state
from tests.policy.policy_files import good_policy, mutated, write_policy

COLUMNS = make_table(0).column_names


def _stored(folder: Path) -> object:
    """Every file of a workspace and every row of its database: to show nothing changed."""
    return stored_state(folder)


def _policy(change: Callable[[dict[str, Any]], None] = lambda doc: None) -> Policy:
    return Policy.from_dict(mutated(change), "p.toml")


# -- schedules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["0 0 29 2 *", "0 0 31 1,2 *", "0 0 30 2 mon", "0 0 31 * *", "@yearly", "0 0 30 1-12/2 *"],
)
def test_a_schedule_that_fires_some_year_is_accepted(expression: str) -> None:
    schedule = CronSchedule.parse(expression)
    fired = schedule.next_after(datetime(2026, 3, 1, tzinfo=UTC))
    assert schedule.matches(fired)


@pytest.mark.parametrize(
    ("expression", "day"),
    [("0 0 30 2 *", "30"), ("0 0 31 2 *", "31"), ("0 0 31 4,6,9,11 *", "31")],
)
def test_a_schedule_that_never_fires_is_refused_when_read(expression: str, day: str) -> None:
    with pytest.raises(ConfigError, match=rf"never fires: no month of .* has a day {day}"):
        CronSchedule.parse(expression)


def test_february_29_fires_across_a_century_without_a_leap_year() -> None:
    after = datetime(2097, 1, 1, tzinfo=UTC)
    assert CronSchedule.parse("0 0 29 2 *").next_after(after) == datetime(2104, 2, 29, tzinfo=UTC)


def test_a_never_firing_cron_trigger_names_the_file_and_key() -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["trigger"] = [{"kind": "cron", "schedule": "0 0 30 2 *"}]

    with pytest.raises(ConfigError, match=r"^p\.toml: trigger\[0\]\.schedule: .* never fires"):
        _policy(change)


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", ".hidden", "x" * 101, "-x"])
def test_an_unsafe_model_name_is_refused_at_once(name: str) -> None:
    with pytest.raises(ConfigError, match=r"^p\.toml: model\.name: a model name must start"):
        _policy(lambda doc: doc["model"].update(name=name))


def test_an_unsafe_dataset_name_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match=r"^p\.toml: model\.dataset: a dataset name"):
        _policy(lambda doc: doc["model"].update(dataset="../../elsewhere"))


@pytest.mark.parametrize("name", ["elec2", "elec2-hgb", "A.b_c-1"])
def test_safe_model_names_are_accepted(name: str) -> None:
    assert _policy(lambda doc: doc["model"].update(name=name)).model.name == name


# -- trainers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "params", "says"),
    [
        ("sklearn:LogisticRegression", {"C": "lots"}, "The 'C' parameter of LogisticRegression"),
        ("sklearn:LogisticRegression", {"colour": 1}, "unexpected keyword argument 'colour'"),
        ("sklearn:HistGradientBoostingClassifier", {"max_iter": -1}, "'max_iter' parameter"),
        ("sklearn:RandomForestClasifier", {}, "did you mean .*RandomForestClassifier"),
        ("sklearn:StandardScaler", {}, "not a model: it has no predict method"),
        ("forest", {}, "must be 'sklearn:NAME'"),
        ("no_such_module_q:fit", {}, "cannot import 'no_such_module_q'"),
    ],
)
def test_a_bad_trainer_is_refused_without_fitting(
    spec: str, params: dict[str, Any], says: str
) -> None:
    with pytest.raises(InputError, match=says):
        check_trainer(spec, params)


def test_a_trainer_function_must_take_the_parameters(tmp_path: Path) -> None:
    file = tmp_path / "train.py"
    file.write_text("def fit(features, target, c=1.0):\n    return c\n")
    check_trainer(f"{file}:fit", {"c": 2.0})
    with pytest.raises(InputError, match=r"bad trainer_params \{'d': 1\}.*'d'"):
        check_trainer(f"{file}:fit", {"d": 1})
    with pytest.raises(InputError, match="has no function 'train'"):
        check_trainer(f"{file}:train", {})


def test_trainer_params_refusals_name_the_key() -> None:
    from driftline.policy.preflight import check_policy_trainer

    policy = _policy(lambda doc: doc["model"].update(trainer_params={"C": "lots"}))
    with pytest.raises(ConfigError, match=r"^p\.toml: model\.trainer_params: .*'C'.*fix or remove"):
        check_policy_trainer(policy, "p.toml")
    unknown = _policy(lambda doc: doc["model"].update(trainer="sklearn:Nope"))
    with pytest.raises(ConfigError, match=r"^p\.toml: model\.trainer = 'sklearn:Nope': "):
        check_policy_trainer(unknown, "p.toml")


# -- columns ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key", "near"),
    [
        (lambda doc: doc["model"].update(label="nosuchlabel"), "model.label", "label"),
        (lambda doc: doc["model"].update(label="Label"), "model.label", "label"),
        (lambda doc: doc["gate"].update(slices=["regoin"]), "gate.slices", "region"),
    ],
)
def test_a_missing_column_is_named_with_its_near_miss(
    change: Callable[[dict[str, Any]], None], key: str, near: str
) -> None:
    with pytest.raises(
        ConfigError, match=rf"p\.toml: {key} .*; did you mean '{near}'\? its columns"
    ):
        check_columns(_policy(change), COLUMNS, "p.toml", "the table")


def test_backtest_columns_are_checked_only_for_a_backtest() -> None:
    policy = _policy(lambda doc: doc.update(backtest={"exclude": ["idd"], "time_column": "t"}))
    check_columns(policy, COLUMNS, "p.toml", "the dataset")
    with pytest.raises(ConfigError, match=r"backtest\.time_column 't' is not a column"):
        check_columns(policy, COLUMNS, "p.toml", "the table", backtest=True)


# -- a workspace (both backends) ----------------------------------------------------------------


@pytest.fixture
def synth(ws: Workspace) -> Workspace:
    """``ws`` with one span of dataset ``synth``, labelled ``label``."""
    ws.ingest("synth", make_table(0), label="label")
    return ws


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda doc: doc["model"].update(label="nosuchlabel"),
            r"model\.label 'nosuchlabel' is not",
        ),
        (lambda doc: doc["model"].update(label="x0"), r"model\.label 'x0' is not the label of"),
        (lambda doc: doc["gate"].update(slices=["day"]), r"gate\.slices 'day' is not a column"),
        (lambda doc: doc["model"].update(trainer_params={"C": "lots"}), r"model\.trainer_params"),
    ],
)
def test_the_controller_refuses_a_policy_before_anything_is_stored(
    synth: Workspace, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    folder = synth.settings.workspace
    before = _stored(folder)
    bad = Policy.from_dict(mutated(change), "p.toml")
    with pytest.raises(ConfigError, match=rf"^p\.toml: {says}"):
        Controller(synth, bad, log=lambda line: None, where="p.toml")
    with pytest.raises(ConfigError, match=rf"^p\.toml: {says}"):
        preflight_workspace(bad, synth, where="p.toml")
    assert _stored(folder) == before


def test_the_dataset_schema_is_the_list_of_columns(synth: Workspace) -> None:
    synth.infer_schema("synth")
    bad = Policy.from_dict(mutated(lambda doc: doc["model"].update(label="labels")), "p.toml")
    with pytest.raises(ConfigError, match=r"dataset 'synth' \(its schema\); did you mean 'label'"):
        preflight_workspace(bad, synth, where="p.toml")


def test_a_good_policy_passes_and_a_dataset_without_spans_is_not_column_checked(
    ws: Workspace, tmp_path: Path
) -> None:
    file = write_policy(tmp_path / "p.toml", good_policy())
    assert ws.check_policy(file).model.name == "synth"  # no spans yet: a new_data trigger's
    ws.ingest("synth", make_table(0), label="label")
    assert ws.check_policy(file).gate.slices == ("region",)
    assert ws.check_policy(load_policy(file)).model.label == "label"
    bad = write_policy(tmp_path / "bad.toml", mutated(lambda d: d["model"].update(label="y")))
    with pytest.raises(ConfigError, match=rf"^{bad}: model\.label 'y'"):
        ws.check_policy(bad)


def test_a_relative_trainer_file_is_taken_from_the_policy_folder(
    ws: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "train.py").write_text("def fit(features, target, depth=3):\n    return depth\n")
    doc = mutated(lambda d: d["model"].update(trainer="train.py:fit", trainer_params={"depth": 2}))
    assert ws.check_policy(write_policy(tmp_path / "p.toml", doc)).model.trainer == "train.py:fit"
    doc["model"]["trainer_params"] = {"width": 2}
    with pytest.raises(ConfigError, match=r"model\.trainer_params: .*'width'"):
        ws.check_policy(write_policy(tmp_path / "p.toml", doc))


# -- the command line ---------------------------------------------------------------------------


def _lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda doc: doc["model"].update(label="nosuchlabel"), "model.label"),
        (lambda doc: doc["model"].update(name="../../etc/passwd"), "model.name"),
        (lambda doc: doc["model"].update(trainer="sklearn:Nope"), "model.trainer"),
        (lambda doc: doc["model"].update(trainer_params={"C": "lots"}), "model.trainer_params"),
        (lambda doc: doc.update(trigger=[{"kind": "cron", "schedule": "0 0 30 2 *"}]), "trigger"),
    ],
)
def test_controller_and_trigger_exit_2_naming_the_key(
    run: Any,
    tmp_path: Path,
    new_workspace: WorkspaceMaker,
    change: Callable[[dict[str, Any]], None],
    key: str,
) -> None:
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0), label="label")
    file = write_policy(tmp_path / "p.toml", mutated(change))
    before = _stored(folder)
    for args in (["controller", "--once"], ["trigger", "train"]):
        res = run(*args, "--policy", str(file), "-w", str(folder))
        assert res.code == 2, res
        lines = _lines(res.err)
        assert len(lines) == 1, res.err
        assert lines[0].startswith(f"error: {file}: {key}"), res.err
    assert _stored(folder) == before


@pytest.fixture
def table_csv(tmp_path: Path) -> Path:
    path = tmp_path / "synth.csv"
    pacsv.write_csv(make_table(0, 600), path)
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda doc: doc["model"].update(trainer_params={"C": "lots"}), "model.trainer_params"),
        (lambda doc: doc["model"].update(label="labl"), "model.label 'labl' is not a column"),
        (lambda doc: doc.update(backtest={"exclude": ["regio"]}), "backtest.exclude 'regio'"),
    ],
)
def test_backtest_refuses_a_bad_policy_with_exit_2_not_an_internal_error(
    run: Any, tmp_path: Path, table_csv: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    file = write_policy(tmp_path / "p.toml", mutated(change))
    res = run("backtest", str(table_csv), "--policy", str(file), "--baselines", "none")
    assert res.code == 2, res
    assert _lines(res.err) == [line for line in _lines(res.err) if line.startswith("error: ")]
    assert f"error: {file}: {says}" in res.err
    assert "internal error" not in res.err


@pytest.mark.parametrize("option", ["--html", "--report", "--png"])
def test_backtest_refuses_an_output_in_a_missing_folder_before_replaying(
    run: Any, tmp_path: Path, table_csv: Path, option: str
) -> None:
    file = write_policy(tmp_path / "p.toml", good_policy())
    target = tmp_path / "nonexistent" / "dir" / "r.out"
    res = run("backtest", str(table_csv), "--policy", str(file), option, str(target))
    assert res.code == 2, res
    assert f"the folder {target.parent} does not exist" in res.err
    assert res.out == ""  # refused before the replay printed anything
    assert not (tmp_path / "nonexistent").exists()
