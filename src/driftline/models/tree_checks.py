"""Check the trees of a loaded scikit-learn model before it predicts.

scikit-learn walks a fitted tree in compiled code without bounds checks: a child index, a
feature index or a depth that a crafted file sets out of range reads (or, for
``decision_path``, writes) outside an array, and crashes the process. So after a skops file is
loaded, every decision tree (``sklearn.tree._tree.Tree``, in trees, forests and gradient
boosting) and every histogram-boosting ``TreePredictor`` in the model is checked:

* node 0 is the root, every other node has exactly one parent, and children come after their
  parent (so the nodes form one tree, without cycles);
* every split's feature exists in the input the model takes;
* a ``Tree``'s recorded ``max_depth`` is at least its real depth;
* a categorical split's bitset exists, and so does the table of known categories of its feature.

Examples:
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> model = DecisionTreeClassifier(random_state=0).fit(np.eye(3), [0, 1, 1])
    >>> check_trees(model, "model.skops")

"""

from __future__ import annotations

from functools import partial
from types import FunctionType, ModuleType
from typing import Any

import numpy as np

from driftline.core.errors import IntegrityError

__all__ = ["check_trees"]


def _tree_shape(left: np.ndarray[Any, Any], right: np.ndarray[Any, Any], split: Any) -> str | None:
    """What is wrong with the shape of a tree (``None`` if nothing), and its depths otherwise.

    ``left``/``right`` are the children of each node, ``split`` marks the nodes that split.
    """
    n = len(left)
    if n == 0:
        return "it has no nodes"
    idx = np.flatnonzero(split)
    lefts, rights = left[idx].astype(np.int64), right[idx].astype(np.int64)
    if not ((lefts > idx) & (rights > idx) & (lefts < n) & (rights < n)).all():
        return "a child index is out of range or not after its parent"
    parents = np.bincount(np.concatenate([lefts, rights]), minlength=n)
    if parents[0] != 0 or not (parents[1:] == 1).all():
        return "its nodes do not form one tree"
    return None


def _depth(left: np.ndarray[Any, Any], right: np.ndarray[Any, Any], split: Any) -> int:
    """The depth of a well-formed tree (pointer jumping: a few vectorised steps)."""
    n = len(left)
    idx = np.flatnonzero(split)
    parent = np.zeros(n, dtype=np.int64)
    parent[left[idx].astype(np.int64)] = idx
    parent[right[idx].astype(np.int64)] = idx
    depth = (np.arange(n) != 0).astype(np.int64)
    while (parent != 0).any():
        depth, parent = depth + depth[parent], parent[parent]
    return int(depth.max())


def _check_tree(tree: Any, n_features: int | None, where: str) -> None:
    state = tree.__getstate__()
    nodes = state["nodes"]
    left, right, feature = nodes["left_child"], nodes["right_child"], nodes["feature"]
    split = left != -1
    problem = _tree_shape(left, right, split)
    if problem is None and not ((right != -1) == split).all():
        problem = "a node has one child"
    limit = tree.n_features if n_features is None else min(tree.n_features, n_features)
    if problem is None and not ((feature[split] >= 0) & (feature[split] < limit)).all():
        problem = f"a split names a feature outside 0..{limit - 1}"
    if problem is None and _depth(left, right, split) > state["max_depth"]:
        problem = f"it is deeper than its recorded max_depth {state['max_depth']}"
    if problem is not None:
        raise IntegrityError(f"{where}: a decision tree is malformed: {problem}")


def _check_predictor(predictor: Any, model: Any, where: str) -> None:
    """A histogram-boosting tree, checked against the model ``model`` it belongs to."""
    nodes = predictor.nodes
    split = nodes["is_leaf"] == 0
    problem = _tree_shape(nodes["left"], nodes["right"], split)
    feature = nodes["feature_idx"][split]
    n_features = int(model.n_features_in_)
    if problem is None and not ((feature >= 0) & (feature < n_features)).all():
        problem = f"a split names a feature outside 0..{n_features - 1}"
    categorical = split & (nodes["is_categorical"] != 0)
    if problem is None and categorical.any():
        known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
        bitsets = (predictor.raw_left_cat_bitsets, predictor.binned_left_cat_bitsets)
        rows = min(b.shape[0] if b.ndim == 2 and b.shape[1] == 8 else 0 for b in bitsets)
        features = nodes["feature_idx"][categorical]
        if not (nodes["bitset_idx"][categorical] < rows).all() or len(f_idx_map) < n_features:
            problem = "a categorical split has no bitset"
        elif not (np.asarray(f_idx_map)[features] < known.shape[0]).all():
            problem = "a categorical split is on a feature without known categories"
    if problem is not None:
        raise IntegrityError(f"{where}: a histogram-boosting tree is malformed: {problem}")


_CONTAINERS = (dict, list, tuple, set, frozenset, np.ndarray)


def _children(obj: Any) -> list[Any]:
    """What ``obj`` holds: container items, or an object's attributes (not a class's)."""
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, list | tuple | set | frozenset):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return list(obj.ravel()) if obj.dtype == object else []
    if isinstance(obj, type | FunctionType | ModuleType | partial) or not hasattr(obj, "__dict__"):
        return []
    return list(vars(obj).values())


def check_trees(model: Any, where: str) -> None:
    """Check every tree in ``model`` (see the module docstring); ``where`` names the file.

    Raises:
        IntegrityError: a tree is malformed (saying how).

    """
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    seen: set[int] = set()
    stack: list[tuple[Any, Any]] = [(model, None)]  # (object, the object that holds it)
    while stack:
        obj, owner = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Tree):
            n_features = getattr(owner, "n_features_in_", None)
            _check_tree(obj, n_features if isinstance(n_features, int) else None, where)
        elif isinstance(obj, TreePredictor):
            if not hasattr(owner, "_bin_mapper") or not hasattr(owner, "n_features_in_"):
                raise IntegrityError(f"{where}: a histogram-boosting tree outside its model")
            _check_predictor(obj, owner, where)
        else:  # a container's items belong to its holder; an object's attributes to it
            holder = owner if isinstance(obj, _CONTAINERS) else obj
            stack.extend((child, holder) for child in _children(obj))
