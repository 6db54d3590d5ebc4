"""The allowlist: exact names of classes (and ufuncs, as functions only), the same every run."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.utils import all_estimators

from driftline.models import load_model, save_model
from driftline.models.skops_allowlist import HELPERS, skops_allowlist, type_name


def _resolve(name: str) -> Any:
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def test_every_allowed_class_is_a_class_named_as_skops_names_it() -> None:
    allowed = skops_allowlist()
    classes = allowed.objects | allowed.scalars | allowed.references | allowed.tree
    classes |= allowed.losses
    classes = classes.union(*allowed.containers.values())
    for name in sorted(classes):
        obj = _resolve(name)
        assert isinstance(obj, type), name
        assert type_name(obj) == name or name.startswith("builtins."), name


def test_functions_are_ufuncs_and_never_allowed_as_classes() -> None:
    allowed = skops_allowlist()
    assert all(isinstance(_resolve(name), np.ufunc) for name in allowed.functions)
    assert not allowed.functions & (allowed.objects | allowed.references | allowed.scalars)


def test_scikit_learn_estimators_and_every_helper_are_allowed() -> None:
    allowed = skops_allowlist()
    assert {type_name(cls) for _, cls in all_estimators()} <= allowed.objects
    helpers = {name for names, _ in HELPERS for name in names}
    assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in helpers
    assert "sklearn.metrics._dist_metrics.PyFuncDistance64" not in allowed.every_name()
    assert len(helpers & allowed.objects) >= 50
    assert allowed.tree == {"sklearn.tree._tree.Tree"}


def test_the_allowlist_is_the_same_in_a_fresh_process() -> None:
    code = (
        "import json; from driftline.models.skops_allowlist import skops_allowlist; "
        "print(json.dumps(sorted(skops_allowlist().every_name())))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == sorted(skops_allowlist().every_name())


def _zoo() -> dict[str, Any]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestRegressor,
        StackingClassifier,
    )
    from sklearn.gaussian_process import GaussianProcessClassifier
    from sklearn.linear_model import LogisticRegression, PoissonRegressor, SGDClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
    from sklearn.svm import SVC

    encode = ColumnTransformer(
        [("text", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), [0])],
        remainder="passthrough",
    )
    return {
        "random forest": RandomForestRegressor(n_estimators=3, random_state=0),
        "extra trees": ExtraTreesClassifier(n_estimators=3, random_state=0),
        "gradient boosting": GradientBoostingClassifier(n_estimators=3, random_state=0),
        "histogram boosting (poisson)": HistGradientBoostingRegressor(max_iter=3, loss="poisson"),
        "neighbours (ball tree, manhattan)": KNeighborsClassifier(
            algorithm="ball_tree", metric="manhattan"
        ),
        "perceptron": MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0),
        "svc": SVC(random_state=0),
        "gaussian process": GaussianProcessClassifier(random_state=0),
        "calibrated": CalibratedClassifierCV(LogisticRegression(), cv=2),
        "sgd": SGDClassifier(random_state=np.random.RandomState(0)),
        "poisson glm": PoissonRegressor(),
        "stacking": StackingClassifier([("lr", LogisticRegression())], cv=2),
        "encoded pipeline": Pipeline([("encode", encode), ("model", LogisticRegression())]),
        "one-hot pipeline": make_pipeline(
            OneHotEncoder(handle_unknown="ignore"), StandardScaler(with_mean=False), SGDClassifier()
        ),
    }


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # loading is tested
@pytest.mark.parametrize("name", list(_zoo()))
def test_common_models_load_and_predict_the_same(name: str, data: Any, tmp_path: Path) -> None:
    _, x, y = data
    model = _zoo()[name]
    if "encoded" in name or "one-hot" in name:
        x = np.column_stack([np.round(x[:, 0]), x[:, 1:]])
    target = np.abs(x[:, 0]) + y if "poisson" in name or "forest" in name else y
    model.fit(x, target)
    save_model(model, tmp_path / "m", flavor="sklearn")
    loaded = load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
