"""Pipelines: wiring by type and name, checked before anything runs."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from driftline.pipeline import (
    Bytes,
    JsonArtifact,
    Metrics,
    ParameterError,
    Pipeline,
    PipelineDefinitionError,
    Table,
    step,
)


@step
def load(path: str = "x") -> Table:
    return None  # only the wiring is tested


@step
def profile(load: Table) -> JsonArtifact:
    return None  # only the wiring is tested


@step
def train(load: Table, profile: JsonArtifact, c: float = 1.0) -> Bytes:
    return None  # only the wiring is tested


@step
def evaluate(train: Bytes, load: Table, c: float = 0.5) -> Metrics:
    return None  # only the wiring is tested


def test_wiring_and_deterministic_topological_order() -> None:
    p = Pipeline("train", [evaluate, train, profile, load])
    assert [s.name for s in p.order] == ["load", "profile", "train", "evaluate"]
    assert p.producer_of("train", "profile") == ("profile", "profile")
    assert p.producer_of("evaluate", "train") == ("train", "train")
    assert p.open_inputs == ()
    assert p.downstream("profile") == {"train", "evaluate"}
    again = Pipeline("train", [evaluate, train, profile, load])
    assert [s.name for s in again.order] == [s.name for s in p.order]


def test_independent_steps_keep_list_order() -> None:
    @step
    def b() -> Bytes:
        return None  # only the wiring is tested

    @step
    def a() -> Metrics:
        return None  # only the wiring is tested

    assert [s.name for s in Pipeline("p", [b, a]).order] == ["b", "a"]
    assert [s.name for s in Pipeline("p", [a, b]).order] == ["a", "b"]


def test_several_producers_are_disambiguated_by_name() -> None:
    class Halves(NamedTuple):
        low: JsonArtifact
        high: JsonArtifact

    @step
    def split() -> Halves:
        return None  # only the wiring is tested

    @step
    def use_high(high: JsonArtifact) -> Metrics:
        return None  # only the wiring is tested

    @step
    def use_any(numbers: JsonArtifact) -> Bytes:
        return None  # only the wiring is tested

    p = Pipeline("p", [split, use_high])
    assert p.producer_of("use_high", "high") == ("split", "high")
    with pytest.raises(
        PipelineDefinitionError,
        match=r"input 'numbers' of step 'use_any' \(JsonType\) has several producers: "
        r"split.low, split.high",
    ):
        Pipeline("p", [split, use_any])


def test_duplicate_step_names_are_refused() -> None:
    def other() -> None:
        return None

    other_step = step(name="load")(other)
    with pytest.raises(PipelineDefinitionError, match="two steps are named 'load'"):
        Pipeline("p", [load, other_step])


def test_cycle_is_reported_with_steps_and_inputs() -> None:
    @step
    def a(b: Bytes) -> Metrics:
        return None  # only the wiring is tested

    @step
    def b(a: Metrics) -> Bytes:
        return None  # only the wiring is tested

    with pytest.raises(PipelineDefinitionError, match=r"cycle: a \(input 'b'\) <- b"):
        Pipeline("p", [a, b])


def test_type_mismatch_names_step_input_and_output() -> None:
    @step
    def model() -> Bytes:
        return None  # only the wiring is tested

    @step
    def score(model: Table) -> Metrics:
        return None  # only the wiring is tested

    with pytest.raises(
        PipelineDefinitionError,
        match=r"input 'model' of step 'score' wants TableType, but output model.model is BytesType",
    ):
        Pipeline("p", [model, score])


def test_missing_input_is_checked_against_run_inputs() -> None:
    p = Pipeline("p", [profile])
    assert p.open_inputs == (("profile", "load"),)
    with pytest.raises(
        PipelineDefinitionError,
        match=r"input 'load' of step 'profile' \(TableType\) has no producer and is not supplied",
    ):
        p.match_inputs({})
    assert p.match_inputs({"load": 1}) == {("profile", "load"): "load"}
    assert p.match_inputs({"profile.load": 1}) == {("profile", "load"): "profile.load"}
    with pytest.raises(PipelineDefinitionError, match="run input 'other' feeds no open input"):
        p.match_inputs({"load": 1, "other": 2})


def test_not_a_step_and_bad_names() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"steps\[0\] is .* not a step"):
        Pipeline("p", [print])  # type: ignore[list-item]
    with pytest.raises(PipelineDefinitionError, match="pipeline name"):
        Pipeline("Bad Name", [load])
    with pytest.raises(PipelineDefinitionError, match="non-empty list of steps"):
        Pipeline("p", [])


def test_params_qualified_bare_shared_unknown_and_typed() -> None:
    p = Pipeline("train", [load, profile, train, evaluate])
    resolved = p.resolve_params({"path": "data.csv", "train.c": 2})
    assert resolved["load"] == {"path": "data.csv"}
    assert resolved["train"] == {"c": 2.0}
    assert resolved["evaluate"] == {"c": 0.5}
    shared = p.resolve_params({"c": 1.0, "evaluate.c": 0.25})
    assert (shared["train"], shared["evaluate"]) == ({"c": 1.0}, {"c": 0.25})
    with pytest.raises(ParameterError, match=r"no parameter 'gamma'; parameters: load.path"):
        p.resolve_params({"gamma": 1})
    with pytest.raises(ParameterError, match=r"train.c must be float, got 'high'"):
        p.resolve_params({"train.c": "high"})
    with pytest.raises(ParameterError, match=r"no parameter 'nosuch\.c'"):
        p.resolve_params({"nosuch.c": 1})


def test_required_parameter_must_be_set() -> None:
    @step
    def needs(n: int) -> Metrics:
        return None  # only the wiring is tested

    p = Pipeline("p", [needs])
    with pytest.raises(ParameterError, match=r"needs\.n has no default and is not set"):
        p.resolve_params({})
    assert p.resolve_params({"n": 3}) == {"needs": {"n": 3}}
