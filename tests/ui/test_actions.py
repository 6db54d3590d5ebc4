"""The dashboard's actions: promote and roll back through ``/api/actions`` and the page's forms,
with the token (bearer or the sign-in cookie), and every refusal (401, 400, 404, 409).

The workspace: model ``churn`` with two real versions, v1 the champion (set by ``bob``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftline.workspace import Workspace
from tests.monitor.window_stream import register

TOKEN = "s3cret-token"
"""The dashboard's bearer token."""

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def two(ws: Workspace, tmp_path: Path) -> Workspace:
    """``churn`` v1 and v2; the champion v1."""
    for seed in (0, 3):
        register(ws, tmp_path / "models", seed=seed, profile=False, reference=False)
    ws.registry.set_alias("churn", "champion", 1, by="bob", reason="the first one")
    return ws


def _champion(ws: Workspace) -> int:
    return ws.registry.champion("churn").number


def test_promote_and_rollback_with_the_token_move_the_champion_and_record_who_and_why(
    two: Workspace, ui_client: Any
) -> None:
    client = ui_client(two, token=TOKEN)
    answer = client.post(
        "/api/actions/promote",
        json={"model": "churn", "version": 2, "reason": "v2 wins on recent data"},
        headers={**BEARER, "X-Driftline-User": "carol"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["done"] == "churn v2 is the champion"
    assert _champion(two) == 2
    last = two.registry.history("churn")[-1]
    assert (last.action.value, last.version, last.previous) == ("promote", 2, 1)
    assert (last.by, last.reason) == ("carol", "v2 wins on recent data")

    back = client.post(
        "/api/actions/rollback", json={"model": "churn", "reason": "v2 drops"}, headers=BEARER
    )
    assert back.status_code == 200, back.text
    assert back.json()["done"] == "churn champion back to v1"
    assert _champion(two) == 1
    last = two.registry.history("churn")[-1]
    assert (last.action.value, last.version, last.previous) == ("rollback", 1, 2)
    assert (last.by, last.reason) == ("dashboard", "v2 drops")  # nobody named: the server's user


def test_without_the_token_nothing_is_changed_and_no_button_is_shown(
    two: Workspace, ui_client: Any
) -> None:
    for client in (ui_client(two), ui_client(two, token=TOKEN)):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            answer = client.post(
                "/api/actions/promote",
                json={"model": "churn", "version": 2, "reason": "try"},
                headers=headers,
            )
            assert answer.status_code == 401, answer.text
            assert "token" in answer.json()["error"]
        page = client.get("/models/churn").text
        assert 'data-testid="action-promote"' not in page
        assert 'data-testid="action-rollback"' not in page
        assert "Read-only" in page
    assert _champion(two) == 1
    assert [t.action.value for t in two.registry.history("churn")][-1] == "set"


@pytest.mark.parametrize(
    ("action", "body", "status", "words"),
    [
        ("promote", {"model": "churn", "version": 2}, 400, "field 'reason' is required"),
        ("promote", {"model": "churn", "version": 2, "reason": " "}, 400, "'reason'"),
        ("promote", {"model": "churn", "version": "two", "reason": "r"}, 400, "'two'"),
        ("promote", {"model": "nope", "version": 1, "reason": "r"}, 404, "'nope'"),
        ("promote", {"model": "churn", "version": 9, "reason": "r"}, 404, "9"),
        ("rollback", {"model": "nope", "reason": "r"}, 404, "'nope'"),
        ("rollback", {"model": "churn", "reason": "r"}, 409, "no earlier version"),
        ("abort-rollout", {"model": "nope", "reason": "r"}, 404, "'nope'"),
        ("abort-rollout", {"model": "churn", "reason": "r"}, 409, "no rollout in progress"),
        ("abort-rollout", {"model": "churn"}, 400, "field 'reason' is required"),
        ("explode", {"reason": "r"}, 404, "no action 'explode'"),
        ("retrain", {"reason": "r"}, 409, "--policy"),
    ],
)
def test_refusals_name_what_is_wrong_and_change_nothing(
    two: Workspace, ui_client: Any, action: str, body: dict[str, Any], status: int, words: str
) -> None:
    before = len(two.registry.history("churn"))
    answer = ui_client(two, token=TOKEN).post(f"/api/actions/{action}", json=body, headers=BEARER)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]
    assert len(two.registry.history("churn")) == before
    assert _champion(two) == 1


def test_signing_in_sets_the_cookie_and_the_pages_form_acts_with_it(
    two: Workspace, ui_client: Any
) -> None:
    client = ui_client(two, token=TOKEN)
    wrong = client.post("/signin", data={"token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401
    assert "not the dashboard&#39;s token" in wrong.text
    assert "driftline_token" not in client.cookies
    answer = client.post("/signin", data={"token": TOKEN, "name": "dana"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert "HttpOnly" in answer.headers["set-cookie"]
    assert client.cookies.get("driftline_token") == TOKEN
    page = client.get("/models/churn").text
    assert 'data-testid="action-promote"' in page  # v2 may be promoted
    done = client.post(
        "/actions/promote", data={"model": "churn", "version": "2", "reason": "from the page"}
    )
    assert 'data-testid="action-done"' in done.text, done.text
    assert _champion(two) == 2
    last = two.registry.history("churn")[-1]
    assert (last.by, last.reason) == ("dana", "from the page")
    refused = client.post("/actions/rollback", data={"model": "churn"})
    assert 'data-testid="action-error"' in refused.text
    assert "field &#39;reason&#39; is required" in refused.text
    client.get("/signout", follow_redirects=False)
    assert "driftline_token" not in client.cookies
    after = client.post("/actions/rollback", data={"model": "churn", "reason": "r"})
    assert 'data-testid="action-error"' in after.text
    assert "acting needs the dashboard&#39;s token" in after.text
    assert _champion(two) == 2


def test_a_dashboard_without_a_token_refuses_sign_in(two: Workspace, ui_client: Any) -> None:
    answer = ui_client(two).post("/signin", data={"token": TOKEN}, follow_redirects=False)
    assert answer.status_code == 401
    assert "read-only" in answer.text


def test_abort_rollout_stops_the_pending_rollout_as_the_user(
    two: Workspace, ui_client: Any
) -> None:
    from driftline.rollout.engine import RolloutSpec

    two.rollouts.request(RolloutSpec("churn", 1, 2), by="frank", reason="try v2")
    client = ui_client(two, token=TOKEN)
    answer = client.post(
        "/api/actions/abort-rollout",
        json={"model": "churn", "reason": "a holiday"},
        headers={**BEARER, "X-Driftline-User": "gina"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["done"] == "abort of rollout churn#1 asked"
    [record] = two.rollouts.all("churn")
    assert record.status.value == "aborted"
    last = two.rollouts.decisions("churn#1")[-1]
    assert (last["action"], last["reason"], last["evidence"]) == (
        "abort",
        "a holiday",
        {"by": "gina"},
    )
    again = client.post(
        "/api/actions/abort-rollout", json={"model": "churn", "reason": "again"}, headers=BEARER
    )
    assert again.status_code == 409
