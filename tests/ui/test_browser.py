"""The dashboard in a real browser, after the demo's loop has run (issue 17's acceptance).

Headless Chromium (Debian's, driven by Playwright) loads each page from a real server on
127.0.0.1; every request elsewhere is aborted and counted as a problem. Each page must load with
no console error, no failed request and no answer >= 400, and is saved as a screenshot in
``build/screenshots/`` (and in ``$DRIFTLINE_SCREENSHOTS`` too when set: ``make screenshots``
writes ``docs/images/``, the pictures of the README and ``docs/ui.md``).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from driftline.store.queries import ContextQuery
from driftline.store.records import LineageDirection
from driftline.workspace import Workspace
from tests.ui.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "browser-token"
THRESHOLD = 0.85  # the demo policy's accuracy trigger
DATASET = "digits"

PAGES = {
    "overview": "/",
    "models": "/models",
    "model": "/models/{model}",
    "version": "/models/{model}/versions/{champion}",
    "data": "/data",
    "dataset": "/data/{dataset}",
    "span": "/data/{dataset}/spans/1",
    "runs": "/runs",
    "run": "/runs/{run}",
    "lineage": "/lineage/{champion_artifact}",
    "decisions": "/decisions",
}
"""Each page the browser loads, by the name of its screenshot (``ui-<name>.png``)."""


@pytest.fixture(scope="module")
def demo_ws(demo_loop: Any) -> Iterator[Workspace]:
    """The demo's workspace, open for the module's servers."""
    with Workspace.open(demo_loop.folder) as ws:
        yield ws


@pytest.fixture(scope="module")
def places(demo_loop: Any, demo_ws: Workspace) -> dict[str, Any]:
    """What the page paths name: the model, its champion, a run, the dataset."""
    champion = demo_ws.registry.alias(demo_loop.model, "champion")
    assert champion is not None
    (run,) = demo_ws.metadata.contexts(ContextQuery(kind="run", limit=1))
    return {
        "model": demo_loop.model,
        "champion": champion.number,
        "champion_artifact": champion.artifact_id,
        "run": run.name,
        "dataset": DATASET,
    }


@pytest.fixture
def dashboard(ui_server: Callable[..., Any], demo_ws: Workspace) -> Any:
    """A dashboard over the demo's workspace that allows actions with :data:`TOKEN`."""
    return ui_server(demo_ws, token=TOKEN)


def shoot(page: Any, name: str) -> None:
    """Save the page as ``ui-<name>.png`` in build/screenshots (and $DRIFTLINE_SCREENSHOTS)."""
    extra = os.environ.get("DRIFTLINE_SCREENSHOTS")
    if extra:  # the docs show what a browser window shows first (smaller files)
        folder = ROOT / extra
        folder.mkdir(parents=True, exist_ok=True)
        # first: a full-page screenshot resizes the window for a moment, and the plots follow
        page.screenshot(path=str(folder / f"ui-{name}.png"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"ui-{name}.png"), full_page=True)


def settle(page: Any) -> None:
    """Wait until the page has loaded, made its requests and drawn its plots."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('div.plot[data-figure]'))"
        ".every(el => el.dataset.drawn === '1')"
    )


def poll(check: Callable[[], Any], what: str, seconds: float = 10.0) -> Any:
    """``check()`` once it is truthy (else fail after ``seconds``, saying ``what``)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"{what}: not after {seconds} s"
            return value
        time.sleep(0.05)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_without_a_problem(
    name: str, dashboard: Any, places: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    page = open_page(dashboard.url + PAGES[name].format(**places), token=TOKEN)
    settle(page)
    shoot(page, name)
    assert page.problems == []
    assert page.locator("main h1").inner_text().strip()
    assert "Traceback" not in page.content()


def test_the_model_page_shows_the_versions_the_history_and_the_drop_and_recovery(
    dashboard: Any, demo_ws: Workspace, places: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    model = places["model"]
    page = open_page(f"{dashboard.url}/models/{model}")
    settle(page)
    versions = demo_ws.registry.versions(model)
    assert len(versions) >= 2  # the first model and at least one retrained
    table = page.locator("[data-testid=versions]")
    for version in versions:
        assert table.locator(f'a[href$="/models/{model}/versions/{version.number}"]').count() == 1
    history = page.locator("[data-testid=history] tbody tr")
    assert history.count() >= len(versions)  # each version was made the champion once
    shown = history.all_inner_texts()
    for version in versions:
        assert any(f"v{version.number}" in row for row in shown), (version.number, shown)

    # the plot as plotly drew it: one realised line per version, over the live windows
    traces = page.evaluate(
        "document.getElementById('plot-accuracy').data"
        ".map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    realised = [t for t in traces if "realised" in t["name"]]
    assert realised, [t["name"] for t in traces]
    points = sorted(
        (x, y) for t in realised for x, y in zip(t["x"], t["y"], strict=True) if y is not None
    )
    accuracy = [y for _, y in points]
    low = accuracy.index(min(accuracy))
    assert accuracy[low] < 0.6, accuracy  # the drifted images: accuracy falls...
    assert max(accuracy[:low]) >= THRESHOLD, accuracy  # ...from above the threshold...
    assert max(accuracy[low + 1 :]) >= THRESHOLD, accuracy  # ...and comes back above it


def trained_on(ws: Workspace, artifact_id: int) -> dict[int, Any]:
    """The span artifacts the model of a model version was trained on, by artifact id."""
    graph = ws.metadata.lineage(artifact_id, direction=LineageDirection.UP)
    models = [i for i, a in graph.artifacts.items() if a.kind == "model"]
    model = min(models, key=lambda i: graph.depth[i])  # this version's model, not an older one
    (train,) = graph.producers(model)
    (window,) = [graph.artifacts[i] for i in graph.inputs_of(train)]  # the spans it read
    numbers = set(window.properties["spans"])
    dataset = window.properties["dataset"]
    spans = {
        i: a
        for i, a in graph.artifacts.items()
        if a.kind == "span"
        and a.properties["dataset"] == dataset
        and a.properties["number"] in numbers
    }
    assert {a.properties["number"] for a in spans.values()} == numbers
    return spans


def test_the_champions_lineage_reaches_the_spans_it_was_trained_on(
    dashboard: Any, demo_ws: Workspace, places: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    spans = trained_on(demo_ws, places["champion_artifact"])
    assert len(spans) == 2  # the policy's window: the last two spans
    page = open_page(f"{dashboard.url}/lineage/{places['champion_artifact']}")
    settle(page)
    assert page.problems == []
    for artifact_id, span in spans.items():
        number = span.properties["number"]
        links = page.locator(
            f'a[href$="/artifacts/{artifact_id}"], a[href$="/data/{DATASET}/spans/{number}"]'
        )
        assert links.count() >= 1, f"span {number} (artifact {artifact_id}) is not on the page"
    # and a span's node leads to it
    first = min(spans)
    page.locator(f'a[href$="/artifacts/{first}"]').first.dispatch_event("click")
    page.wait_for_url(f"**/artifacts/{first}")
    page.wait_for_load_state("networkidle")
    assert page.problems == []


def _act(page: Any, scope: Any, action: str, reason: str) -> None:
    """Fill the reason, press the button, accept the confirmation, wait for the answer."""
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    form = scope.locator("form", has=page.locator(f"[data-testid=action-{action}]"))
    around = form.locator("xpath=..")  # the answer is put next to the form
    page.once("dialog", accept)
    form.locator(f"[data-testid=reason-{action}]").fill(reason)
    form.locator(f"[data-testid=action-{action}]").click()
    answer = around.locator("[data-testid=action-done], [data-testid=action-error]")
    answer.first.wait_for()
    assert asked, f"{action}: no confirmation was asked"
    assert around.locator("[data-testid=action-done]").count() == 1, answer.first.inner_text()


def test_promote_and_roll_back_from_the_page(
    dashboard: Any, demo_ws: Workspace, places: dict[str, Any], open_page: Callable[..., Any]
) -> None:
    model, champion = places["model"], places["champion"]
    other = champion - 1
    url = f"{dashboard.url}/models/{model}"
    page = open_page(url, token=TOKEN)
    settle(page)
    row = page.locator("[data-testid=versions] tbody tr").filter(
        has=page.locator(f'a[href$="/versions/{other}"]')
    )
    _act(page, row, "promote", "the browser test promotes the previous version")

    def number() -> int | None:
        found = demo_ws.registry.alias(model, "champion")
        return found.number if found else None

    poll(lambda: number() == other, f"the champion is v{other}")
    page.goto(url)
    settle(page)
    history = page.locator("[data-testid=history] tbody tr")
    assert "the browser test promotes the previous version" in history.first.inner_text()

    _act(page, page.locator("main"), "rollback", "the browser test rolls it back")
    poll(lambda: number() == champion, f"the champion is v{champion} again")
    page.goto(url)
    settle(page)
    assert (
        "the browser test rolls it back"
        in page.locator("[data-testid=history] tbody tr").first.inner_text()
    )
    assert page.locator("[data-testid=champion]").inner_text() == f"v{champion}"
    assert page.problems == []


def _post(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_without_the_token_nothing_can_be_changed(
    ui_server: Callable[..., Any],
    dashboard: Any,
    demo_ws: Workspace,
    places: dict[str, Any],
    open_page: Callable[..., Any],
) -> None:
    model = places["model"]
    before = demo_ws.registry.alias(model, "champion")
    assert before is not None
    other = next(v.number for v in demo_ws.registry.versions(model) if v.number != before.number)
    read_only = ui_server(demo_ws)  # started without a token
    body = {"model": model, "version": other, "reason": "no token"}
    for server, token in ((dashboard, None), (dashboard, "not-the-token"), (read_only, None)):
        page = open_page(f"{server.url}/models/{model}", token=token)
        settle(page)
        assert page.locator("[data-testid^=action-]").count() == 0
        assert page.locator("[data-testid=read-only]").count() == 1
        assert page.problems == []
        status, answer = _post(f"{server.url}/api/actions/promote", body, token)
        assert status == 401, answer
        assert answer["status"] == 401
    found = demo_ws.registry.alias(model, "champion")
    assert found is not None
    assert found.number == before.number  # nothing changed
