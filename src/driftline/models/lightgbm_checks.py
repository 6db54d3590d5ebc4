r"""Check a LightGBM text model before LightGBM parses it.

LightGBM's text format holds numbers and names only: nothing in it is evaluated (its one line
read by Python, ``pandas_categorical``, is JSON). But LightGBM parses trees in compiled code
that trusts the file: a tree block whose size disagrees with ``tree_sizes`` aborts the process
while parsing, a child index that points back to an ancestor hangs ``predict`` forever, and an
out-of-range child or feature index reads outside an array. So :func:`check_model_text` checks
what LightGBM does not, and refuses the file with an
:class:`~driftline.core.errors.IntegrityError` saying where it is wrong:

* the header has ``max_feature_idx``, and ``tree_sizes`` matches the tree blocks byte for byte;
* each tree has ``num_leaves`` and ``num_cat``, and each array the right count of numbers;
* the nodes form one tree: each internal node but the root, and each leaf, has exactly one
  parent, and internal children come after their parent (so there is no cycle);
* every split's feature is at most ``max_feature_idx``; a categorical split's threshold indexes
  ``cat_boundaries``, whose last entry is the length of ``cat_threshold``; the features of a
  linear tree's leaves exist.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "model.txt"
    ...     text = "tree\nmax_feature_idx=0\n\nTree=0\nnum_leaves=1\n\nend of trees\n"
    ...     _ = path.write_text(text)
    ...     check_model_text(path)
    Traceback (most recent call last):
    ...
    driftline.core.errors.IntegrityError: ...model.txt: tree 0: it lacks num_cat

"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from driftline.core.errors import IntegrityError

__all__ = ["check_model_text"]

_INTERNAL_INT = ("split_feature", "decision_type", "left_child", "right_child", "internal_count")
_INTERNAL_FLOAT = ("split_gain", "threshold", "internal_value", "internal_weight")
_LEAF_INT = ("leaf_count", "num_features")
_LEAF_FLOAT = ("leaf_value", "leaf_weight", "leaf_const")
_CATEGORICAL = 1  # the bit of decision_type that marks a categorical split
_TREE_START = re.compile(rb"^Tree=\d+\n", re.MULTILINE)


class _Bad(Exception):
    """A problem in one tree; the caller adds where."""


def _numbers(values: dict[str, str], key: str, count: int | None, kind: type) -> Any:
    try:
        array = np.array(values[key].split(), dtype=np.float64)
    except ValueError as exc:
        raise _Bad(f"{key} holds something that is not a number") from exc
    if count is not None and len(array) != count:
        raise _Bad(f"{key} has {len(array)} numbers, {count} expected")
    if kind is int:
        if not np.isfinite(array).all() or (array != np.round(array)).any():
            raise _Bad(f"{key} holds something that is not an integer")
        return array.astype(np.int64)
    return array


def _key_values(block: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in block.splitlines() if "=" in line)
    return dict(pairs)


def _check_children(left: Any, right: Any, leaves: int) -> None:
    """The nodes form one tree: every node but the root has one parent, children after parents."""
    inner = np.arange(leaves - 1)
    children = np.concatenate([left, right])
    parents = np.concatenate([inner, inner])
    internal = children >= 0
    if ((children[internal] <= parents[internal]) | (children[internal] >= leaves - 1)).any():
        raise _Bad("a child index is out of range or not after its parent")
    leaf = ~children[~internal]
    if (leaf >= leaves).any():
        raise _Bad("a leaf index is out of range")
    if not (np.bincount(children[internal], minlength=leaves - 1)[1:] == 1).all():
        raise _Bad("its nodes do not form one tree")
    if not (np.bincount(leaf, minlength=leaves) == 1).all():
        raise _Bad("its leaves do not each have one parent")


def _check_tree(values: dict[str, str], max_feature: int) -> None:
    for key in ("num_leaves", "num_cat", "leaf_value"):
        if key not in values:
            raise _Bad(f"it lacks {key}")
    leaves = int(_numbers(values, "num_leaves", 1, int)[0])
    num_cat = int(_numbers(values, "num_cat", 1, int)[0])
    if leaves < 1 or num_cat < 0:
        raise _Bad("num_leaves must be at least 1 and num_cat at least 0")
    if leaves == 1:  # LightGBM reads nothing else of a one-leaf tree
        _numbers(values, "leaf_value", 1, float)
        return
    for keys, kind in ((_LEAF_INT, int), (_LEAF_FLOAT, float)):
        for key in (k for k in keys if k in values):
            _numbers(values, key, leaves, kind)
    if "leaf_features" in values:
        features = _numbers(values, "leaf_features", None, int)
        if ((features < 0) | (features > max_feature)).any():
            raise _Bad("a linear leaf names a feature beyond max_feature_idx")
    for key in ("split_feature", "threshold", "left_child", "right_child"):
        if key not in values:
            raise _Bad(f"it lacks {key}")
    internal = {
        key: _numbers(values, key, leaves - 1, int) for key in _INTERNAL_INT if key in values
    }
    internal |= {
        key: _numbers(values, key, leaves - 1, float) for key in _INTERNAL_FLOAT if key in values
    }
    _check_children(internal["left_child"], internal["right_child"], leaves)
    feature = internal["split_feature"]
    if ((feature < 0) | (feature > max_feature)).any():
        raise _Bad(f"a split names a feature beyond max_feature_idx {max_feature}")
    decision = internal.get("decision_type", np.zeros(leaves - 1, dtype=np.int64))
    categorical = (decision & _CATEGORICAL) != 0
    if categorical.any() or num_cat > 0:
        _check_categories(values, num_cat, internal["threshold"][categorical])


def _check_categories(values: dict[str, str], num_cat: int, thresholds: Any) -> None:
    if num_cat == 0:
        raise _Bad("a categorical split in a tree with num_cat=0")
    if "cat_boundaries" not in values or "cat_threshold" not in values:
        raise _Bad("it lacks cat_boundaries or cat_threshold")
    bounds = _numbers(values, "cat_boundaries", num_cat + 1, int)
    cat_threshold = _numbers(values, "cat_threshold", None, int)
    if bounds[0] != 0 or (np.diff(bounds) < 0).any() or bounds[-1] != len(cat_threshold):
        raise _Bad("cat_boundaries do not index cat_threshold")
    if ((thresholds < 0) | (thresholds >= num_cat) | (thresholds != np.round(thresholds))).any():
        raise _Bad("a categorical split's threshold is not a category index")


def check_model_text(path: Path) -> None:
    """Check the LightGBM text model at ``path`` (see the module docstring).

    Raises:
        IntegrityError: the file is malformed, naming the tree and what is wrong.

    """
    raw = Path(path).read_bytes()
    starts = [m.start() for m in _TREE_START.finditer(raw)]
    end = raw.find(b"end of trees")
    head = raw[: starts[0] if starts else (end if end >= 0 else len(raw))]
    try:
        header = _key_values(head.decode("utf-8"))
        max_feature = int(header["max_feature_idx"])
    except (UnicodeDecodeError, KeyError, ValueError) as exc:
        raise IntegrityError(f"{path}: the header lacks a valid max_feature_idx") from exc
    if starts and end < starts[-1]:
        raise IntegrityError(f"{path}: the trees do not end with 'end of trees'")
    blocks = [raw[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]
    if "tree_sizes" in header:
        sizes = header["tree_sizes"].split()
        if sizes != [str(len(block)) for block in blocks]:
            raise IntegrityError(f"{path}: tree_sizes do not match the tree blocks")
    for number, block in enumerate(blocks):
        try:
            _check_tree(_key_values(block.decode("utf-8")), max_feature)
        except (_Bad, UnicodeDecodeError) as exc:
            raise IntegrityError(f"{path}: tree {number}: {exc}") from exc
