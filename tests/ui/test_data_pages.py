"""The data pages: datasets, a dataset's spans with their drift, a span's profile, the schema."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.workspace import Workspace


def _table(seed: int, shift: float) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "amount": rng.normal(10.0 + shift, 1.0, 400),
            "region": rng.choice(["north", "south", "east"], 400),
            "label": rng.integers(0, 2, 400),
        }
    )


@pytest.fixture
def sales(ws: Workspace) -> Workspace:
    """Dataset ``sales``: spans 1 and 2 alike, span 3 with ``amount`` shifted by 5 standard
    deviations; a schema inferred from span 1 (version 1) and from span 3 (version 2); span 3
    validated against version 1 (its shift breaks the observed range)."""
    ws.data.ingest("sales", _table(1, 0.0), label="label")
    ws.data.infer_schema("sales", 1)
    ws.data.ingest("sales", _table(2, 0.0), label="label")
    ws.data.ingest("sales", _table(3, 5.0), label="label")
    ws.data.validate("sales", "sales:3")
    ws.data.infer_schema("sales", 3)
    return ws


def test_the_datasets_list_their_newest_span_and_validation(
    sales: Workspace, ui_client: Any
) -> None:
    client = ui_client(sales)
    answer = client.get("/data")
    assert answer.status_code == 200
    assert 'href="/data/sales"' in answer.text
    assert 'href="/data/sales/spans/3"' in answer.text
    [row] = client.get("/api/data").json()["datasets"]
    assert row["name"] == "sales"
    assert (row["spans"], row["newest_span"], row["rows"], row["schema_version"]) == (3, 3, 400, 2)
    assert row["validated_span"] == 3
    assert row["anomalies"] > 0  # the shifted amounts are out of span 1's range


def test_a_dataset_shows_drift_for_the_drifted_span_only(sales: Workspace, ui_client: Any) -> None:
    client = ui_client(sales)
    api = client.get("/api/data/sales").json()
    assert api["total"] == 3
    spans = {s["span"]: s for s in api["spans"]}
    assert [s["span"] for s in api["spans"]] == [3, 2, 1]  # newest first
    assert spans[1]["drift_share"] is None  # nothing before it
    assert spans[2]["drifted"] == []
    assert spans[2]["drift_share"] == 0.0
    assert "amount" in spans[3]["drifted"]
    assert "region" not in spans[3]["drifted"]
    assert spans[3]["drift_share"] > 0
    page = client.get("/data/sales")
    assert page.status_code == 200
    text = page.text
    assert 'id="plot-rows"' in text
    assert 'id="plot-drift"' in text
    drift3 = text.split('data-testid="drift-3"')[1].split("</td>")[0]
    drift2 = text.split('data-testid="drift-2"')[1].split("</td>")[0]
    assert "amount" in drift3
    assert "amount" not in drift2
    assert "none" in drift2


def test_a_dataset_pages_its_spans(sales: Workspace, ui_client: Any) -> None:
    client = ui_client(sales)
    api = client.get("/api/data/sales?offset=1&limit=1").json()
    assert [s["span"] for s in api["spans"]] == [2]
    assert api["total"] == 3
    assert [s["span"] for s in client.get("/api/data/sales?offset=3").json()["spans"]] == []
    page = client.get("/data/sales?offset=1&limit=1").text
    assert "/data/sales?offset=0&amp;limit=1" in page or "/data/sales?offset=0&limit=1" in page


def test_a_quarantined_span_says_so(sales: Workspace, ui_client: Any) -> None:
    from driftline.data.quarantine import quarantine

    quarantine(sales.metadata, sales.data.span("sales", 2), "a column all null")
    client = ui_client(sales)
    spans = {s["span"]: s for s in client.get("/api/data/sales").json()["spans"]}
    assert spans[2]["state"] == "quarantined"
    assert spans[2]["quarantine_reason"] == "a column all null"
    assert spans[1]["state"] == "admitted"
    text = client.get("/data/sales").text
    assert "a column all null" in text.split('data-testid="state-2"')[1].split("</td>")[0]


def test_a_span_page_has_a_histogram_per_column(sales: Workspace, ui_client: Any) -> None:
    client = ui_client(sales)
    view = client.get("/api/data/sales/spans/3").json()
    assert view["span"] == 3
    assert view["drift_against"] == 2
    columns = {c["name"]: c for c in view["columns"]}
    assert set(columns) == {"amount", "region", "label"}
    amount = columns["amount"]
    assert sum(amount["histogram"]["count"]) == 400
    assert len(amount["histogram"]["x"]) == len(amount["histogram"]["width"])
    assert 13.0 < amount["mean"] < 17.0
    assert amount["missing_share"] == 0.0
    assert amount["drift"]["drifted"] is True
    assert columns["region"]["drift"]["drifted"] is False
    assert sorted(columns["region"]["histogram"]["x"]) == ["east", "north", "south"]
    assert sum(columns["region"]["histogram"]["count"]) == 400
    assert view["anomalies"]  # the validation of span 3
    assert any(a.get("column") == "amount" for a in view["anomalies"])
    assert any(u["kind"] == "validate" for u in view["used_by"])
    page = client.get("/data/sales/spans/3")
    assert page.status_code == 200
    assert page.text.count('class="plot"') == 3  # one histogram per column
    assert "plotly" in page.text
    assert client.get("/api/data/sales/spans/1").json()["drift_against"] is None


def test_the_schema_page_lists_versions_and_changes(sales: Workspace, ui_client: Any) -> None:
    client = ui_client(sales)
    view = client.get("/api/data/sales/schema").json()
    assert [v["version"] for v in view["versions"]] == [2, 1]
    newest = view["versions"][0]
    assert "amount" in newest["changed"]  # its observed range moved with span 3
    assert set(newest["columns"]) >= {"amount", "region", "label"}
    assert 'dataset = "sales"' in view["schema"]
    page = client.get("/data/sales/schema")
    assert page.status_code == 200
    assert 'data-testid="schema-versions"' in page.text


def test_a_dataset_without_schema_says_how_to_make_one(ws: Workspace, ui_client: Any) -> None:
    ws.data.ingest("bare", _table(1, 0.0))
    client = ui_client(ws)
    assert client.get("/api/data/bare/schema").json()["versions"] == []
    assert "driftline schema infer bare" in client.get("/data/bare/schema").text


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/data/nope", "nope"),
        ("/api/data/nope", "nope"),
        ("/data/nope/spans/1", "nope"),
        ("/api/data/sales/spans/9", "9"),
        ("/data/nope/schema", "nope"),
        ("/api/data/nope/schema", "nope"),
    ],
)
def test_unknown_datasets_and_spans_are_404_naming_them(
    sales: Workspace, ui_client: Any, url: str, named: str
) -> None:
    answer = ui_client(sales).get(url)
    assert answer.status_code == 404
    assert named in answer.text


@pytest.mark.parametrize("query", ["limit=x", "offset=-1", "limit=0"])
def test_malformed_paging_is_400_naming_it(sales: Workspace, ui_client: Any, query: str) -> None:
    client = ui_client(sales)
    for url in ("/api/data", "/data/sales", "/api/data/sales"):
        answer = client.get(f"{url}?{query}")
        assert answer.status_code == 400, url
        assert query.split("=")[0] in answer.text


def test_an_empty_workspace_has_no_dataset(ws: Workspace, ui_client: Any) -> None:
    client = ui_client(ws)
    assert client.get("/api/data").json() == {"datasets": [], "total": 0}
    assert "No dataset yet" in client.get("/data").text


@pytest.mark.browser
@pytest.mark.slow
def test_the_span_and_dataset_pages_draw_their_plots_in_a_browser(
    sales: Workspace, ui_server: Any, open_page: Any
) -> None:
    server = ui_server(sales)
    for path, plots in (("/data/sales/spans/3", 3), ("/data/sales", 2)):
        page = open_page(server.url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "Array.from(document.querySelectorAll('div.plot[data-figure]'))"
            ".every(el => el.dataset.drawn === '1')"
        )
        assert page.locator("div.plot .main-svg").count() >= plots, path
        assert page.problems == [], path
    bars = page.evaluate("document.getElementById('plot-rows').data[0].y")
    assert bars == [400, 400, 400]
