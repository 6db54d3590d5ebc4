"""One reference grammar on the command line: lineage and verify take every form that names an
artifact; schema infer takes DATASET[:N]; bad references exit 2 listing the forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from driftline.store.records import ContextRef, NewExecution
from tests.conftest import WorkspaceMaker
from tests.data.ingest_helpers import write_csv

RUN_ID = "demo-20261204T101500-3fa2b1c9"


@dataclass(frozen=True)
class Shop:
    """A workspace with dataset and model ``churn``, dataset ``elec2`` and one run."""

    folder: Path
    ids: dict[str, int]

    def args(self, *args: str) -> list[str]:
        return [*args, "-w", str(self.folder)]


@pytest.fixture
def shop(new_workspace: WorkspaceMaker, tmp_path: Path) -> Shop:
    folder = tmp_path / "ws"
    ids: dict[str, int] = {}
    with new_workspace(folder) as ws:
        for n in (1, 2):
            span = ws.ingest("churn", write_csv(tmp_path / f"churn{n}.csv", 20, start=n))
            ids[f"churn#{n}"] = span.artifact_id
        for n in (1, 2, 3):
            span = ws.ingest("elec2", write_csv(tmp_path / f"elec{n}.csv", 20, start=n))
            ids[f"elec2#{n}"] = span.artifact_id
        stored = ws.artifacts.put_bytes("models/churn", b"weights")
        made = ws.metadata.record_execution(
            NewExecution(kind="train"),
            inputs={"span": ids["churn#2"]},
            outputs={"model": ws.new_artifact("model", stored, name="churn-model")},
            contexts=[ContextRef("run", RUN_ID, {"pipeline": "demo"})],
        )
        ids["model"] = made.outputs["model"][0].id
        version = ws.registry.register("churn", ids["model"])
        ws.registry.promote("churn", version.number)
        ids["churn:1"] = version.artifact_id
    return Shop(folder, ids)


def _root(run: Any, shop: Shop, ref: str) -> tuple[int, str]:
    res = run(*shop.args("lineage", ref, "--json"))
    assert res.code == 0, res.err
    return json.loads(res.out)["root"], res.err


def test_lineage_of_a_span_as_every_command_writes_it(run: Any, shop: Shop) -> None:
    root, err = _root(run, shop, "elec2:3")
    assert root == shop.ids["elec2#3"]
    assert err == ""
    assert _root(run, shop, "elec2#3")[0] == root  # the span's recorded name, as before
    assert _root(run, shop, "elec2")[0] == root  # the latest span
    assert _root(run, shop, "elec2:latest")[0] == root
    assert _root(run, shop, "elec2:1")[0] == shop.ids["elec2#1"]


def test_lineage_of_a_model_version_and_an_alias(run: Any, shop: Shop) -> None:
    root, err = _root(run, shop, "churn:1")
    assert root == shop.ids["churn:1"]
    assert _root(run, shop, "churn@champion")[0] == root
    # churn is a dataset too: the model version is meant, and the note names the span's #ID
    assert f"write '#{shop.ids['churn#1']}' for the span" in err
    assert err.startswith("note: 'churn:1' is read as model version churn:1")


def test_name_n_is_the_span_when_the_model_has_no_such_version(run: Any, shop: Shop) -> None:
    root, err = _root(run, shop, "churn:2")
    assert root == shop.ids["churn#2"]
    assert err == ""


def test_lineage_by_artifact_id(run: Any, shop: Shop) -> None:
    model = shop.ids["model"]
    assert _root(run, shop, f"#{model}") == (model, "")
    assert _root(run, shop, f"artifact:{model}") == (model, "")
    root, err = _root(run, shop, str(model))  # bare digits: one more release, with a note
    assert root == model
    assert (
        err == f"warning: a bare number names an artifact for one more release: write '#{model}'\n"
    )


def test_lineage_of_a_run_is_drawn_around_its_last_output(run: Any, shop: Shop) -> None:
    for ref in (RUN_ID, "run:latest", "run:3fa2", "3fa2b1c9"):
        assert _root(run, shop, ref)[0] == shop.ids["model"], ref


def test_verify_takes_every_form(run: Any, shop: Shop) -> None:
    def checked(*refs: str) -> int:
        res = run(*shop.args("verify", *refs, "--json"))
        assert res.code == 0, res.err
        return int(json.loads(res.out)["checked"])

    assert checked(f"artifact:{shop.ids['model']}") == 1
    assert checked("elec2:3", "churn@champion", f"#{shop.ids['model']}") == 3
    assert checked(RUN_ID) == 2  # what the run read (the span) and wrote (the model)
    assert checked(RUN_ID, "churn:2") == 2  # named twice, checked once


def test_verify_finds_a_damaged_model_version_by_alias(run: Any, shop: Shop) -> None:
    (shop.folder / "artifacts" / "models" / "churn").write_bytes(b"tampered")
    res = run(*shop.args("verify", "churn@champion"))
    assert res.code == 1
    assert f"failed verification: artifact {shop.ids['churn:1']}" in res.err


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("a b", "'a b' is not a reference; use DATASET (its latest span), DATASET:N (span N), "),
        ("nothing:4", "'nothing:4' names no model version, span, run or artifact"),
        ("churn:9", "churn"),
        ("churn@blue", "blue"),
        ("#999", "999"),
        ("run:zzz", "zzz"),
    ],
)
def test_a_bad_reference_exits_2_naming_it(run: Any, shop: Shop, ref: str, says: str) -> None:
    res = run(*shop.args("lineage", ref))
    assert res.code == 2
    assert res.out == ""
    assert res.err.startswith("error: ")
    assert says in res.err
    if ref in ("a b", "nothing:4"):
        assert "MODEL:VERSION, MODEL@ALIAS, #ID or artifact:ID" in res.err


def test_schema_infer_takes_a_span_reference(run: Any, shop: Shop) -> None:
    res = run(*shop.args("schema", "infer", "elec2:2", "--json"))
    assert res.code == 0, res.err
    assert json.loads(res.out)["version"] == 1
    res = run(*shop.args("schema", "infer", "elec2", "--span", "2"))
    assert res.code == 0, res.err
    assert (
        "warning: --span is deprecated and will be removed; use `schema infer elec2:2`" in res.err
    )
    res = run(*shop.args("schema", "infer", "elec2:1", "--span", "2"))
    assert res.code == 2
    assert "'elec2:1' and --span 2 name two spans" in res.err
    res = run(*shop.args("schema", "infer", "#3"))
    assert res.code == 2
    assert "'#3' names an artifact by id, not taken here; use DATASET" in res.err


def test_data_commands_take_the_new_forms_and_note_a_bare_number(run: Any, shop: Shop) -> None:
    span = shop.ids["elec2#2"]
    res = run(*shop.args("drift", f"#{span}", "elec2:3", "--no-record"))
    assert res.code == 0, res.err
    assert "warning:" not in res.err
    res = run(*shop.args("drift", str(span), "elec2:3", "--no-record"))
    assert res.code == 0, res.err
    assert f"write '#{span}'" in res.err
    res = run(*shop.args("profile", f"artifact:{span}"))
    assert res.code == 0, res.err
    res = run(*shop.args("spans", "release", "elec2"))
    assert res.code == 2
    assert "spans release takes DATASET:N" in res.err


def test_an_exact_name_comes_before_a_run_prefix_and_a_shared_prefix_is_named(
    run: Any, shop: Shop
) -> None:
    from driftline.workspace import Workspace

    with Workspace.open(shop.folder) as ws:
        stored = ws.artifacts.put_bytes("reports/demo", b"report")
        made = ws.metadata.record_execution(
            NewExecution(kind="report"),
            outputs={"report": ws.new_artifact("report", stored, name="demo-report")},
            contexts=[ContextRef("run", "demo-20261204T101600-3fb00000", {"pipeline": "demo"})],
        )
        report_id = made.outputs["report"][0].id
        note = ws.artifacts.put_bytes("notes/demo", b"note")
        note_id = ws.metadata.put_artifact(ws.new_artifact("note", note, name="demo-2026")).id
    # "demo-2026" is an artifact's recorded name, and a prefix both runs share: the name is meant
    assert _root(run, shop, "demo-2026")[0] == note_id
    assert _root(run, shop, "run:latest")[0] == report_id
    for ref in ("run:3f", "demo"):
        res = run(*shop.args("lineage", ref))
        assert res.code == 2
        assert "is ambiguous: it starts 2 runs" in res.err
