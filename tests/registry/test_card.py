"""Model cards: built from what was recorded, and saying "not recorded" for the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from driftline.cli.main import main
from driftline.components import standard_pipeline
from driftline.pipeline import RunResult, run_pipeline
from driftline.registry import ModelCard, ModelRegistry, model_card
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import WorkspaceMaker
from tests.registry.conftest import ModelFactory, store_model

FEATURES = ["x0", "x1", "x2", "x3", "x4", "x5", "region"]


@dataclass
class Trained:
    folder: Path
    ws: Workspace
    run: RunResult
    registry: ModelRegistry


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory, module_new_workspace: WorkspaceMaker
) -> Iterator[Trained]:
    """A workspace whose model ``synth`` was trained and pushed by the standard pipeline."""
    folder = tmp_path_factory.mktemp("card") / "ws"
    with module_new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0), label="label")
        ws.ingest("synth", make_table(1), label="label")
        run = run_pipeline(
            ws, standard_pipeline(), params=params(slices=["region"]), progress=False
        )
        yield Trained(folder, ws, run, ModelRegistry(ws.metadata, ws.artifacts))


def _evaluation(ws: Workspace, artifact_id: int) -> dict[str, Any]:
    artifact = ws.metadata.get_artifact(artifact_id)
    found: dict[str, Any] = json.loads(ws.artifacts.read_bytes(artifact.uri, artifact.sha256))
    return found


def test_a_pipeline_model_card_holds_what_the_run_recorded(trained: Trained) -> None:
    version = trained.registry.resolve("synth@champion")
    card = model_card(trained.registry, version)
    assert isinstance(card, ModelCard)
    assert card.ref == "synth:1"
    assert card.version.aliases == ("champion",)
    # the spans of the training window, found through the lineage of the model artifact
    spans = [(s.dataset, s.number, s.rows) for s in card.training_spans]
    assert spans == [("synth", 1, 2000), ("synth", 2, 2000)]
    assert {s.artifact_id for s in card.training_spans} == {
        trained.ws.span("synth", n).artifact_id for n in (1, 2)
    }
    assert card.time_range is None  # the spans have no time column
    # the signature saved with the model
    assert card.signature is not None
    assert list(card.signature.column_names) == FEATURES
    # the evaluation, exactly as the evaluate step wrote it
    recorded = _evaluation(trained.ws, trained.run.output("evaluate").id)
    assert card.evaluation is not None
    assert dict(card.evaluation.challenger) == recorded["challenger"] == dict(version.metrics)
    assert card.evaluation.champion is None
    assert card.evaluation.blessed is True
    assert card.evaluation.reason == recorded["reason"]
    assert [dict(s) for s in card.evaluation.slices] == recorded["slices"]
    assert {s["value"] for s in card.evaluation.slices} == {"east", "north", "south"}
    # the training profile
    assert card.profile is not None
    assert card.profile.artifact_id == trained.run.output("profile").id
    assert card.profile.rows == 4000
    columns = {c.name: c for c in card.profile.columns}
    assert columns["x0"].count == 4000
    assert columns["x0"].mean is not None
    assert {v for v, _ in columns["region"].top} == {"east", "north", "south"}
    # the run that trained it
    assert card.training_run is not None
    assert card.training_run.run_id == trained.run.run_id
    assert card.training_run.step == "train"
    assert card.training_run.execution_id == trained.run.steps["train"].execution_id
    assert card.training_run.trainer == card.training_run.parameters["trainer"]
    # its registration and the alias set by push
    assert [(t.action.value, t.alias, t.version) for t in card.history] == [
        ("register", None, 1),
        ("set", "champion", 1),
    ]
    assert not card.problems


def test_the_pipeline_card_renders_in_three_formats(trained: Trained) -> None:
    card = model_card(trained.registry, trained.registry.resolve("synth:1"))
    as_dict = card.to_dict()
    assert json.loads(card.to_json()) == json.loads(json.dumps(as_dict, default=str))
    assert as_dict["training_data"]["spans"][1]["span"] == 2
    assert as_dict["training_run"]["run_id"] == trained.run.run_id
    text = card.to_markdown()
    assert text.startswith("# Model card: synth:1\n")
    for section in ("Model", "Signature", "Training data", "Evaluation", "Lineage"):
        assert f"\n## {section}\n" in text
    assert trained.run.run_id in text
    assert "| region | string |" in text
    assert "not recorded" not in text.split("## Evaluation")[1].split("## Lineage")[0]
    page = card.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "<link" not in page
    assert trained.run.run_id in page
    HTMLParser().feed(page)


def test_a_cached_rerun_keeps_the_card_of_the_first_training(trained: Trained) -> None:
    again = run_pipeline(
        trained.ws, standard_pipeline(), params=params(slices=["region"]), progress=False
    )
    card = model_card(trained.registry, trained.registry.resolve("synth"))
    assert card.ref == "synth:1"
    assert card.training_run is not None
    assert card.training_run.run_id == trained.run.run_id != again.run_id


def test_a_hand_registered_model_says_not_recorded(
    registry: ModelRegistry,
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    xy: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = xy
    model = store_model(metadata, artifacts, LogisticRegression().fit(x, y), "by-hand")
    version = registry.register("churn", model.id, by="ana", reason="trained in a notebook")
    card = model_card(registry, version)
    assert card.evaluation is None
    assert card.profile is None
    assert card.training_spans == ()
    assert card.training_run is None
    assert card.problems == {}
    assert card.version.registered_by == "ana"
    as_dict = card.to_dict()
    assert as_dict["evaluation"] is None
    assert as_dict["training_data"] == {"spans": [], "time_range": None, "profile": None}
    text = card.to_markdown()
    evaluation = text.split("## Evaluation")[1].split("##")[0]
    training = text.split("## Training data")[1].split("##")[0]
    assert evaluation.strip() == "not recorded"
    assert "spans: not recorded" in training
    assert "training profile: not recorded" in training
    assert "trained in a notebook" in text
    page = card.to_html()
    assert "<p>not recorded</p>" in page


def test_bytes_that_are_gone_are_reported_not_invented(
    registry: ModelRegistry, fake_model: ModelFactory
) -> None:
    version = registry.register("churn", fake_model("gone").id, by="ana")
    card = model_card(registry, version)
    assert card.signature is None
    assert "signature" in card.problems
    assert "recorded, but could not be read" in card.to_markdown()


def test_html_and_markdown_escape_what_people_typed(
    registry: ModelRegistry, fake_model: ModelFactory
) -> None:
    registry.register(
        "churn.v-1",
        fake_model().id,
        by="<b>ana</b>",
        reason="a|b & <script>alert(1)</script>",
        description='say "hi"',
    )
    registry.promote("churn.v-1", 1, by="ana", reason="<img src=x>")
    card = model_card(registry, registry.resolve("churn.v-1@champion"))
    page = card.to_html()
    assert "<script>" not in page
    assert "<img" not in page
    assert "<b>ana" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a|b &amp; " in page
    assert "<title>Model card: churn.v-1:1</title>" in page
    text = card.to_markdown()
    assert "a\\|b & \\<script\\>" in text
    assert [(t.action.value, t.reason) for t in card.history] == [
        ("register", "a|b & <script>alert(1)</script>"),
        ("promote", "<img src=x>"),
    ]


# -- the command line ------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(args))
    captured = capsys.readouterr()
    code = info.value.code
    return Result(code if isinstance(code, int) else 1, captured.out, captured.err)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for var in ("DRIFTLINE_WORKSPACE", "DRIFTLINE_METADATA_URL", "DRIFTLINE_ARTIFACTS_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.usefixtures("cli_env")
def test_cli_prints_markdown_json_and_html(
    trained: Trained, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = str(trained.folder)
    res = _cli(capsys, "models", "card", "synth@champion", "-w", ws)
    assert res.code == 0, res.err
    assert res.out.startswith("# Model card: synth:1\n")
    assert trained.run.run_id in res.out
    res = _cli(capsys, "models", "card", "synth:1", "--format", "json", "-w", ws)
    assert res.code == 0, res.err
    info = json.loads(res.out)
    assert info["ref"] == "synth:1"
    assert [s["span"] for s in info["training_data"]["spans"]] == [1, 2]
    assert [c["name"] for c in info["signature"]["inputs"]] == FEATURES
    res = _cli(capsys, "models", "card", "synth", "--format", "html", "-w", ws)
    assert res.code == 0, res.err
    assert res.out.startswith("<!DOCTYPE html>")


@pytest.mark.usefixtures("cli_env")
def test_cli_writes_the_card_to_a_file(
    trained: Trained, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = str(trained.folder)
    for fmt, start in (("html", "<!DOCTYPE html>"), ("markdown", "# Model card"), ("json", "{")):
        target = tmp_path / f"card.{fmt}"
        res = _cli(
            capsys, "models", "card", "synth:1", "--format", fmt, "--output", str(target), "-w", ws
        )
        assert res.code == 0, res.err
        assert res.out == ""
        assert str(target) in res.err
        assert target.read_text(encoding="utf-8").startswith(start)


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("ref", ["nope", "synth:9", "synth@canary", "bad ref!"])
def test_cli_unknown_ref_is_a_one_line_input_error(
    trained: Trained, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    res = _cli(capsys, "models", "card", ref, "-w", str(trained.folder))
    assert res.code == 2
    lines = [line for line in res.err.splitlines() if line.strip()]
    assert len(lines) == 1, res.err
    assert lines[0].startswith("error: ")
    assert res.out == ""


@pytest.mark.usefixtures("cli_env")
def test_cli_new_spellings_and_the_old_one_warns(
    trained: Trained, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = str(trained.folder)
    page = tmp_path / "card.html"
    res = _cli(capsys, "models", "card", "synth:1", "--html", str(page), "-w", ws)
    assert res.code == 0, res.err
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "deprecated" not in res.err
    res = _cli(capsys, "models", "card", "synth:1", "--json", "-w", ws)
    assert json.loads(res.out)["ref"] == "synth:1"
    old = tmp_path / "old.html"
    res = _cli(
        capsys, "models", "card", "synth:1", "--format", "html", "--output", str(old), "-w", ws
    )
    assert res.code == 0, res.err
    assert old.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "warning: --format is deprecated and will be removed; use --html FILE" in res.err
