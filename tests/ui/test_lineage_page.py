"""The lineage pages (``/lineage``, ``/lineage/{ref}``), the artifact page and the layout.

The tests on ``recorded`` are marked slow: it runs the standard pipeline (once per backend).
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from driftline.ui.views.lineage_layout import layered_layout
from tests.ui import recorded_runs
from tests.ui.recorded_runs import Recorded

recorded = recorded_runs.recorded  # the fixture

BOX_WIDTH, BOX_HEIGHT = 150, 40
"""The size of a node's box in graph.html."""


def _graph(client: Any, ref: str, query: str = "") -> dict[str, Any]:
    answer = client.get(f"/api/lineage/{ref}{query}")
    assert answer.status_code == 200, answer.text
    graph: dict[str, Any] = answer.json()
    return graph


def _reaches(graph: dict[str, Any], source: str, target: str) -> bool:
    after: dict[str, list[str]] = {}
    for e in graph["edges"]:
        after.setdefault(e["from"], []).append(e["to"])
    seen, todo = {source}, [source]
    while todo:
        for n in after.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return target in seen


@pytest.mark.slow
def test_the_champion_lineage_reaches_the_span_it_was_trained_on(
    recorded: Recorded, ui_client: Any
) -> None:
    ws = recorded.ws
    client = ui_client(ws)
    (version,) = ws.registry.versions("synth")
    span = ws.span("synth")
    graph = _graph(client, "synth@champion", "?direction=up&depth=20")
    assert graph["artifact"] == version.artifact_id
    keys = {n["key"] for n in graph["nodes"]}
    assert f"a{span.artifact_id}" in keys
    assert _reaches(graph, f"a{span.artifact_id}", f"a{version.artifact_id}")
    (root,) = [n for n in graph["nodes"] if n["root"]]
    assert root["key"] == f"a{version.artifact_id}"
    assert root["label"] == "model_version synth:1"
    span_node = next(n for n in graph["nodes"] if n["key"] == f"a{span.artifact_id}")
    assert span_node["label"] == "span synth:1"
    assert span_node["href"] == f"/artifacts/{span.artifact_id}"

    page = client.get("/lineage/synth@champion?direction=up&depth=20")
    assert page.status_code == 200
    assert 'class="graph pannable" data-testid="lineage-graph"' in page.text
    assert f'href="/artifacts/{span.artifact_id}"' in page.text
    assert f'href="/runs/{recorded.trained}"' in page.text  # the steps link their run


@pytest.mark.slow
def test_the_layout_has_no_overlap_and_every_edge_points_to_a_later_layer(
    recorded: Recorded, ui_client: Any
) -> None:
    client = ui_client(recorded.ws)
    for ref in ("synth@champion", str(recorded.ws.span("synth").artifact_id)):
        graph = _graph(client, ref, "?depth=20")
        place = {n["key"]: (n["x"], n["y"]) for n in graph["nodes"]}
        assert len(place) == len(graph["nodes"]) > 10
        for (ax, ay), (bx, by) in itertools.combinations(place.values(), 2):
            assert abs(ax - bx) >= BOX_WIDTH or abs(ay - by) >= BOX_HEIGHT
        assert graph["edges"]
        assert any(e["bends"] for e in graph["edges"])  # long edges, which bend
        for e in graph["edges"]:
            assert place[e["from"]][0] < place[e["to"]][0], e
            xs = [place[e["from"]][0], *(x for x, _ in e["bends"]), place[e["to"]][0]]
            assert xs == sorted(set(xs))  # left to right, bending round the nodes
            assert not {tuple(p) for p in e["bends"]} & set(place.values())
        for x, y in place.values():
            assert 0 < x < graph["width"]
            assert 0 < y < graph["height"]


@pytest.mark.slow
def test_direction_and_depth(recorded: Recorded, ui_client: Any) -> None:
    ws = recorded.ws
    client = ui_client(ws)
    (version,) = ws.registry.versions("synth")
    span = ws.span("synth").artifact_id
    down = _graph(client, str(span), "?direction=down&depth=20")
    assert down["direction"] == "down"
    assert f"a{version.artifact_id}" in {n["key"] for n in down["nodes"]}
    assert _reaches(down, f"a{span}", f"a{version.artifact_id}")
    near = _graph(client, "synth@champion", "?direction=up&depth=1")
    far = _graph(client, "synth@champion", "?direction=up&depth=20")
    assert near["depth"] == 1
    assert 1 < len(near["nodes"]) < len(far["nodes"])
    both = _graph(client, "synth@champion")  # both directions, depth 5 by default
    assert (both["direction"], both["depth"]) == ("both", 5)
    assert f"a{span}" in {n["key"] for n in both["nodes"]}  # the spans, as the page opens


@pytest.mark.slow
def test_every_node_is_a_link_and_kinds_are_coloured(recorded: Recorded, ui_client: Any) -> None:
    client = ui_client(recorded.ws)
    graph = _graph(client, "synth@champion", "?depth=20")
    for n in graph["nodes"]:
        if n["type"] == "artifact":
            assert n["href"] == f"/artifacts/{n['key'][1:]}"
        else:
            assert n["href"].startswith(("/runs/", "/data/", "/models/", "/artifacts/")), n
    hrefs = {n["kind"]: n["href"] for n in graph["nodes"] if n["type"] == "execution"}
    assert hrefs["train"] == f"/runs/{recorded.trained}"
    assert hrefs["register"] == "/models/synth/versions/1"
    page = client.get("/lineage/synth@champion?depth=20").text
    assert page.count("<a href=") >= len(graph["nodes"])
    assert 'class="kind-span' in page
    assert 'class="kind-model_version root"' in page
    assert 'data-testid="legend"' in page
    assert 'class="kind-span"/></svg> span<' in page  # a swatch per kind drawn


@pytest.mark.slow
def test_a_big_graph_is_cut_and_says_so(
    recorded: Recorded, ui_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from driftline.ui.views import lineage

    client = ui_client(recorded.ws)
    whole = _graph(client, "synth@champion", "?depth=20")
    assert whole["notes"] == []
    monkeypatch.setattr(lineage, "MAX_NODES", 8)
    cut = _graph(client, "synth@champion", "?depth=20")
    assert len(cut["nodes"]) <= 8 < len(whole["nodes"])
    assert any(n["root"] for n in cut["nodes"])  # the artifact itself is kept
    assert "nearest artifacts are drawn" in cut["notes"][0]
    assert "nearest artifacts are drawn" in client.get("/lineage/synth@champion?depth=20").text


@pytest.mark.slow
def test_the_artifact_page(recorded: Recorded, ui_client: Any) -> None:
    ws = recorded.ws
    client = ui_client(ws)
    (version,) = ws.registry.versions("synth")
    model = ws.metadata.get_artifact(version.model_id)
    doc = client.get(f"/api/artifacts/{model.id}").json()
    assert doc["kind"] == "model"
    assert doc["state"] == "LIVE"
    assert [p["kind"] for p in doc["produced_by"]] == ["train"]
    assert doc["produced_by"][0]["run"] == recorded.trained
    assert {"evaluate", "infra_validate"} <= {c["kind"] for c in doc["used_by"]}
    page = client.get(f"/artifacts/{model.id}")
    assert page.status_code == 200
    assert f'href="/lineage/{model.id}"' in page.text
    assert f'href="/runs/{recorded.trained}"' in page.text
    assert model.uri not in page.text  # no file paths
    assert str(ws.settings.workspace) not in page.text
    assert "uri" not in doc
    assert doc["readers"] == len(doc["used_by"]) >= 4
    first = client.get(f"/api/artifacts/{model.id}?limit=2").json()
    rest = client.get(f"/api/artifacts/{model.id}?limit=2&offset=2").json()
    assert first["readers"] == doc["readers"]
    assert [c["execution"] for c in first["used_by"] + rest["used_by"]] == [
        c["execution"] for c in doc["used_by"][:4]
    ]
    assert "older &rarr;" in client.get(f"/artifacts/{model.id}?limit=2").text
    version_page = client.get(f"/artifacts/{version.artifact_id}").text
    assert 'href="/models/synth/versions/1"' in version_page
    span = ws.span("synth")
    assert 'href="/data/synth/spans/1"' in client.get(f"/artifacts/{span.artifact_id}").text


@pytest.mark.slow
def test_the_lineage_form_and_the_newest_models_and_spans(
    recorded: Recorded, ui_client: Any
) -> None:
    ws = recorded.ws
    client = ui_client(ws)
    (version,) = ws.registry.versions("synth")
    page = client.get("/lineage").text
    assert f'href="/lineage/{version.artifact_id}"' in page
    assert f'href="/lineage/{ws.span("synth").artifact_id}"' in page
    assert 'name="ref"' in page
    moved = client.get("/lineage?ref=synth@champion", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == "/lineage/synth@champion"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        ("/lineage/nosuchmodel@champion", 404, "nosuchmodel"),
        ("/lineage/987654", 404, "987654"),
        ("/artifacts/987654", 404, "987654"),
        ("/lineage/synth@champion?direction=sideways", 400, "query parameter 'direction'"),
        ("/lineage/synth@champion?depth=0", 400, "query parameter 'depth'"),
        ("/lineage/synth@champion?depth=deep", 400, "query parameter 'depth'"),
    ],
)
def test_unknown_artifacts_are_404_and_bad_parameters_400(
    recorded: Recorded, ui_client: Any, path: str, status: int, named: str
) -> None:
    client = ui_client(recorded.ws)
    page = client.get(path)
    assert page.status_code == status
    assert named.replace("'", "&#39;") in page.text
    assert "Traceback" not in page.text
    api = client.get("/api" + path)
    assert api.status_code == status
    assert named in api.json()["error"]


def _crossings(layout: Any, edges: list[tuple[int, int]]) -> int:
    count = 0
    for (a, b), (c, d) in itertools.combinations(edges, 2):
        if layout.layer[a] == layout.layer[c] and layout.layer[b] == layout.layer[d]:
            ya, yb = layout.order[a], layout.order[b]
            yc, yd = layout.order[c], layout.order[d]
            count += (ya - yc) * (yb - yd) < 0
    return count


def test_layered_layout_on_random_graphs() -> None:
    rng = random.Random(17)
    for _ in range(30):
        n = rng.randint(2, 40)
        nodes = list(range(n))
        edges = [(a, b) for a in nodes for b in nodes if a < b and rng.random() < 3 / n]
        rng.shuffle(nodes)
        layout = layered_layout(nodes, edges)
        assert all(layout.layer[a] < layout.layer[b] for a, b in edges)  # left to right
        # longest path: a node sits one layer after its furthest predecessor
        for b in nodes:
            before = [layout.layer[a] for a, c in edges if c == b]
            assert layout.layer[b] == (max(before) + 1 if before else 0)
        places = list(layout.position.values())
        assert len(set(places)) == len(places)  # no two nodes in one place
        # a long edge bends through a free place of each layer it crosses: it passes no node
        bends = [p for a, b in edges for p in layout.bends[(a, b)]]
        assert len(set(bends)) == len(bends)
        assert not set(bends) & set(places)
        for a, b in edges:
            xs = [layout.position[a][0], *(x for x, _ in layout.bends[(a, b)])]
            assert len(xs) == layout.layer[b] - layout.layer[a]
            assert xs == sorted(set(xs))
        assert all(0 < x < layout.width and 0 < y < layout.height for x, y in places)


def test_barycentre_ordering_removes_avoidable_crossings() -> None:
    # in the given order a->y, b->x cross; a->y, b->x, c->z can be drawn with none
    edges = [("a", "y"), ("b", "x"), ("c", "z")]
    layout = layered_layout(["a", "b", "c", "x", "y", "z"], edges)
    assert _crossings(layout, edges) == 0
    ladder = [(f"u{i}", f"v{9 - i}") for i in range(10)]  # every pair crosses as given
    nodes = [u for u, _ in ladder] + sorted(v for _, v in ladder)
    assert _crossings(layered_layout(nodes, ladder), ladder) == 0
