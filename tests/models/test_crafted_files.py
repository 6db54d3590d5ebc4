"""Crafted model folders: a real saved folder, one hostile edit, hashes fixed; never any code run.

Each case is first loaded by ``load_model`` (refused, naming what it names, and the marker file
its payload would write never appears), then by skops trusting everything the file names: there
the payload runs, so the refusal is what stands between the file and the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from driftline.core.errors import IntegrityError
from driftline.models import load_model, save_model
from tests.models.crafting import (
    Node,
    craft,
    dict_node,
    function_node,
    json_node,
    legacy_load,
    list_node,
    npy_bytes,
    reduce_node,
    runstring,
    set_attribute,
    touch,
    tuple_node,
    type_node,
    write_marker,
)


def steps(schema: Node) -> list[Node]:
    """The (name, estimator) tuple nodes of a saved Pipeline."""
    return list(schema["content"]["content"]["steps"]["content"])


def params(obj: Node) -> dict[str, Node]:
    return dict(obj["content"]["content"])


@dataclass(frozen=True)
class Case:
    """A model, a hostile edit of its schema (given the marker path) and what must be named."""

    model: str
    edit: Callable[[Node, Path], None]
    named: tuple[str, ...]
    files: Callable[[Path], dict[str, bytes]] | None = None


def _runstring_attribute(schema: Node, marker: Path) -> None:
    set_attribute(schema, "payload", runstring(write_marker(marker)))


def _numpy_shell(schema: Node, marker: Path) -> None:
    command = json_node(touch(marker))
    set_attribute(
        schema, "payload", reduce_node("numpy.distutils.cpuinfo", "getstatusoutput", command)
    )


def _os_system(schema: Node, marker: Path) -> None:
    set_attribute(schema, "payload", reduce_node("os", "system", json_node(touch(marker))))


def _eval(schema: Node, marker: Path) -> None:
    set_attribute(
        schema, "payload", reduce_node("builtins", "eval", json_node(write_marker(marker)))
    )


def _eval_as_key_type(schema: Node, marker: Path) -> None:
    keys = dict_node({write_marker(marker): json_node(1)}, key_type=type_node("builtins", "eval"))
    set_attribute(schema, "payload", keys)


def _operator_call(schema: Node, marker: Path) -> None:
    attrs = tuple_node(
        function_node("numpy.testing._private.utils", "runstring"),
        json_node(write_marker(marker)),
        dict_node({}),
    )
    call = {"__class__": "call", "__module__": "operator", "__loader__": "OperatorFuncNode"}
    set_attribute(schema, "payload", {**call, "attrs": attrs})


def _array_of_a_command(schema: Node, marker: Path) -> None:
    array = {"__loader__": "NdArrayNode", "type": "numpy", "file": "payload.npy"}
    array |= {"__module__": "sklearn.utils._testing", "__class__": "check_output"}
    set_attribute(schema, "payload", array)


def _command_file(marker: Path) -> dict[str, bytes]:
    return {"payload.npy": npy_bytes(np.array(["sh", "-c", touch(marker)]))}


def _function_attribute(schema: Node, marker: Path) -> None:
    transformer = steps(schema)[0]["content"][1]
    attrs = transformer["content"]["content"]
    attrs["func"] = function_node("numpy.testing._private.utils", "runstring")
    attrs["kw_args"] = dict_node({"dict": dict_node({})})


def _pipeline_step(schema: Node, marker: Path) -> None:
    steps(schema)[0]["content"][1] = runstring(write_marker(marker))


def _nested_parameter(schema: Node, marker: Path) -> None:
    logistic = steps(schema)[1]["content"][1]
    nested = dict_node({"weights": list_node(json_node(1.0), runstring(write_marker(marker)))})
    logistic["content"]["content"]["class_weight"] = nested


CASES = {
    "runstring reduce": Case(
        "logistic",
        _runstring_attribute,
        ("numpy.testing._private.utils.runstring (called with arguments from the file)",),
    ),
    "shell through a numpy path": Case(
        "logistic",
        _numpy_shell,
        ("numpy.distutils.cpuinfo.getstatusoutput (called with arguments from the file)",),
    ),
    "os.system": Case("logistic", _os_system, ("os.system (called with arguments from the file)",)),
    "eval": Case("logistic", _eval, ("builtins.eval (called with arguments from the file)",)),
    "eval as a dict key type": Case(
        "logistic", _eval_as_key_type, ("builtins.eval (a type the model refers to)",)
    ),
    "operator.call of runstring": Case(
        "logistic",
        _operator_call,
        (
            "operator.call (an operator function, called with arguments from the file)",
            "numpy.testing._private.utils.runstring (a function the model refers to)",
        ),
    ),
    "a command array through a scikit-learn path": Case(
        "logistic",
        _array_of_a_command,
        ("sklearn.utils._testing.check_output (an array type, called on the array)",),
        _command_file,
    ),
    "a function as an estimator attribute": Case(
        "function pipeline",
        _function_attribute,
        ("numpy.testing._private.utils.runstring (a function the model refers to)",),
    ),
    "a Pipeline step": Case(
        "pipeline",
        _pipeline_step,
        ("numpy.testing._private.utils.runstring (called with arguments from the file)",),
    ),
    "a nested parameter": Case(
        "pipeline",
        _nested_parameter,
        ("numpy.testing._private.utils.runstring (called with arguments from the file)",),
    ),
}


def _fitted(kind: str, x: np.ndarray, y: np.ndarray) -> Any:
    if kind == "logistic":
        return LogisticRegression().fit(x, y)
    if kind == "pipeline":
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    return make_pipeline(FunctionTransformer(np.tanh), LogisticRegression()).fit(x, y)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_crafted_file_is_refused_naming_what_it_names_and_runs_nothing(
    case: Case, data: Any, tmp_path: Path
) -> None:
    table, x, y = data
    folder, marker = tmp_path / "model", tmp_path / "marker"
    save_model(_fitted(case.model, x, y), folder, sample=table)
    craft(
        folder,
        lambda schema: case.edit(schema, marker),
        case.files(marker) if case.files else None,
    )
    with pytest.raises(IntegrityError, match="nothing was built") as refused:
        load_model(folder)
    for name in case.named:
        assert name in str(refused.value)
    assert not marker.exists()

    model = legacy_load(folder)  # what the same file does when its names are trusted
    if case.model == "function pipeline":
        model[0].transform(write_marker(marker))  # the function is live once loaded
    assert marker.exists()


def test_every_refused_name_is_listed_at_once(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    folder, marker = tmp_path / "model", tmp_path / "marker"
    save_model(_fitted("pipeline", x, y), folder, sample=table)

    def edit(schema: Node) -> None:
        _pipeline_step(schema, marker)
        _eval(schema, marker)

    craft(folder, edit)
    with pytest.raises(IntegrityError) as refused:
        load_model(folder)
    message = str(refused.value)
    assert "builtins.eval" in message
    assert "numpy.testing._private.utils.runstring" in message
    assert not marker.exists()


def _method(schema: Node) -> None:
    scaler = steps(schema)[0]["content"][1]
    method = {"__loader__": "MethodNode", "__module__": scaler["__module__"]}
    method |= {"__class__": scaler["__class__"], "content": {"func": "fit", "obj": scaler}}
    set_attribute(steps(schema)[1]["content"][1], "payload", method)


def _unknown_kind(schema: Node) -> None:
    node = {"__loader__": "QuantileForestNode", "__module__": "os", "__class__": "system"}
    set_attribute(steps(schema)[1]["content"][1], "payload", node)


def _bit_generator(schema: Node) -> None:
    state = dict_node({"bit_generator": json_node("seed"), "state": dict_node({})})
    generator = {"__loader__": "RandomGeneratorNode", "__module__": "numpy.random._generator"}
    generator |= {"__class__": "Generator"}
    generator["content"] = {"bit_generator": state, "seed_seq": dict_node({})}
    set_attribute(steps(schema)[1]["content"][1], "payload", generator)


def _unlisted_class(schema: Node) -> None:
    logistic = steps(schema)[1]["content"][1]
    logistic["__module__"], logistic["__class__"] = "subprocess", "Popen"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_method, "sklearn.preprocessing._data.StandardScaler.fit (a method of a loaded object)"),
        (_unknown_kind, "os.system (loaded by the 'QuantileForestNode' node kind)"),
        (_bit_generator, "numpy.random.seed (a bit generator, called with a seed)"),
        (_unlisted_class, "subprocess.Popen (built from its saved attributes)"),
    ],
    ids=["method", "unknown node kind", "bit generator", "class off the list"],
)
def test_other_node_kinds_are_refused(
    edit: Callable[[Node], None], named: str, data: Any, tmp_path: Path
) -> None:
    table, x, y = data
    save_model(_fitted("pipeline", x, y), tmp_path / "m", sample=table)
    craft(tmp_path / "m", edit)
    with pytest.raises(IntegrityError, match="nothing was built") as refused:
        load_model(tmp_path / "m")
    assert named in str(refused.value)


def test_a_file_that_is_not_a_skops_zip_is_an_integrity_error(data: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    from driftline.models.meta import ModelMeta, hash_files

    table, x, y = data
    save_model(_fitted("logistic", x, y), tmp_path / "m", sample=table)
    (tmp_path / "m" / "model.skops").write_bytes(b"not a zip")
    meta = ModelMeta.read(tmp_path / "m")
    replace(meta, files=hash_files(tmp_path / "m", ["model.skops"])).write(tmp_path / "m")
    with pytest.raises(IntegrityError, match="is not a skops file"):
        load_model(tmp_path / "m")


def test_an_old_protocol_function_is_checked_by_the_name_it_imports(
    data: Any, tmp_path: Path
) -> None:
    """Protocol 0 imports a function node from its content, whatever its module and class say."""
    table, x, y = data
    folder, marker = tmp_path / "m", tmp_path / "marker"
    save_model(_fitted("function pipeline", x, y), folder, sample=table)

    def edit(schema: Node) -> None:
        schema["protocol"] = 0
        _function_attribute(schema, marker)
        func = steps(schema)[0]["content"][1]["content"]["content"]["func"]
        func["__module__"], func["__class__"] = "numpy", "tanh"
        func["content"] = {"module_path": "numpy.testing._private.utils", "function": "runstring"}

    craft(folder, edit)
    with pytest.raises(
        IntegrityError, match=r"utils\.runstring \(a function the model refers to\)"
    ):
        load_model(folder)
    legacy_load(folder)[0].transform(write_marker(marker))
    assert marker.exists()
