"""Malformed trees are refused after loading, before they can crash or hang a predict."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from driftline.core.errors import IntegrityError
from driftline.models import load_model, save_model
from driftline.models.tree_checks import check_trees
from tests.models.crafting import Node, craft, npy_bytes


def _with_nodes(tree: Any, edit: Callable[[np.ndarray], None], **state: Any) -> Any:
    """A copy of the fitted ``Tree`` with its node array edited (as a crafted file would hold)."""
    saved = tree.__getstate__()
    nodes = saved["nodes"].copy()
    edit(nodes)
    copy = type(tree)(*tree.__reduce__()[1])
    copy.__setstate__({**saved, "nodes": nodes, **state})
    return copy


def _child_out_of_range(nodes: np.ndarray) -> None:
    nodes["left_child"][0] = 10**9


def _child_before_parent(nodes: np.ndarray) -> None:
    inner = np.flatnonzero(nodes["left_child"] != -1)[1]
    nodes["left_child"][inner] = 0  # a loop back to the root


def _feature_out_of_range(nodes: np.ndarray) -> None:
    nodes["feature"][0] = 50


def _one_child(nodes: np.ndarray) -> None:
    leaf = np.flatnonzero(nodes["left_child"] == -1)[0]
    nodes["right_child"][leaf] = leaf + 1  # a leaf with a right child only


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_child_out_of_range, "a child index is out of range or not after its parent"),
        (_child_before_parent, "a child index is out of range or not after its parent"),
        (_feature_out_of_range, "a split names a feature outside 0..2"),
        (_one_child, "a node has one child"),
    ],
)
def test_a_malformed_decision_tree_is_refused(
    edit: Callable[[np.ndarray], None], problem: str, data: Any
) -> None:
    _, x, y = data
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y)
    check_trees(model, "model.skops")
    model.tree_ = _with_nodes(model.tree_, edit)
    with pytest.raises(
        IntegrityError, match=f"model.skops: a decision tree is malformed: {problem}"
    ):
        check_trees(model, "model.skops")


def test_a_tree_deeper_than_its_max_depth_is_refused(data: Any) -> None:
    _, x, y = data
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y)
    model.tree_ = _with_nodes(model.tree_, lambda nodes: None, max_depth=1)
    with pytest.raises(IntegrityError, match="deeper than its recorded max_depth 1"):
        check_trees(model, "m")


def test_a_bad_tree_inside_a_forest_is_found(data: Any) -> None:
    _, x, y = data
    forest = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(x, y)
    check_trees(forest, "m")
    member = forest.estimators_[2]
    member.tree_ = _with_nodes(member.tree_, _feature_out_of_range)
    with pytest.raises(IntegrityError, match="a split names a feature outside"):
        check_trees(forest, "m")


def _predictor_edit(field: str, value: int) -> Callable[[np.ndarray], None]:
    def edit(nodes: np.ndarray) -> None:
        nodes[field][0] = value

    return edit


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("left", 10**6, "a child index is out of range"),
        ("right", 0, "a child index is out of range"),
        ("feature_idx", 3, "a split names a feature outside 0..2"),
        ("feature_idx", -1, "a split names a feature outside 0..2"),
        ("is_categorical", 1, "a categorical split has no bitset"),
    ],
)
def test_a_malformed_histogram_boosting_tree_is_refused(
    field: str, value: int, problem: str, data: Any
) -> None:
    _, x, y = data
    model = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(x, y)
    check_trees(model, "m")
    predictor = model._predictors[1][0]
    _predictor_edit(field, value)(predictor.nodes)
    with pytest.raises(IntegrityError, match=f"histogram-boosting tree is malformed: {problem}"):
        check_trees(model, "m")


def _nodes_member(schema: Node) -> str:
    """The zip member holding the node array of the saved DecisionTree's ``Tree``."""
    tree = schema["content"]["content"]["tree_"]
    return str(tree["content"]["content"]["nodes"]["file"])


def test_a_crafted_tree_file_is_refused_by_load_model(data: Any, tmp_path: Path) -> None:
    """Loaded as scikit-learn loads it, the same file kills the process that predicts with it."""
    table, x, y = data
    folder = tmp_path / "m"
    save_model(DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y), folder, sample=table)

    def swap_nodes(members: dict[str, bytes], schema: Node) -> None:
        name = _nodes_member(schema)
        nodes = np.load(io.BytesIO(members[name]), allow_pickle=False)
        _child_out_of_range(nodes)
        members[name] = npy_bytes(nodes)

    craft(folder, lambda schema: None, replace_files=swap_nodes)
    with pytest.raises(IntegrityError, match="a decision tree is malformed"):
        load_model(folder)

    code = (
        "import sys, numpy as np; from tests.models.crafting import legacy_load; "
        "from pathlib import Path; "
        "legacy_load(Path(sys.argv[1])).predict(np.random.default_rng(0).normal(size=(50, 3)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, check=False
    )
    assert done.returncode < 0  # killed by a signal (a segmentation fault)
