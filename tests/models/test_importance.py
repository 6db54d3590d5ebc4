"""Permutation importance: the inputs a model relies on score high, noise scores near zero."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from driftline.core.errors import InputError
from driftline.models.loaded import LoadedModel
from driftline.models.meta import ModelMeta
from driftline.models.monitoring.importance import permutation_importance
from driftline.models.signature import infer_signature
from driftline.models.sklearn_flavor import SklearnFlavor


def _loaded(model: object, table: pa.Table, y: np.ndarray) -> LoadedModel:
    return LoadedModel(
        model, SklearnFlavor(), ModelMeta("sklearn", signature=infer_signature(table, y))
    )


def _data(rows: int = 1000) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(rows, 3))
    return pa.table({"strong": x[:, 0], "weak": x[:, 1], "noise": x[:, 2]}), x


def test_a_classifier_relies_on_its_strong_input_most() -> None:
    table, x = _data()
    y = (2.0 * x[:, 0] + 0.4 * x[:, 1] > 0).astype(np.int64)
    model = _loaded(LogisticRegression().fit(x, y), table, y)
    scores = permutation_importance(model, table, y, seed=0)
    assert set(scores) == {"strong", "weak", "noise"}
    assert scores["strong"] > 0.3
    assert 0.02 < scores["weak"] < scores["strong"]
    assert abs(scores["noise"]) < 0.02
    assert permutation_importance(model, table, y, seed=0) == scores  # seeded


def test_a_regression_model_scores_the_rise_in_rmse() -> None:
    table, x = _data()
    y = 3.0 * x[:, 0] + 0.5 * x[:, 1]
    model = _loaded(LinearRegression().fit(x, y), table, y)
    scores = permutation_importance(model, table, y, repeats=2, seed=4)
    # shuffling a column of weight w adds sqrt(2) * w * std(x) of RMSE to a perfect fit
    assert scores["strong"] == pytest.approx(3.0 * np.sqrt(2), rel=0.1)
    assert scores["weak"] == pytest.approx(0.5 * np.sqrt(2), rel=0.15)
    assert abs(scores["noise"]) < 1e-6


def test_only_the_model_inputs_are_shuffled_and_rows_are_sampled() -> None:
    table, x = _data()
    y = (x[:, 0] > 0).astype(np.int64)
    model = _loaded(LogisticRegression().fit(x, y), table, y)
    wider = table.append_column("row_id", pa.array(np.arange(table.num_rows)))
    scores = permutation_importance(model, wider, y, max_rows=200, seed=2)
    assert set(scores) == {"strong", "weak", "noise"}
    assert scores["strong"] > 0.3


def test_bad_input_is_named() -> None:
    table, x = _data(50)
    y = (x[:, 0] > 0).astype(np.int64)
    model = _loaded(LogisticRegression().fit(x, y), table, y)
    with pytest.raises(InputError, match="repeats must be at least 1"):
        permutation_importance(model, table, y, repeats=0)
    with pytest.raises(InputError, match="49 labels but 50 rows"):
        permutation_importance(model, table, y[:-1])
    with pytest.raises(InputError, match="no evaluation rows"):
        permutation_importance(model, table.slice(0, 0), y[:0])
