"""``driftline backtest``: output, reports, determinism, exit codes and errors; data loading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pc
import pytest

from driftline.backtest.streams import load_stream
from driftline.core.errors import InputError
from tests.conftest import Run

POLICY = """
[model]
name = "sea"
dataset = "sea"
label = "label"
trainer = "sklearn:DecisionTreeClassifier"
trainer_params = { max_depth = 6 }

[window]
spans = 2

[[trigger]]
kind = "metric"
below = 0.95
min_labels = 100

[[trigger]]
kind = "drift"
detector = "ddm"

[backtest]
span_rows = 400
"""


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_backtest_prints_the_methods_and_the_retrains(run: Run, policy_file: Path) -> None:
    got = run(
        "backtest", "river:SEA", "--rows", "3000", "--policy", str(policy_file),
        "--baselines", "never,last", "--delay", "100",
    )  # fmt: skip
    assert got.code == 0, got.err
    for text in ("driftline", "never retrain", "last label", "retrains of the policy"):
        assert text in got.out
    assert "first_model" in got.out


def test_json_is_identical_for_the_same_inputs(run: Run, policy_file: Path) -> None:
    args = (
        "backtest", "river:Agrawal", "--rows", "2500", "--policy", str(policy_file),
        "--baselines", "every,last,hat", "--seed", "7", "--json", "--no-timings",
    )  # fmt: skip
    first, again = run(*args), run(*args)
    assert first.code == 0, first.err
    assert first.out == again.out
    data = json.loads(first.out)
    assert data["seed"] == 7
    assert data["data"] == "river:Agrawal"
    assert [m["key"] for m in data["methods"]] == ["policy", "every", "last", "hat"]
    assert all("cpu_seconds" not in m for m in data["methods"])
    other = run(*args[:-3], "--seed", "8", "--json", "--no-timings")
    assert other.out != first.out
    timed = json.loads(run(*args[:-1]).out)
    assert all(m["cpu_seconds"] >= 0 for m in timed["methods"])


def test_html_and_png_reports(run: Run, policy_file: Path, tmp_path: Path) -> None:
    html, png = tmp_path / "out" / "r.html", tmp_path / "r.png"
    html.parent.mkdir()  # a missing folder is refused: see tests/policy/test_preflight.py
    got = run(
        "backtest", "river:Hyperplane", "--rows", "2400", "--policy", str(policy_file),
        "--baselines", "all", "--html", str(html), "--png", str(png), "--json",
    )  # fmt: skip
    assert got.code == 0, got.err
    page = html.read_text(encoding="utf-8")
    assert page.count('<polyline class="method"') == 6
    assert '<svg class="accuracy-plot"' in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "river ARF" in page
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {html}" in got.err


def test_a_csv_file_with_the_policys_label(run: Run, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 2))
    path = tmp_path / "data.csv"
    pc.write_csv(
        pa.table({"a": x[:, 0], "b": x[:, 1], "label": (x[:, 0] > 0).astype(np.int64)}), path
    )
    policy = tmp_path / "p.toml"
    policy.write_text(POLICY.replace("span_rows = 400", "span_rows = 250"), encoding="utf-8")
    got = run("backtest", str(path), "--policy", str(policy), "--baselines", "none", "--json")
    assert got.code == 0, got.err
    data = json.loads(got.out)
    assert data["span_rows"] == 250
    assert data["methods"][0]["accuracy"] > 0.9
    assert data["inputs"] == ["a", "b"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("span_rows = 400", "span_rows = 400\nspeed = 2"), "unknown key backtest.speed"),
        (('kind = "metric"', 'kind = "metrics"'), "trigger[0].kind must be one of"),
        (("below = 0.95", "below = 'low'"), "trigger[0].below must be a number"),
        (('label = "label"', 'label = "target"'), "model.label 'target' is not a column"),
    ],
)
def test_bad_policy_or_label_exits_2_naming_it(
    run: Run, tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(POLICY.replace(*edit), encoding="utf-8")
    got = run("backtest", "river:SEA", "--rows", "1000", "--policy", str(path))
    assert got.code == 2, got.err
    assert message in got.err
    if "target" in message:
        assert f"{path}: model.label 'target' is not a column of river:SEA" in got.err
        assert "columns: 'x0', 'x1', 'x2', 'label'" in got.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("river:Nope",), "unknown stream 'river:Nope'"),
        (("river:SEA?noize=0.1",), "river:SEA has no parameter 'noize'"),
        (("river:SEA", "--baselines", "forest"), "unknown baseline 'forest'"),
        (("missing.csv",), "missing.csv does not exist"),
        (("river:SEA", "--rows", "400"), "too few to score"),
    ],
)
def test_bad_arguments_exit_2(
    run: Run, policy_file: Path, args: tuple[str, ...], message: str
) -> None:
    got = run("backtest", *args, "--policy", str(policy_file))
    assert got.code == 2, got.err
    assert message in got.err


def test_missing_policy_file_and_bad_options(run: Run, tmp_path: Path) -> None:
    got = run("backtest", "river:SEA", "--policy", str(tmp_path / "none.toml"))
    assert got.code == 2
    assert "does not exist" in got.err
    assert run("backtest", "river:SEA").code == 2  # --policy is required
    assert run("backtest", "river:SEA", "--policy", "x", "--delay", "-1").code == 2


def test_synthetic_streams_are_seeded_and_checked() -> None:
    a = load_stream("river:SEA", rows=1000, seed=3)
    assert a.equals(load_stream("river:SEA", rows=1000, seed=3))
    assert not a.equals(load_stream("river:SEA", rows=1000, seed=4))
    assert a.column("label").type == pa.int64()
    agrawal = load_stream("river:Agrawal?concepts=1,2&perturbation=0.1", rows=600, seed=0)
    assert agrawal.num_rows == 600
    assert "salary" in agrawal.column_names
    plane = load_stream("river:Hyperplane?n_features=3", rows=50)
    assert plane.column_names == ["x0", "x1", "x2", "label"]
    with pytest.raises(InputError, match=r"use concepts=\.\.\. for variant"):
        load_stream("river:SEA?variant=2")
    with pytest.raises(InputError, match="has no concepts"):
        load_stream("river:Hyperplane?concepts=1")
    with pytest.raises(InputError, match="load_stream: rows must be an int >= 1 or None, got 0"):
        load_stream("river:SEA", rows=0)


def test_old_controller_names_still_resolve_with_a_warning() -> None:
    """``driftline.controller.run_backtest`` (and friends) moved; they resolve for one release."""
    import driftline.backtest as backtest
    import driftline.controller as controller

    for name in ("run_backtest", "BacktestResult", "load_stream"):
        with pytest.warns(DeprecationWarning, match=f"driftline.backtest.{name}"):
            assert getattr(controller, name) is getattr(backtest, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        controller.nothing  # noqa: B018
