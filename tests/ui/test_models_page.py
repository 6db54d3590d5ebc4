"""The model pages (``/models``, ``/models/{name}``, a version's page) and their JSON twins.

The workspace: model ``churn`` with two real versions, the champion moved from v1 to v2 by a
named user with a reason, three labelled live hours answered by v1 and then three by v2 (whose
last hour has narrow inputs ``a`` and ``b``: drifted), logged through the real prediction and
feedback logs and stored as windows by the monitor.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from driftline.workspace import Workspace
from tests.monitor.window_stream import HOUR, START, log_hours, register
from tests.ui import recorded_runs
from tests.ui.recorded_runs import Recorded

recorded = recorded_runs.recorded  # the fixture

TOKEN = "s3cret-token"
"""The dashboard's bearer token in the tests that act."""

WHY = "v2 is better on <b>recent</b> data"
"""Why the champion was moved to v2 (its markup must be shown as text)."""


@pytest.fixture
def watched(ws: Workspace, tmp_path: Path) -> Workspace:
    """``churn`` v1 and v2, the champion v2 (set by ``alice``), six hours of stored windows."""
    from driftline.monitor.window_metrics import window_metrics
    from driftline.registry import ModelRegistry

    first = register(ws, tmp_path / "models", seed=0)
    second = register(ws, tmp_path / "models", seed=3)
    registry = ModelRegistry(ws)
    registry.set_alias("churn", "champion", 1, by="bob", reason="the first one")
    registry.set_alias("churn", "champion", 2, by="alice", reason=WHY)
    log_hours(ws, first, version=1, hours=(0, 1, 2), per_hour=200, labels=True, seed=1)
    log_hours(
        ws, second, version=2, hours=(3, 4, 5), per_hour=200, labels=True, seed=2, narrow_from=5
    )
    assert len(window_metrics(ws, "churn")) == 6  # profiles the logs: stores the windows
    return ws


def test_the_list_of_models_names_each_with_its_champion(
    watched: Workspace, ui_client: Any
) -> None:
    client = ui_client(watched)
    answer = client.get("/models")
    assert answer.status_code == 200, answer.text
    assert 'href="/models/churn"' in answer.text
    assert 'href="/models/churn/versions/2"' in answer.text  # the champion
    data = client.get("/api/models").json()
    assert data["total"] == 1
    [row] = data["models"]
    assert (row["name"], row["versions"], row["latest"], row["champion"]) == ("churn", 2, 2, 2)
    empty = client.get("/api/models?offset=5").json()
    assert (empty["models"], empty["total"]) == ([], 1)


def test_the_model_page_shows_both_versions_the_history_and_the_live_plots(
    watched: Workspace, ui_client: Any
) -> None:
    client = ui_client(watched)
    answer = client.get("/models/churn")
    assert answer.status_code == 200, answer.text
    text = answer.text
    versions = text[text.index('data-testid="versions"') : text.index('data-testid="history"')]
    assert versions.index('href="/models/churn/versions/2"') < versions.index(
        'href="/models/churn/versions/1"'
    )  # newest first
    assert 'data-testid="champion">v2<' in text
    history = text[text.index('data-testid="history"') :]
    assert "alice" in history
    assert "bob" in history
    assert "v2 is better on &lt;b&gt;recent&lt;/b&gt; data" in history
    assert "<b>recent</b>" not in text
    assert history.index("alice") < history.index("bob")  # newest first
    for plot in ("plot-accuracy", "plot-predictions", "plot-drift"):
        assert f'id="{plot}"' in text, plot
    assert 'id="plot-outliers"' not in text  # no version scores outliers: said, not drawn
    assert 'data-testid="no-outliers"' in text
    assert "plotly.min.js" in text
    assert "not stored in the workspace" in text  # latency: said, not invented
    hrefs = [h for h in re.findall(r'href="([^"]+)"', text) if not h.startswith("data:")]
    assert all(h.startswith("/") for h in hrefs), hrefs
    assert 'data-testid="action-promote"' not in text  # no token: read-only

    data = client.get("/api/models/churn").json()
    assert [v["version"] for v in data["versions"]] == [2, 1]
    assert (data["champion"], data["version_count"], data["aliases"]) == (2, 2, {"champion": 2})
    moves = [(t["by"], t["reason"]) for t in data["history"] if t["alias"] == "champion"]
    assert moves == [("alice", WHY), ("bob", "the first one")]
    assert data["history_count"] == len(data["history"]) >= 4  # two registrations, two moves


def test_the_series_have_a_value_per_window(watched: Workspace, ui_client: Any) -> None:
    client = ui_client(watched)
    data = client.get("/api/models/churn/series").json()
    assert data["window_seconds"] == 3600
    accuracy = data["accuracy"]
    assert sorted(accuracy) == ["1", "2"]
    for version, hours in (("1", (0, 1, 2)), ("2", (3, 4, 5))):
        line = accuracy[version]
        starts = [s[:19] for s in line["start"]]
        assert starts == [(START + h * HOUR).isoformat()[:19] for h in hours]
        assert all(0.0 < a <= 1.0 for a in line["realised"] + line["estimated"]), line
    realised = accuracy["1"]["realised"] + accuracy["2"]["realised"]
    assert min(realised[:5]) > 0.7
    assert realised[5] < realised[4] - 0.15  # near the boundary: the accuracy drops
    assert accuracy["2"]["estimated"][2] < accuracy["2"]["estimated"][1] - 0.15  # seen unlabelled
    mix = data["predictions"]
    assert sorted(mix) == ["0", "1"]
    for j in range(6):
        assert mix["0"]["share"][j] + mix["1"]["share"][j] == pytest.approx(1.0)
    drift = data["drift"]
    assert drift["features"] == ["a", "b", "c"]
    assert len(drift["start"]) == 6
    score = dict(zip(drift["features"], drift["score"], strict=True))
    assert all(s is not None and s < 1.0 for s in score["a"][:5])  # drawn as in training
    assert score["a"][5] >= 1.0  # the narrow hour drifted
    assert score["b"][5] >= 1.0
    assert score["c"][5] < min(score["a"][5], score["b"][5])
    assert data["latency"]["recorded"] is False
    assert "not stored" in data["latency"]["note"]
    assert data["outliers"]["1"]["rows"] == [200, 200, 200]

    one = client.get("/api/models/churn/series?kind=accuracy&version=1").json()
    assert sorted(one) == ["accuracy", "model", "notes", "since", "until", "window_seconds"]
    assert sorted(one["accuracy"]) == ["1"]


def test_the_series_take_a_range_and_a_coarser_window(watched: Workspace, ui_client: Any) -> None:
    client = ui_client(watched)
    since = (START + 2 * HOUR).isoformat()
    until = (START + 4 * HOUR).isoformat()
    ranged = client.get(
        "/api/models/churn/series", params={"kind": "accuracy", "since": since, "until": until}
    ).json()
    assert [len(line["start"]) for _, line in sorted(ranged["accuracy"].items())] == [1, 1]
    assert ranged["accuracy"]["1"]["start"][0][:19] == since[:19]
    daily = client.get("/api/models/churn/series?kind=accuracy&window=day").json()
    assert daily["window_seconds"] == int(timedelta(days=1).total_seconds())
    assert {v: len(line["start"]) for v, line in daily["accuracy"].items()} == {"1": 1, "2": 1}
    page = client.get("/models/churn", params={"since": since, "until": until})
    assert page.status_code == 200
    assert "2 windows of 1:00:00" in page.text


def test_a_version_page_shows_its_card_and_monitor_reference(
    watched: Workspace, ui_client: Any
) -> None:
    client = ui_client(watched)
    answer = client.get("/models/churn/versions/1")
    assert answer.status_code == 200, answer.text
    text = answer.text
    version = watched.registry.versions("churn")[0]
    assert f'href="/lineage/{version.artifact_id}"' in text
    assert 'data-testid="monitor-reference"' in text
    assert "a, b, c" in text  # the inputs it watches
    assert "alice" in text  # the card's history
    data = client.get("/api/models/churn/versions/1").json()
    assert data["monitor_reference"]["eval_rows"] == 2000
    assert data["monitor_reference"]["calibrated"] is True
    assert data["monitor_reference"]["features"] == ["a", "b", "c"]


@pytest.mark.slow
def test_a_version_trained_by_the_pipeline_links_its_spans_and_shows_its_evaluation(
    recorded: Recorded, ui_client: Any
) -> None:
    client = ui_client(recorded.ws)
    answer = client.get("/models/synth/versions/1")
    assert answer.status_code == 200, answer.text
    text = answer.text
    spans = text[text.index('data-testid="training-spans"') :]
    assert 'href="/data/synth/spans/1"' in spans
    assert 'href="/data/synth"' in spans
    assert "<h2>Evaluation</h2>" in text
    data = client.get("/api/models/synth/versions/1").json()
    spans_json = data["training_data"]["spans"]
    assert [(s["dataset"], s["span"]) for s in spans_json] == [("synth", 1)]
    assert data["evaluation"] is not None


def test_with_the_token_the_page_offers_the_actions(watched: Workspace, ui_client: Any) -> None:
    client = ui_client(watched, token=TOKEN)
    text = client.get("/models/churn", headers={"Authorization": f"Bearer {TOKEN}"}).text
    versions = text[text.index('data-testid="versions"') : text.index('data-testid="history"')]
    rows = versions.split("<tr>")
    [v2] = [r for r in rows if 'versions/2"' in r]
    [v1] = [r for r in rows if 'versions/1"' in r]
    assert 'data-testid="action-promote"' in v1
    assert 'data-testid="action-promote"' not in v2  # the champion already
    assert 'data-testid="action-rollback"' in text


def test_an_active_rollout_is_shown_with_its_abort_button(
    watched: Workspace, ui_client: Any
) -> None:
    from driftline.rollout.engine import RolloutSpec

    watched.rollouts.request(RolloutSpec("churn", 2, 1), by="carol", reason="try v1 again")
    client = ui_client(watched, token=TOKEN)
    text = client.get("/models/churn", headers={"Authorization": f"Bearer {TOKEN}"}).text
    rollouts = text[text.index('data-testid="rollouts"') : text.index('data-testid="versions"')]
    assert "carol" in rollouts
    assert "try v1 again" in rollouts
    assert "pending" in rollouts
    assert 'data-testid="action-abort-rollout"' in rollouts
    [rollout] = client.get("/api/models/churn").json()["rollouts"]
    assert (rollout["champion"], rollout["candidate"], rollout["status"]) == (2, 1, "pending")


def test_versions_are_paginated(watched: Workspace, ui_client: Any) -> None:
    client = ui_client(watched)
    data = client.get("/api/models/churn?limit=1").json()
    assert [v["version"] for v in data["versions"]] == [2]
    data = client.get("/api/models/churn?limit=1&offset=1").json()
    assert [v["version"] for v in data["versions"]] == [1]
    data = client.get("/api/models/churn?history_offset=1").json()
    assert data["history"][0]["by"] == "bob"


def test_a_model_without_windows_says_so(ws: Workspace, tmp_path: Path, ui_client: Any) -> None:
    register(ws, tmp_path / "models")
    client = ui_client(ws)
    answer = client.get("/models/churn")
    assert answer.status_code == 200, answer.text
    assert "no live window is stored yet" in answer.text
    assert "plotly.min.js" not in answer.text
    data = client.get("/api/models/churn/series?kind=drift").json()
    assert data["drift"] == {"start": [], "features": [], "score": [], "drift_share": []}


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/models/nope", "'nope'"),
        ("/api/models/nope", "'nope'"),
        ("/api/models/nope/series", "'nope'"),
        ("/models/churn/versions/9", "no version 9"),
        ("/api/models/churn/versions/9", "no version 9"),
        ("/api/models/churn/series?version=9", "no version 9"),
    ],
)
def test_unknown_models_and_versions_are_404_naming_them(
    watched: Workspace, ui_client: Any, path: str, named: str
) -> None:
    answer = ui_client(watched).get(path)
    assert answer.status_code == 404, answer.text
    assert named in html.unescape(answer.text)
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/api/models/churn/series?version=x", "version"),
        ("/api/models/churn/series?since=yesterday", "since"),
        ("/api/models/churn/series?window=5x", "window"),
        ("/api/models/churn/series?window=90m", "window"),
        ("/api/models/churn/series?kind=speed", "kind"),
        ("/models/churn?offset=-1", "offset"),
        ("/models/churn?window=soon", "window"),
        ("/api/models?limit=many", "limit"),
    ],
)
def test_malformed_parameters_are_400_naming_them(
    watched: Workspace, ui_client: Any, path: str, named: str
) -> None:
    answer = ui_client(watched).get(path)
    assert answer.status_code == 400, answer.text
    assert named in answer.text
    assert "Traceback" not in answer.text
