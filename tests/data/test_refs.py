"""References: one meaning per form, the same in every command; bad ones named with the forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftline.core.errors import ArtifactNotFoundError, InputError, NotFoundError
from driftline.data.refs import RefKind, parse_reference
from driftline.store.queries import ExecutionQuery
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv


@pytest.mark.parametrize(
    ("text", "kind", "dataset", "number", "artifact_id"),
    [
        ("churn", RefKind.SPAN, "churn", None, None),
        ("churn:latest", RefKind.SPAN, "churn", None, None),
        ("churn:2", RefKind.SPAN, "churn", 2, None),
        (" elec2.v2:10 ", RefKind.SPAN, "elec2.v2", 10, None),
        ("3", RefKind.ARTIFACT, None, None, 3),
        ("./3", RefKind.FILE, None, None, None),
        ("new.csv", RefKind.FILE, None, None, None),
        ("day.csv.gz", RefKind.FILE, None, None, None),
        ("saved.profile", RefKind.FILE, None, None, None),
        ("data/*.parquet", RefKind.FILE, None, None, None),
        ("/abs/path", RefKind.FILE, None, None, None),
        ("~/x", RefKind.FILE, None, None, None),
    ],
)
def test_the_form_alone_says_what_a_reference_names(
    text: str, kind: RefKind, dataset: str | None, number: int | None, artifact_id: int | None
) -> None:
    ref = parse_reference(text)
    assert (ref.kind, ref.dataset, ref.number, ref.artifact_id) == (
        kind,
        dataset,
        number,
        artifact_id,
    )
    assert ref.text == text.strip()


@pytest.mark.parametrize("text", ["churn:two", "churn:", "", "  ", "a b", "9lives", "churn:-1"])
def test_a_text_of_no_form_is_an_input_error_naming_it_and_the_forms(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_reference(text)
    message = str(caught.value)
    assert "DATASET:N (span N)" in message
    assert "#ID or artifact:ID" in message
    if text.strip():
        assert repr(text.strip()) in message


def test_a_number_is_the_artifact_with_that_id_in_every_command(
    ws: Workspace, tmp_path: Path
) -> None:
    first = ws.ingest("d", write_csv(tmp_path / "a.csv", 40))
    second = ws.ingest("d", write_csv(tmp_path / "b.csv", 25))
    ws.infer_schema("d")
    # span 2's artifact id is not 2: "2" is never "span 2"
    assert second.artifact_id != 2
    number = str(second.artifact_id)
    assert ws.data.resolve(number).span == second
    assert ws.load_profile(number) == ws.span_profile(second)
    assert ws.validate("d", number).subject == "d:2"
    report = ws.drift(str(first.profile_id), number)
    assert "city" in report.compared_columns
    (run,) = ws.metadata.executions(ExecutionQuery(kind="drift"))
    assert (run.parameters["reference"], run.parameters["current"]) == (
        str(first.profile_id),
        number,
    )
    inputs = {e.name: e.artifact_id for e in ws.metadata.events(execution_id=run.id)}
    assert (inputs["reference"], inputs["current"]) == (first.profile_id, second.profile_id)


def test_an_artifact_of_another_kind_is_refused_naming_it(ws: Workspace, tmp_path: Path) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 40))
    ws.infer_schema("d")
    schema = ws.data.schema_artifact("d")
    assert schema is not None
    with pytest.raises(InputError, match=rf"'{schema.id}' names artifact {schema.id}, a schema"):
        ws.load_profile(str(schema.id))
    with pytest.raises(ArtifactNotFoundError):
        ws.load_profile("999")


def test_a_dataset_reference_to_nothing_lists_the_datasets_and_forms(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 40))
    listed = r"'nope' names no dataset .*\(datasets: d\).*DATASET:N"
    with pytest.raises(NotFoundError, match=listed):
        ws.drift("nope", "d")
    with pytest.raises(NotFoundError, match="has no span 7; it has spans 1 to 1"):
        ws.load_profile("d:7")
    with pytest.raises(InputError, match=r"'d:x' is not a reference; use DATASET"):
        ws.load_profile("d:x")


def test_a_path_is_a_file_even_when_a_dataset_has_its_name(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 40))
    ws.ingest("e", write_csv(tmp_path / "b.csv", 7))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").write_bytes(ws.load_profile("e").to_bytes())  # a saved profile named d
    assert ws.load_profile("d").num_rows == 40  # the dataset
    assert ws.load_profile("./d").num_rows == 7  # the file
    found = ws.data.resolve("./d")
    assert (found.span, found.profile_id, found.dataset) == (None, None, None)
