"""The Decisions page (``/decisions``, ``/api/decisions``), a saved backtest's page, the
dashboard's retrain (``driftline ui --policy``) and ``driftline backtest --save``.

The workspace: model ``churn`` with two real versions; a manual retrain asked through the
dashboard (the controller's trigger records it), a rollout of v2 requested then aborted, and a
backtest saved by the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import ConfigError
from driftline.workspace import Workspace
from tests.conftest import Run
from tests.monitor.window_stream import register

TOKEN = "s3cret-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}

POLICY = """
[model]
name = "churn"
dataset = "churn"
label = "label"
trainer = "sklearn:DecisionTreeClassifier"
trainer_params = { max_depth = 4 }

[window]
spans = 2

[[trigger]]
kind = "metric"
below = 0.95
min_labels = 100

[backtest]
span_rows = 400
"""


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture
def two(ws: Workspace, tmp_path: Path) -> Workspace:
    """``churn`` v1 and v2; the champion v1."""
    for seed in (0, 3):
        register(ws, tmp_path / "models", seed=seed, profile=False, reference=False)
    ws.registry.set_alias("churn", "champion", 1, by="bob", reason="the first one")
    return ws


def _client(ws: Workspace, policy_file: Path | None) -> Any:
    from starlette.testclient import TestClient

    from driftline.cli.ui_cmd import retrain_action
    from driftline.ui.app import create_app

    retrain = retrain_action(ws, policy_file, {})
    return TestClient(create_app(ws, token=TOKEN, retrain=retrain), raise_server_exceptions=False)


def test_the_retrain_button_queues_a_job_and_the_timeline_shows_every_kind_newest_first(
    two: Workspace, policy_file: Path
) -> None:
    from driftline.rollout.engine import RolloutSpec

    with _client(two, policy_file) as client:
        asked = client.post(
            "/api/actions/retrain",
            json={"reason": "accuracy fell on Mondays"},
            headers={**BEARER, "X-Driftline-User": "erin"},
        )
        assert asked.status_code == 200, asked.text
        job = asked.json()["job"]["name"]
        assert asked.json()["outcome"] == "enqueued"
        again = client.post("/api/actions/retrain", json={"reason": "again"}, headers=BEARER)
        assert again.json()["job"]["name"] == job  # deduplicated onto the pending job
        assert "already" in again.json()["done"]
        two.rollouts.request(RolloutSpec("churn", 1, 2), by="frank", reason="try v2")
        two.rollouts.request_abort("churn", by="gina", reason="not today")

        data = client.get("/api/decisions").json()
        rows = data["decisions"]
        assert [r["kind"] for r in rows] == ["rollout", "rollout", "trigger", "trigger"]
        assert [r["what"] for r in rows[:2]] == ["abort", "request"]
        assert (rows[0]["outcome"], rows[0]["rollout"], rows[0]["reason"]) == (
            "aborted",
            "churn#1",
            "not today",
        )
        assert rows[1]["by"] == "frank"
        manual = rows[-1]
        assert (manual["what"], manual["model"], manual["job"]) == ("manual", "churn", job)
        assert manual["reason"] == "accuracy fell on Mondays"
        assert manual["evidence"] == {"by": "erin"}
        assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)

        paged = client.get("/api/decisions?limit=3").json()
        assert (len(paged["decisions"]), paged["more"]) == (3, True)
        rest = client.get("/api/decisions?limit=3&offset=3").json()
        assert rest["decisions"] == rows[3:]
        assert rest["more"] is False
        triggers = client.get("/api/decisions?kind=trigger&model=churn").json()["decisions"]
        assert [r["kind"] for r in triggers] == ["trigger", "trigger"]

        html = client.get("/decisions").text
        assert html.count('<tr data-kind="') == 4
        assert 'href="/models/churn"' in html
        assert "rollout churn#1" in html
        assert f"job {job}" in html


def test_bad_filters_are_refused_naming_them(two: Workspace, ui_client: Any) -> None:
    client = ui_client(two)
    bad = client.get("/api/decisions?kind=whim")
    assert bad.status_code == 400
    assert "kind" in bad.json()["error"]
    assert "whim" in bad.json()["error"]
    assert client.get("/api/decisions?limit=0").status_code == 400
    missing = client.get("/api/decisions?model=nope")
    assert missing.status_code == 404
    assert "no model 'nope'" in missing.json()["error"]
    assert client.get("/decisions?model=nope").status_code == 404
    empty = client.get("/decisions")
    assert empty.status_code == 200
    assert "No decision yet" in empty.text


def test_without_a_policy_there_is_no_retrain(two: Workspace, tmp_path: Path) -> None:
    from driftline.cli.ui_cmd import retrain_action

    assert retrain_action(two, None, {}) is None
    with pytest.raises(ConfigError):
        retrain_action(two, tmp_path / "missing.toml", {})


def test_backtest_save_stores_the_report_shown_on_the_decisions_page(
    run: Run, two: Workspace, policy_file: Path, ui_client: Any
) -> None:
    got = run(
        "-w", str(two.settings.workspace), "backtest", "river:SEA", "--rows", "1600",
        "--policy", str(policy_file), "--baselines", "never", "--json", "--save",
    )  # fmt: skip
    assert got.code == 0, got.err
    printed = json.loads(got.out)
    assert "saved the report as artifact" in got.err
    client = ui_client(two)
    [row] = client.get("/api/decisions?kind=backtest").json()["decisions"]
    assert (row["what"], row["outcome"], row["model"]) == ("river:SEA", "saved", "churn")
    report = client.get(f"/api/decisions/backtests/{row['report']}").json()
    assert report["report"]["methods"] == printed["methods"]
    assert report["accuracy"]["policy"] == printed["methods"][0]["accuracy"]
    page = client.get(f"/decisions/backtests/{row['report']}")
    assert page.status_code == 200, page.text
    assert 'data-method="never"' in page.text
    assert f"{printed['methods'][0]['accuracy']:.4f}" in page.text
    assert '<svg class="accuracy-plot"' in page.text
    listed = client.get("/decisions").text
    assert f'href="/decisions/backtests/{row["report"]}"' in listed
    missing = client.get("/decisions/backtests/999999")
    assert missing.status_code == 404
    assert "no backtest report 999999" in missing.text


def test_backtest_save_without_a_workspace_fails_before_the_replay(
    run: Run, policy_file: Path, tmp_path: Path
) -> None:
    got = run(
        "-w", str(tmp_path / "none"), "backtest", "river:SEA", "--rows", "1600",
        "--policy", str(policy_file), "--save",
    )  # fmt: skip
    assert got.code != 0
    assert "none" in got.err
    assert "retrains of the policy" not in got.out


def test_pages_of_rollout_decisions_read_a_few_rollouts_and_miss_none(
    two: Workspace, ui_client: Any
) -> None:
    from driftline.rollout.engine import RolloutSpec

    for number in range(1, 6):
        two.rollouts.request(RolloutSpec("churn", 1, 2), by="ivan", reason=f"try {number}")
        two.rollouts.request_abort("churn", by="ivan", reason=f"stop {number}")
    client = ui_client(two)
    everything = client.get("/api/decisions?kind=rollout").json()["decisions"]
    assert len(everything) == 10
    assert [r["reason"] for r in everything[:2]] == ["stop 5", "try 5"]
    assert [r["rollout"] for r in everything[::2]] == [f"churn#{n}" for n in range(5, 0, -1)]
    pages = [
        client.get(f"/api/decisions?kind=rollout&limit=3&offset={offset}").json()
        for offset in range(0, 12, 3)
    ]
    assert [r for p in pages for r in p["decisions"]] == everything
    assert [p["more"] for p in pages] == [True, True, True, False]
