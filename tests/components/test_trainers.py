"""Trainer specs: built-in scikit-learn and LightGBM trainers, user functions, and features."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from driftline.components.trainers import fit_trainer, split_features, text_columns
from driftline.components.training import model_with_signature
from driftline.core.errors import InputError
from tests.components.conftest import make_table

FIT_CALLS: list[dict[str, Any]] = []


def fit_logistic(features: pa.Table, target: np.ndarray, **params: Any) -> LogisticRegression:
    """A user trainer in an importable module (this one)."""
    FIT_CALLS.append({"columns": features.column_names, "rows": len(target), **params})
    numeric = features.drop_columns(text_columns(features))
    return LogisticRegression(**params).fit(numeric.to_pandas(), target)


NOT_A_FUNCTION = 42


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    FIT_CALLS.clear()


@pytest.fixture(scope="module")
def data() -> tuple[pa.Table, np.ndarray]:
    return split_features(make_table(0, rows=600), "label")


def _accuracy(model: Any, features: pa.Table, target: np.ndarray) -> float:
    return float(np.mean(model.predict(features) == target))


def test_sklearn_trainer_encodes_text_inside_a_pipeline(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    fitted = fit_trainer("sklearn:LogisticRegression", features, target)
    assert isinstance(fitted, Pipeline)
    assert [name for name, _ in fitted.steps] == ["encode", "model"]
    assert isinstance(fitted.named_steps["model"], LogisticRegression)
    loaded = model_with_signature(fitted, features.slice(0, 100))
    assert loaded.signature is not None
    assert list(loaded.signature.column_names) == features.column_names
    # the raw table, text column included, goes straight in: the encoding travels in the model
    assert _accuracy(loaded, features, target) > 0.85
    # an unseen text value is encoded, not an error
    unseen = features.set_column(
        features.column_names.index("region"),
        "region",
        pa.array(["west"] * features.num_rows),
    )
    assert len(loaded.predict(unseen)) == features.num_rows


def test_sklearn_trainer_without_text_columns_is_the_bare_estimator(
    data: tuple[pa.Table, Any],
) -> None:
    features, target = data
    fitted = fit_trainer("sklearn:LogisticRegression", features.drop_columns(["region"]), target)
    assert isinstance(fitted, LogisticRegression)


def test_seed_becomes_random_state_unless_given(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    small = {"n_estimators": 3, "max_depth": 2}
    seeded = fit_trainer("sklearn:RandomForestClassifier", features, target, small, seed=7)
    assert seeded.named_steps["model"].random_state == 7
    explicit = {**small, "random_state": 3}
    kept = fit_trainer("sklearn:RandomForestClassifier", features, target, explicit, seed=7)
    assert kept.named_steps["model"].random_state == 3
    # the same seed gives the same model; another seed another one
    again = fit_trainer("sklearn:RandomForestClassifier", features, target, small, seed=7)
    other = fit_trainer("sklearn:RandomForestClassifier", features, target, small, seed=8)
    frame = features.to_pandas()
    assert np.array_equal(seeded.predict_proba(frame), again.predict_proba(frame))
    assert not np.array_equal(seeded.predict_proba(frame), other.predict_proba(frame))


def test_trainer_params_reach_the_estimator(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    fitted = fit_trainer("sklearn:LogisticRegression", features, target, {"C": 0.125})
    assert fitted.named_steps["model"].C == 0.125


def test_lightgbm_trainer_on_numeric_features(data: tuple[pa.Table, Any]) -> None:
    import lightgbm

    features, target = data
    numeric = features.drop_columns(["region"])
    fitted = fit_trainer("lightgbm:LGBMClassifier", numeric, target, {"n_estimators": 20}, seed=5)
    assert isinstance(fitted, lightgbm.LGBMClassifier)
    assert fitted.random_state == 5
    assert fitted.n_estimators == 20
    loaded = model_with_signature(fitted, numeric.slice(0, 100))
    assert loaded.flavor.name == "lightgbm"
    assert _accuracy(loaded, numeric, target) > 0.85


def test_lightgbm_trainer_refuses_a_text_column_by_name(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    with pytest.raises(InputError, match="numeric features only; 'region' is text"):
        fit_trainer("lightgbm:LGBMClassifier", features, target)
    with pytest.raises(InputError, match="LGBMClassifier and LGBMRegressor, not 'LGBMRanker'"):
        fit_trainer("lightgbm:LGBMRanker", features.drop_columns(["region"]), target)


def test_user_function_in_an_importable_module(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    spec = f"{__name__}:fit_logistic"
    fitted = fit_trainer(spec, features, target, {"C": 0.5}, seed=9)
    assert isinstance(fitted, LogisticRegression)
    assert fitted.C == 0.5
    # the function gets every feature column and the params as they are (no seed is added)
    (call,) = FIT_CALLS
    assert call == {"columns": features.column_names, "rows": len(target), "C": 0.5}


def test_user_function_in_a_file(data: tuple[pa.Table, Any], tmp_path: Path) -> None:
    features, target = data
    code = """
        from sklearn.tree import DecisionTreeClassifier


        def fit(features, target, depth=1):
            numeric = features.drop_columns(["region"]).to_pandas()
            return DecisionTreeClassifier(max_depth=depth, random_state=0).fit(numeric, target)
    """
    (tmp_path / "mine.py").write_text(textwrap.dedent(code))
    fitted = fit_trainer(f"{tmp_path / 'mine.py'}:fit", features, target, {"depth": 3})
    assert type(fitted).__name__ == "DecisionTreeClassifier"
    assert fitted.get_depth() == 3


@pytest.mark.parametrize("spec", ["sklearn", "sklearn:", ":fit", "LogisticRegression"])
def test_a_malformed_spec_is_an_input_error(spec: str, data: tuple[pa.Table, Any]) -> None:
    features, target = data
    with pytest.raises(InputError, match="must be 'sklearn:NAME', 'lightgbm:NAME'"):
        fit_trainer(spec, features, target)


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("Forest", "RandomForestClassifier"),
        ("logisticregression", "LogisticRegression"),
        ("LogisticRegresion", "LogisticRegression"),
    ],
)
def test_an_unknown_estimator_suggests_close_names(
    name: str, suggested: str, data: tuple[pa.Table, Any]
) -> None:
    features, target = data
    with pytest.raises(InputError, match=f"no estimator '{name}'") as caught:
        fit_trainer(f"sklearn:{name}", features, target)
    assert "did you mean" in str(caught.value)
    assert suggested in str(caught.value)


def test_an_unknown_estimator_far_from_any_name_has_no_suggestion(
    data: tuple[pa.Table, Any],
) -> None:
    features, target = data
    with pytest.raises(InputError, match="no estimator 'Qzxv'") as caught:
        fit_trainer("sklearn:Qzxv", features, target)
    assert "did you mean" not in str(caught.value)


def test_bad_trainer_params_name_the_trainer_and_the_params(data: tuple[pa.Table, Any]) -> None:
    features, target = data
    with pytest.raises(InputError, match=r"LogisticRegression'.*bad trainer_params.*'bogus'"):
        fit_trainer("sklearn:LogisticRegression", features, target, {"bogus": 1})


def test_a_missing_user_function_module_or_file(data: tuple[pa.Table, Any], tmp_path: Path) -> None:
    features, target = data
    with pytest.raises(InputError, match=f"'{__name__}' has no function 'nope'"):
        fit_trainer(f"{__name__}:nope", features, target)
    with pytest.raises(InputError, match="has no function 'NOT_A_FUNCTION'"):
        fit_trainer(f"{__name__}:NOT_A_FUNCTION", features, target)
    with pytest.raises(InputError, match="cannot import 'no_such_module_xyz'"):
        fit_trainer("no_such_module_xyz:fit", features, target)
    with pytest.raises(InputError, match=r"cannot import '\.'"):
        fit_trainer(".:fit", features, target)
    with pytest.raises(InputError, match=r"trainer file .*absent\.py' does not exist"):
        fit_trainer(f"{tmp_path / 'absent.py'}:fit", features, target)


def _mixed() -> pa.Table:
    return pa.table(
        {
            "id": [1, 2, 3],
            "x": [0.5, 1.5, 2.5],
            "city": ["a", "b", "a"],
            "day": pa.array([datetime.date(2024, 1, d) for d in (1, 2, 3)]),
            "at": pa.array([datetime.datetime(2024, 1, 1, h) for h in (1, 2, 3)]),
            "y": [0, 1, 0],
        }
    )


def test_split_features_drops_label_excluded_and_temporal_columns() -> None:
    features, target = split_features(_mixed(), "y", ["id"])
    assert features.column_names == ["x", "city"]
    assert target.tolist() == [0, 1, 0]
    kept, _ = split_features(_mixed(), "y")
    assert kept.column_names == ["id", "x", "city"]


def test_split_features_errors() -> None:
    table = _mixed()
    with pytest.raises(InputError, match="no label column"):
        split_features(table, None)
    with pytest.raises(InputError, match="column 'target' does not exist; columns: 'id', 'x'"):
        split_features(table, "target")
    with pytest.raises(InputError, match="column 'nope' does not exist"):
        split_features(table, "y", ["nope"])
    with pytest.raises(InputError, match="no feature column is left"):
        split_features(table, "y", ["id", "x", "city"])
