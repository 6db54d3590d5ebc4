"""The reference grammar: one meaning per form in every command; bad text named with the forms."""

from __future__ import annotations

import pytest

from driftline.core.errors import InputError
from driftline.core.refs import (
    ALL_KINDS,
    PATH_SUFFIXES,
    RefKind,
    RunRef,
    forms,
    is_path,
    parse_ref,
    parse_run_ref,
)

SPAN, MODEL, ARTIFACT, RUN, PATH, NAME = (
    RefKind.SPAN,
    RefKind.MODEL,
    RefKind.ARTIFACT,
    RefKind.RUN,
    RefKind.PATH,
    RefKind.NAME,
)
RUN_ID = "churn-train-20261204T101500-0a1b2c3d"


@pytest.mark.parametrize(
    ("text", "kinds", "name", "number", "alias", "artifact_id"),
    [
        ("elec2", (MODEL, SPAN, NAME, RUN), "elec2", None, None, None),
        ("elec2:latest", (MODEL, SPAN, NAME), "elec2", None, None, None),
        ("elec2:3", (MODEL, SPAN, NAME), "elec2", 3, None, None),
        (" elec2.v2:10 ", (MODEL, SPAN, NAME), "elec2.v2", 10, None, None),
        ("elec2#3", (SPAN, NAME), "elec2", 3, None, None),
        ("churn@champion", (MODEL,), "churn", None, "champion", None),
        ("#12", (ARTIFACT,), None, None, None, 12),
        ("artifact:12", (ARTIFACT,), None, None, None, 12),
        ("Artifact:7", (ARTIFACT,), None, None, None, 7),
        ("12", (ARTIFACT,), None, None, None, 12),
        (RUN_ID, (RUN, MODEL, SPAN, NAME), RUN_ID, None, None, None),
        ("run:latest", (RUN,), None, None, None, None),
        ("3fa2b1c9", (NAME, RUN), "3fa2b1c9", None, None, None),
        ("./3", (PATH,), None, None, None, None),
        ("new.csv", (PATH,), None, None, None, None),
        ("day.csv.gz", (PATH,), None, None, None, None),
        ("saved.profile", (PATH,), None, None, None, None),
        ("data/*.parquet", (PATH,), None, None, None, None),
        ("~/x", (PATH,), None, None, None, None),
        ("elec2#3/profile", (PATH,), None, None, None, None),
    ],
)
def test_each_form_has_one_reading_whatever_the_command(
    text: str,
    kinds: tuple[RefKind, ...],
    name: str | None,
    number: int | None,
    alias: str | None,
    artifact_id: int | None,
) -> None:
    ref = parse_ref(text)
    assert (ref.kinds, ref.name, ref.number, ref.alias, ref.artifact_id) == (
        kinds,
        name,
        number,
        alias,
        artifact_id,
    )
    assert ref.text == text.strip()
    assert ref.kind is kinds[0]


def test_a_command_gets_only_the_readings_it_takes() -> None:
    assert parse_ref("churn:1", {SPAN, ARTIFACT, PATH}).kinds == (SPAN,)
    assert parse_ref("churn:1", {MODEL}).kinds == (MODEL,)
    assert parse_ref("churn", {SPAN, ARTIFACT, PATH}).kinds == (SPAN,)
    # a data suffix makes a path only where paths are taken: "elec2.csv" is a good dataset name
    assert parse_ref("elec2.csv", {MODEL, SPAN}).kinds == (MODEL, SPAN)
    # without paths, text with '/' may be an artifact's recorded name
    assert parse_ref("elec2#3/profile", ALL_KINDS - {PATH}).kinds == (NAME,)
    # a command that takes only runs reads every token as a run
    assert parse_ref("latest", {RUN}).run == RunRef("latest", latest=True)
    assert parse_ref("churn", {RUN}).run == RunRef("churn")


def test_a_bare_number_is_an_artifact_with_a_note_to_write_the_hash() -> None:
    ref = parse_ref("3")
    assert ref.artifact_id == 3
    assert ref.note is not None
    assert "write '#3'" in ref.note
    assert parse_ref("#3").note is None
    assert parse_ref("artifact:3").note is None


def test_runs_by_id_prefix_or_latest() -> None:
    assert parse_run_ref(RUN_ID) == RunRef(RUN_ID, complete=True)
    assert parse_run_ref("churn-tr") == RunRef("churn-tr")
    assert parse_run_ref(" latest ") == RunRef("latest", latest=True)
    assert parse_ref(f"run:{RUN_ID}").run == RunRef(RUN_ID, complete=True)
    assert parse_ref("run:3fa2").run == RunRef("3fa2")
    # where runs are not taken, run:3 is span 3 of a dataset called run
    assert parse_ref("run:3", {SPAN}).name == "run"
    with pytest.raises(InputError, match=r"'a b' is not a run reference; use RUN \(a run id"):
        parse_run_ref("a b")


@pytest.mark.parametrize(
    "text", ["churn:two", "churn:", "", "  ", "a b", "9lives", "churn:-1", "churn:1@a", ":1"]
)
def test_text_of_no_form_is_an_input_error_naming_it_and_the_forms(text: str) -> None:
    accept = {SPAN, ARTIFACT, PATH}
    with pytest.raises(InputError) as caught:
        parse_ref(text, accept)
    message = str(caught.value)
    assert forms(accept) in message
    assert "DATASET:N (span N)" in message
    assert "#ID or artifact:ID" in message
    if text.strip():
        assert f"{text.strip()!r} is not a reference" in message


@pytest.mark.parametrize(
    ("text", "accept", "names"),
    [
        ("#3", {MODEL}, "an artifact by id"),
        ("churn@champion", {SPAN, PATH}, "a model version"),
        ("./new.csv", {MODEL, SPAN}, None),
        ("churn:1", {ARTIFACT}, "a model version or a span"),
    ],
)
def test_a_form_the_command_does_not_take_is_refused_naming_what_it_names(
    text: str, accept: set[RefKind], names: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        parse_ref(text, accept)
    message = str(caught.value)
    assert forms(accept) in message
    if names is not None:
        assert f"{text!r} names {names}, not taken here" in message


def test_a_reference_is_text() -> None:
    with pytest.raises(InputError, match=r"a reference is text, got 3; use DATASET"):
        parse_ref(3)


def test_forms_lists_the_kinds_in_one_order() -> None:
    assert forms({SPAN}) == "DATASET (its latest span), DATASET:N (span N)"
    assert forms({ARTIFACT, MODEL}).startswith("MODEL (its latest version), MODEL:VERSION")
    assert ", or #ID or artifact:ID" in forms({ARTIFACT, MODEL})


def test_path_suffixes_are_those_the_data_readers_read() -> None:
    from driftline.data.sources import COMPRESSION, SUFFIXES

    assert frozenset(SUFFIXES) | frozenset(COMPRESSION) | {".profile"} == PATH_SUFFIXES
    assert is_path("x.PARQUET")
    assert not is_path("x.json")
    assert not is_path("churn:1")


def test_digits_where_only_a_run_is_taken_are_a_short_run_id() -> None:
    ref = parse_ref("24626801", (RUN,))  # a hexadecimal short id can be all digits
    assert ref.kinds == (RUN,)
    assert ref.run is not None
    assert ref.run.text == "24626801"
    assert parse_ref("24626801").kinds == (ARTIFACT,)  # elsewhere still an artifact's id
