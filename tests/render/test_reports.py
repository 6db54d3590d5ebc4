"""Every HTML report extends the one base layout, carries the one stylesheet and escapes values.

The four reports (drift, backtest, model card, the demo's story) are rendered from data holding a
column, a method, a reason and a day named ``<script>``: each page must show it as text.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow as pa
import pytest

from driftline.backtest.method import MethodResult
from driftline.backtest.result import BacktestResult
from driftline.backtest.retrain import Decision
from driftline.core.errors import InputError
from driftline.data import profile_table
from driftline.drift import compare
from driftline.models.signature import ColumnSpec, ModelSignature
from driftline.registry import ModelCard, ModelRegistry
from driftline.registry.versions import ModelVersion
from driftline.render import render_html, stylesheet
from driftline.store.records import NewArtifact
from tests.conftest import WorkspaceMaker

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ROOT = Path(__file__).resolve().parents[2]


class _Tags(HTMLParser):
    """Collects the start tags of a page (a page that does not parse raises)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_shared_and_escaped(page: str, kind: str) -> None:
    """The page is the base layout with the one stylesheet, and ``EVIL`` shows as text."""
    assert page.startswith("<!DOCTYPE html>\n")
    assert f"<style>\n{stylesheet()}</style>" in page
    assert page.count("<style>") == 1
    assert '<meta name="generator" content="driftline">' in page
    assert f'<body class="driftline-report {kind}">' in page
    assert "<script" not in page
    assert "<link" not in page
    assert ESCAPED in page
    parser = _Tags()
    parser.feed(page)
    assert [t for t, _ in parser.tags].count("h1") == 1


def table(shift: float, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = 2000
    return pa.table({EVIL: rng.normal(shift, 1, n), "y": (rng.random(n) < 0.5).astype(np.int64)})


def test_the_drift_report(tmp_path: Path) -> None:
    report = compare(profile_table(table(0, 1)), profile_table(table(2, 2)))
    assert report.drifted_columns == (EVIL,)
    page = report.to_html(tmp_path / "drift.html", title=f"drift of {EVIL}").read_text("utf-8")
    assert_shared_and_escaped(page, "drift-report")
    assert f'<svg class="drift-plot" data-column="{ESCAPED}"' in page
    assert f"<title>drift of {ESCAPED}</title>" in page


def test_the_backtest_report(tmp_path: Path) -> None:
    decision = Decision(
        span=3,
        row=1500,
        triggers=({"kind": "metric", "reason": EVIL},),
        trained_spans=(2, 3),
        train_rows=800,
        eval_rows=200,
        blessed=False,
        reason=EVIL,
        version=0,
        refused=True,
    )
    method = MethodResult(EVIL, "policy", 0.9, 1000, 1000, 0, 0, 1.5, (0.8, 0.9), refused=1)
    result = BacktestResult(
        data=EVIL,
        rows=2000,
        label="y",
        inputs=(EVIL,),
        classes=(0, 1),
        policy={"trainer": EVIL, "window_spans": 2, "triggers": ["metric"]},
        span_rows=500,
        delay=0,
        seed=0,
        first_scored=500,
        curve_rows=(1000, 2000),
        curve_window=500,
        methods=(method,),
        decisions=(decision,),
        notes=(EVIL,),
    )
    page = result.to_html(tmp_path / "backtest.html").read_text("utf-8")
    assert_shared_and_escaped(page, "backtest-report")
    assert f"<title>Backtest: {ESCAPED}</title>" in page
    assert f'<polyline class="method" data-method="{ESCAPED}"' in page
    assert '<table class="refused">' in page
    assert f"<td>{ESCAPED}</td></tr>" in page  # the reason, last in its row
    assert f"<code>{ESCAPED}</code>" in page  # the trainer


def test_the_model_card() -> None:
    version = ModelVersion(
        name="churn",
        number=1,
        artifact_id=2,
        model_id=1,
        uri="file:///m",
        sha256="0" * 64,
        flavor="sklearn",
        metrics={"accuracy": 0.9},
        evaluation_id=None,
        profile_id=None,
        description=EVIL,
        registered_by="ana",
        reason=EVIL,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    signature = ModelSignature((ColumnSpec(EVIL, "double"),), "int64", (None,))
    card = ModelCard(version, signature, (), None, None, None, ())
    page = card.to_html()
    assert_shared_and_escaped(page, "model-card")
    assert f"<tr><td>{ESCAPED}</td><td>double</td></tr>" in page
    assert f"<dt>reason</dt><dd>{ESCAPED}</dd>" in page
    assert "<p>not recorded</p>" in page


def _demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "demo_report", ROOT / "examples" / "demo_report.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_report(tmp_path: Path, new_workspace: WorkspaceMaker) -> None:
    write_report = _demo_module().write_report
    with new_workspace(tmp_path / "ws") as ws:
        ws.ingest("m", table(0, 1), label="y")
        ws.ingest("m", table(2, 2), label="y")
        model = ws.metadata.put_artifact(NewArtifact("model", "file:///m.tar.gz", "0" * 64, 9))
        ModelRegistry(ws.metadata, ws.artifacts).register(
            "m", model.id, by="ana", reason=EVIL, metrics={"accuracy": 0.9}
        )
        story = [
            {
                "day": EVIL,
                "drift": True,
                "requests": 10,
                "accuracy": 0.8,
                "versions": {1: 10},
                "failed": 0,
                "retrain": {"pushed": False, "reason": EVIL},
            },
        ]
        path = write_report(ws, "m", story, tmp_path / "report.html")
    page = path.read_text("utf-8")
    assert_shared_and_escaped(page, "demo-report")
    assert "<title>driftline demo: m</title>" in page
    assert '<svg class="story-plot"' in page
    assert "1 of 2 columns (pixels and label) drifted" in page
    drift = (path.parent / "drift.html").read_text("utf-8")
    assert_shared_and_escaped(drift, "drift-report")


def test_a_template_that_is_missing_or_lacks_a_value_is_named() -> None:
    with pytest.raises(InputError, match=r"no report template 'nope\.html'"):
        render_html("nope.html", title="t")
    with pytest.raises(InputError, match=r"template 'drift\.html': 'report' is undefined"):
        render_html("drift.html", title="t")


def test_the_templates_ship_with_the_package() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["driftline"]
    assert "render/templates/*" in patterns
    assert "jinja2>=3.1" in config["project"]["dependencies"]
    folder = ROOT / "src" / "driftline" / "render" / "templates"
    shipped = {p.name for p in folder.iterdir()}
    assert {"base.html", "macros.html", "report.css", "drift.html", "backtest.html"} <= shipped
    assert not [p for p in folder.iterdir() if p.is_dir()]  # the glob does not recurse
