"""Steps: the signature is the contract, checked when the step is defined."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal, NamedTuple

import pytest

from driftline.pipeline import (
    Bytes,
    JsonArtifact,
    Metrics,
    PipelineDefinitionError,
    Step,
    Table,
    step,
)
from driftline.pipeline.artifact_types import BytesType, JsonType, MetricsType, TableType
from driftline.pipeline.step_def import code_version_of


class Penalty(enum.Enum):
    L1 = "l1"
    L2 = "l2"


class Pair(NamedTuple):
    model: Bytes
    report: Metrics


@dataclass
class Split:
    train: Table
    test: Table


def test_inputs_params_and_outputs_come_from_annotations() -> None:
    @step
    def train(
        data: Table,
        c: float = 1.0,
        penalty: Penalty = Penalty.L2,
        solver: Literal["lbfgs", "saga"] = "lbfgs",
        layers: list[int] | None = None,
    ) -> Pair:
        raise NotImplementedError

    assert isinstance(train, Step)
    assert [(p.name, p.type) for p in train.inputs] == [("data", TableType)]
    assert [p.name for p in train.params] == ["c", "penalty", "solver", "layers"]
    assert [(p.name, p.type) for p in train.outputs] == [
        ("model", BytesType),
        ("report", MetricsType),
    ]
    assert train.multiple_outputs
    assert train.cache


def test_dataclass_return_gives_named_outputs() -> None:
    @step(name="split-data", cache=False)
    def split(data: Table, fraction: float = 0.2) -> Split:
        raise NotImplementedError

    assert split.name == "split-data"
    assert not split.cache
    assert [p.name for p in split.outputs] == ["train", "test"]


def test_single_output_is_named_after_the_step_and_none_gives_no_output() -> None:
    @step
    def numbers() -> JsonArtifact:
        return [1]

    @step
    def sink(numbers: JsonArtifact) -> None:
        return None

    assert [(p.name, p.type) for p in numbers.outputs] == [("numbers", JsonType)]
    assert sink.outputs == ()
    assert numbers() == [1]


def test_missing_parameter_annotation_names_function_and_parameter() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"step 'train'.*parameter 'c' has no"):

        @step
        def train(data: Table, c=1.0) -> Metrics:  # type: ignore[no-untyped-def]
            raise NotImplementedError


def test_missing_return_annotation_is_an_error() -> None:
    with pytest.raises(PipelineDefinitionError, match=r"step 'train'.*return value has no"):

        @step
        def train(data: Table):  # type: ignore[no-untyped-def]
            raise NotImplementedError


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(*rows: int) -> Metrics: ...", r"\*rows is not allowed"),
        ("def f(data: object) -> Metrics: ...", r"parameter 'data' is annotated"),
        ("def f(data: Table = None) -> Metrics: ...", r"input 'data' cannot have a default"),
        ("def f() -> int: ...", r"return annotation must be an artifact type"),
        ("def f() -> Bad: ...", r"output field 'x' of Bad"),
        ("def f() -> Missing: ...", r"cannot be resolved"),
        ("def Train() -> Metrics: ...", r"lower-case identifier.*name="),
    ],
)
def test_bad_signatures_are_refused(source: str, message: str) -> None:
    class Bad(NamedTuple):
        x: int

    namespace = {"Metrics": Metrics, "Table": Table, "Bad": Bad}
    exec(source, namespace)
    func = next(v for k, v in namespace.items() if k in {"f", "Train"})
    with pytest.raises(PipelineDefinitionError, match=message):
        step(func)


def test_non_bool_cache_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="cache must be a bool"):
        step(name="x", cache="yes")(lambda: None)  # type: ignore[call-overload]


def test_code_version_follows_the_source_not_whitespace() -> None:
    a: dict[str, object] = {}
    b: dict[str, object] = {}
    c: dict[str, object] = {}
    exec("def f(x):\n    return x + 1\n", a)
    exec("def f(x):   \n\n    return x + 1\n", b)
    exec("def f(x):\n    return x + 2\n", c)
    # exec'd functions have no source file: bytecode and constants are hashed
    assert code_version_of(a["f"]) == code_version_of(b["f"])  # type: ignore[arg-type]
    assert code_version_of(a["f"]) != code_version_of(c["f"])  # type: ignore[arg-type]


def test_multi_output_step_must_return_its_fields() -> None:
    @step
    def both() -> Pair:
        return Pair(b"m", {"a": 1.0})

    assert both.split_outputs(both()) == {"model": b"m", "report": {"a": 1.0}}
    with pytest.raises(Exception, match=r"must return a Pair with fields \['model', 'report'\]"):
        both.split_outputs(3)
