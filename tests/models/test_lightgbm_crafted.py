"""Crafted LightGBM model files: nothing evaluated, malformed trees refused before parsing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from driftline.core.errors import IntegrityError
from driftline.models import load_model, save_model
from driftline.models.meta import ModelMeta, hash_files


def _saved(data: Any, folder: Path, *, categorical: bool = False) -> Path:
    import lightgbm

    table, x, y = data
    params: dict[str, Any] = {"n_estimators": 5, "random_state": 0, "verbose": -1}
    if categorical:
        x = x.copy()
        x[:, 2] = (x[:, 2] > 0).astype(float) + (x[:, 1] > 0)
        params |= {"min_child_samples": 5, "min_data_per_group": 5, "cat_smooth": 1}
        model = lightgbm.LGBMClassifier(**params).fit(x, y, categorical_feature=[2])
    else:
        model = lightgbm.LGBMClassifier(**params).fit(x, y)
    save_model(model, folder, sample=table)
    return folder / "model.txt"


def _rehash(folder: Path) -> None:
    meta = ModelMeta.read(folder)
    replace(meta, files=hash_files(folder, list(meta.files))).write(folder)


def _edit_tree(text: str, number: int, edit: Callable[[str], str]) -> str:
    """Edit one tree block and fix ``tree_sizes``, as a careful attacker would."""
    head, rest = text.split("\nTree=0\n", 1)
    body, tail = ("Tree=0\n" + rest).split("end of trees", 1)
    blocks = re.split(r"(?=^Tree=\d+\n)", body, flags=re.MULTILINE)
    blocks = [b for b in blocks if b]
    blocks[number] = edit(blocks[number])
    sizes = " ".join(str(len(b.encode())) for b in blocks)
    head = re.sub(r"tree_sizes=.*", f"tree_sizes={sizes}", head)
    return head + "\n" + "".join(blocks) + "end of trees" + tail


def _set(key: str, value: str) -> Callable[[str], str]:
    return lambda block: re.sub(rf"^{key}=.*$", f"{key}={value}", block, count=1, flags=re.M)


def _first_value(key: str, value: str) -> Callable[[str], str]:
    """Replace the first number of ``key``'s array."""
    return lambda block: re.sub(rf"^({key}=)\S+", rf"\g<1>{value}", block, count=1, flags=re.M)


def test_python_in_the_pandas_line_is_never_evaluated(data: Any, tmp_path: Path) -> None:
    path = _saved(data, tmp_path / "m")
    marker = tmp_path / "marker"
    code = f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"
    text = re.sub(r"pandas_categorical:.*", f"pandas_categorical:{code}", path.read_text())
    path.write_text(text)
    _rehash(tmp_path / "m")
    with pytest.raises(IntegrityError, match="cannot be loaded"):
        load_model(tmp_path / "m")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_first_value("left_child", "100000"), "a child index is out of range"),
        (_first_value("right_child", "0"), "a child index is out of range or not after its parent"),
        (_first_value("split_feature", "7"), "a split names a feature beyond max_feature_idx 2"),
        (_set("leaf_value", "1 2"), "leaf_value has 2 numbers"),
        (_set("threshold", "x y z"), "threshold holds something that is not a number"),
        (_first_value("decision_type", "1"), "a categorical split in a tree with num_cat=0"),
    ],
    ids=["child out of range", "cycle", "feature", "leaf count", "not a number", "categorical"],
)
def test_a_malformed_tree_is_refused_naming_it(
    edit: Callable[[str], str], problem: str, data: Any, tmp_path: Path
) -> None:
    path = _saved(data, tmp_path / "m")
    path.write_text(_edit_tree(path.read_text(), 1, edit))
    _rehash(tmp_path / "m")
    with pytest.raises(IntegrityError, match=f"model.txt: tree 1: {problem}"):
        load_model(tmp_path / "m")


def test_a_categorical_threshold_must_index_the_categories(data: Any, tmp_path: Path) -> None:
    path = _saved(data, tmp_path / "m", categorical=True)
    text = path.read_text()
    assert load_model(tmp_path / "m").predict(data[0]).shape == (200,)
    number = next(i for i, b in enumerate(text.split("Tree=")[1:]) if "num_cat=0" not in b)

    def bad_threshold(block: str) -> str:
        types = re.search(r"^decision_type=(.*)$", block, flags=re.M)
        assert types is not None
        at = next(i for i, t in enumerate(types.group(1).split()) if int(t) & 1)
        thresholds = re.search(r"^threshold=(.*)$", block, flags=re.M)
        assert thresholds is not None
        values = thresholds.group(1).split()
        values[at] = "99"
        return _set("threshold", " ".join(values))(block)

    path.write_text(_edit_tree(text, number, bad_threshold))
    _rehash(tmp_path / "m")
    with pytest.raises(IntegrityError, match="threshold is not a category index"):
        load_model(tmp_path / "m")


def test_tree_sizes_that_lie_are_refused_where_lightgbm_aborts(data: Any, tmp_path: Path) -> None:
    path = _saved(data, tmp_path / "m")
    text = re.sub(
        r"tree_sizes=(\d+)", lambda m: f"tree_sizes={int(m.group(1)) + 3}", path.read_text()
    )
    path.write_text(text)
    _rehash(tmp_path / "m")
    with pytest.raises(IntegrityError, match="tree_sizes do not match the tree blocks"):
        load_model(tmp_path / "m")
    code = "import sys, lightgbm; lightgbm.Booster(model_file=sys.argv[1])"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, check=False)
    assert done.returncode < 0, done.stderr  # LightGBM itself kills the process


def test_classes_must_be_a_list(data: Any, tmp_path: Path) -> None:
    _saved(data, tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["params"]["classes"] = "01"
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(IntegrityError, match="classes as a list"):
        load_model(tmp_path / "m")
