"""The run pages: ``/runs`` (filters, paging, failures) and ``/runs/{run_id}`` (steps, graph).

The tests on ``recorded`` are marked slow: it runs the standard pipeline (once per backend).
"""

from __future__ import annotations

from typing import Any

import pytest

from driftline.pipeline import Pipeline, run_pipeline
from driftline.workspace import Workspace
from tests.ui import recorded_runs
from tests.ui.recorded_runs import ERROR, Recorded, make, total

recorded = recorded_runs.recorded  # the fixture

STANDARD = [
    "window",
    "schema",
    "validate",
    "profile",
    "train",
    "champion",
    "evaluate",
    "monitor_reference",
    "infra_validate",
    "push",
]
ESCAPED = "asked &lt;b&gt;to&lt;/b&gt; fail"


def _runs(client: Any, query: str = "") -> list[dict[str, Any]]:
    answer = client.get("/api/runs" + query)
    assert answer.status_code == 200, answer.text
    runs: list[dict[str, Any]] = answer.json()["runs"]
    return runs


@pytest.mark.slow
def test_the_list_is_newest_first_with_state_duration_and_failures(
    recorded: Recorded, ui_client: Any
) -> None:
    client = ui_client(recorded.ws)
    runs = _runs(client)
    order = [recorded.failed, recorded.cached, recorded.first, recorded.trained]
    assert [r["run"] for r in runs] == order
    assert [r["status"] for r in runs] == ["FAILED", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert [r["pipeline"] for r in runs] == ["failing", "small", "small", "train"]
    assert all(r["seconds"] is not None and r["seconds"] >= 0 for r in runs)
    assert [f["step"] for f in runs[0]["failures"]] == ["boom"]
    assert ERROR in runs[0]["failures"][0]["error"]
    assert all(r["failures"] == [] for r in runs[1:])
    assert all(r["job"] is None and r["trigger"] == "" for r in runs)  # all started by hand

    page = client.get("/runs")
    assert page.status_code == 200
    for run_id in order:
        assert f'href="/runs/{run_id}"' in page.text
    assert 'href="/runs/' + recorded.failed + '#step-boom"' in page.text
    assert ESCAPED in page.text
    assert ERROR not in page.text
    assert "by hand" in page.text


@pytest.mark.slow
def test_filters_and_paging(recorded: Recorded, ui_client: Any) -> None:
    client = ui_client(recorded.ws)
    assert [r["run"] for r in _runs(client, "?state=FAILED")] == [recorded.failed]
    assert [r["run"] for r in _runs(client, "?pipeline=small")] == [
        recorded.cached,
        recorded.first,
    ]
    assert [r["run"] for r in _runs(client, "?state=COMPLETE&pipeline=small&offset=1")] == [
        recorded.first
    ]
    assert _runs(client, "?state=RUNNING") == []
    assert [r["run"] for r in _runs(client, "?limit=2&offset=1")] == [
        recorded.cached,
        recorded.first,
    ]
    page = client.get("/runs?pipeline=small&limit=1").text
    assert "older &rarr;" in page
    assert "/runs?offset=1&amp;limit=1&amp;pipeline=small" in page  # the filter is kept
    assert "matches these filters" in client.get("/runs?pipeline=nope").text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?state=bad", "query parameter 'state': 'bad'"),
        ("?limit=0", "query parameter 'limit': '0'"),
        ("?offset=-1", "query parameter 'offset': '-1'"),
        ("?limit=many", "query parameter 'limit': 'many'"),
    ],
)
def test_malformed_filters_are_a_400_naming_them(
    recorded: Recorded, ui_client: Any, query: str, named: str
) -> None:
    client = ui_client(recorded.ws)
    api = client.get("/api/runs" + query)
    assert api.status_code == 400
    assert api.json()["error"].startswith(named)
    page = client.get("/runs" + query)
    assert page.status_code == 400
    assert named.replace("'", "&#39;") in page.text
    assert "Traceback" not in page.text


@pytest.mark.slow
def test_a_run_shows_its_steps_graph_parameters_and_every_artifact(
    recorded: Recorded, ui_client: Any
) -> None:
    client = ui_client(recorded.ws)
    short = recorded.trained[-8:]
    doc = client.get(f"/api/runs/{short}").json()
    assert doc["run"] == recorded.trained
    assert doc["status"] == "COMPLETE"
    assert doc["seconds"] >= 0
    steps = [s["step"] for s in doc["steps"]]
    assert [s for s in steps if s in STANDARD] == STANDARD, steps
    assert {s["state"] for s in doc["steps"]} == {"COMPLETE"}
    assert all(s["seconds"] is not None for s in doc["steps"])
    by_step = {s["step"]: s for s in doc["steps"]}
    assert [i["kind"] for i in by_step["train"]["inputs"]] == ["spans"]
    outputs = {o["artifact"] for s in doc["steps"] for o in s["outputs"]}
    inputs = {i["artifact_id"] for s in doc["steps"] for i in s["inputs"]}
    assert len(outputs) >= len(STANDARD)

    # the step graph: one node per step, each linked; edges from a producer to a consumer
    graph = doc["graph"]
    assert sorted(n["label"] for n in graph["nodes"]) == sorted(steps)
    node = {n["key"]: n for n in graph["nodes"]}
    step_of = {n["key"]: n["label"] for n in graph["nodes"]}
    edges = {(step_of[e["from"]], step_of[e["to"]]) for e in graph["edges"]}
    assert {("validate", "train"), ("train", "evaluate"), ("evaluate", "push")} <= edges
    assert all(node[e["from"]]["x"] < node[e["to"]]["x"] for e in graph["edges"])

    page = client.get(f"/runs/{short}")
    assert page.status_code == 200
    assert 'class="graph pannable" data-testid="step-graph"' in page.text
    for artifact_id in outputs | inputs:
        assert f'href="/artifacts/{artifact_id}"' in page.text
    assert f'href="/runs/{recorded.trained}#step-train"' in page.text  # a node is a link
    assert "push.model_name" in page.text  # parameters, per step
    assert "started by hand" in page.text


@pytest.mark.slow
def test_cached_steps_say_so(recorded: Recorded, ui_client: Any) -> None:
    client = ui_client(recorded.ws)
    doc = client.get(f"/api/runs/{recorded.cached}").json()
    assert [(s["step"], s["state"]) for s in doc["steps"]] == [
        ("make", "CACHED"),
        ("total", "CACHED"),
    ]
    first = client.get(f"/api/runs/{recorded.first}").json()
    assert [s["cached_from"] for s in doc["steps"]] == [s["execution"] for s in first["steps"]]
    page = client.get(f"/runs/{recorded.cached}").text
    assert "state-cached" in page
    assert f"from execution {first['steps'][0]['execution']}" in page


@pytest.mark.slow
def test_a_failed_step_shows_its_error_and_the_rest_is_canceled(
    recorded: Recorded, ui_client: Any
) -> None:
    client = ui_client(recorded.ws)
    doc = client.get("/api/runs/latest").json()
    assert doc["run"] == recorded.failed
    assert doc["status"] == "FAILED"
    states = {s["step"]: s["state"] for s in doc["steps"]}
    assert states == {"make": "CACHED", "boom": "FAILED", "after": "CANCELED"}  # make: reused
    (failed,) = [s for s in doc["steps"] if s["state"] == "FAILED"]
    assert ERROR in failed["error"]
    step_of = {n["key"]: n["label"] for n in doc["graph"]["nodes"]}
    edges = {(step_of[e["from"]], step_of[e["to"]]) for e in doc["graph"]["edges"]}
    assert edges == {("make", "boom"), ("boom", "after")}  # the canceled step after its cause
    page = client.get(f"/runs/{recorded.failed}").text
    assert 'data-testid="step-error"' in page
    assert ESCAPED in page
    assert ERROR not in page
    assert "state-failed" in page
    assert "state-canceled" in page


@pytest.mark.slow
def test_unknown_run_is_a_404_naming_it(recorded: Recorded, ui_client: Any) -> None:
    client = ui_client(recorded.ws)
    page = client.get("/runs/nosuchrun")
    assert page.status_code == 404
    assert "nosuchrun" in page.text
    assert "Traceback" not in page.text
    api = client.get("/api/runs/nosuchrun")
    assert api.status_code == 404
    assert "'nosuchrun'" in api.json()["error"]
    ambiguous = client.get("/api/runs/small-")  # a prefix of both runs of 'small'
    assert ambiguous.status_code == 400
    assert "run 'small-' is ambiguous" in ambiguous.json()["error"]
    assert recorded.first in ambiguous.json()["error"]


def test_a_run_started_by_the_controller_names_its_job_and_trigger(
    ws: Workspace, ui_client: Any
) -> None:
    from driftline.controller.jobs import JobQueue

    queue = JobQueue(ws.metadata)
    made = queue.enqueue(
        "retrain:small", "small", {}, {"kind": "drift", "trigger": "drift", "reason": "x0 moved"}
    )
    done = run_pipeline(ws, Pipeline("small", [make, total]), progress=False)
    queue.update(made.job, run_id=done.run_id)
    by_hand = run_pipeline(ws, Pipeline("small", [make, total]), progress=False)
    client = ui_client(ws)
    runs = {r["run"]: r for r in _runs(client)}
    assert runs[done.run_id]["job"] == "retrain:small#1"
    assert runs[done.run_id]["trigger"] == "drift: x0 moved"
    assert runs[by_hand.run_id]["job"] is None
    assert "drift: x0 moved" in client.get("/runs").text
    assert client.get(f"/api/runs/{done.run_id}").json()["job"] == "retrain:small#1"
    assert (
        "started by job retrain:small#1 (drift: x0 moved)"
        in client.get(f"/runs/{done.run_id}").text
    )
