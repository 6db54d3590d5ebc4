"""The HTML report is self-contained; in headless Chromium it draws one plot per drifted column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.data import profile_table
from driftline.drift import DriftReport, compare


def three_drifted() -> DriftReport:
    rng = np.random.default_rng(11)
    n = 20_000
    ref = pa.table(
        {
            "price": rng.lognormal(3, 0.5, n),
            "age": rng.normal(40, 10, n),
            "city": rng.choice(["Oslo", "Rome", "Lima", "Kyiv"], n),
            "calm": rng.normal(size=n),
            "flag": rng.random(n) < 0.3,
        }
    )
    cur = pa.table(
        {
            "price": rng.lognormal(3.3, 0.5, n),
            "age": rng.normal(40, 15, n),
            "city": rng.choice(["Oslo", "Rome", "Lima", "Kyiv"], n, p=[0.55, 0.15, 0.15, 0.15]),
            "calm": rng.normal(size=n),
            "flag": rng.random(n) < 0.3,
        }
    )
    report = compare(profile_table(ref), profile_table(cur))
    assert report.drifted_columns == ("price", "age", "city")
    return report


def test_html_is_self_contained(tmp_path: Path) -> None:
    path = three_drifted().to_html(tmp_path / "report.html", title="Spans <1> & <2>")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r"(src|href)=\"?https?:", html)
    assert "Spans &lt;1&gt; &amp; &lt;2&gt;" in html
    plots = re.findall(r'<svg class="drift-plot" data-column="([^"]+)"', html)
    assert plots == ["price", "age", "city"]
    assert len(re.findall(r'<svg class="column-plot"', html)) == 2  # calm, flag: folded


@pytest.mark.browser
def test_report_renders_in_headless_chromium(tmp_path: Path, browser: Any) -> None:
    path = three_drifted().to_html(tmp_path / "report.html")
    attempted: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()

        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                attempted.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        plots = page.locator("svg.drift-plot")
        assert plots.count() == 3
        for i in range(3):
            plot = plots.nth(i)
            assert plot.is_visible()
            box = plot.bounding_box()
            assert box is not None
            assert box["width"] > 300
            assert box["height"] > 150
            bars = plot.locator("rect.bar")
            assert bars.count() >= 8
            heights = [
                float(h or 0) for h in bars.evaluate_all("els => els.map(e => e.getBBox().height)")
            ]
            assert sum(h > 1 for h in heights) >= 4  # drawn, not empty
        columns = plots.evaluate_all("els => els.map(e => e.dataset.column)")
        assert columns == ["price", "age", "city"]
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    finally:
        context.close()
    assert attempted == []
