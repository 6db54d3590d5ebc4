"""Predicting on numeric matrices: the same answers and errors as on tables, fewer checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from driftline.core.errors import InputError
from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
from driftline.models.signature import ColumnSpec, ModelSignature, to_matrix
from driftline.models.sklearn_flavor import SklearnMatrix, _finite_steps


def loaded(model: Any, sample: pa.Table) -> LoadedModel:
    """``model`` as a loaded model whose signature is ``sample``'s."""
    meta = ModelMeta("sklearn", signature=infer_signature(sample, np.array([0])))
    return LoadedModel(model, SklearnFlavor(), meta)


def outcome(call: Any) -> tuple[Any, ...]:
    """What ``call()`` gives: its values, or the type and message of what it raised."""
    try:
        return ("ok", np.asarray(call()).tolist())
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


def same_as_table(model: LoadedModel, table: pa.Table) -> None:
    """Predictions (and probabilities) on the matrix are those on the table, errors included."""
    predictor = model.matrix_predictor
    assert predictor is not None
    matrix = to_matrix(table)
    kept = matrix.copy()
    assert outcome(lambda: predictor.predict(matrix)) == outcome(lambda: model.predict(table))
    assert outcome(lambda: predictor.predict_proba(matrix)) == outcome(
        lambda: model.predict_proba(table)
    )
    np.testing.assert_array_equal(matrix, kept)  # the model never writes into the caller's


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["double", "double"], np.dtype("float64")),
        (["int64", "double"], np.dtype("float64")),
        (["int64", "int32"], np.dtype("int64")),
        (["bool", "int32"], np.dtype("int32")),
        (["float", "halffloat"], np.dtype("float32")),
        (["bool"], np.dtype("bool")),
        (["double", "string"], None),
        (["timestamp[us]"], None),
        (["list<item: int64>"], None),
        ([], None),
    ],
)
def test_matrix_dtype_is_what_to_matrix_gives(types: list[str], expected: Any) -> None:
    signature = ModelSignature(
        tuple(ColumnSpec(f"c{i}", t) for i, t in enumerate(types)), "int64", (None,)
    )
    assert signature.matrix_dtype == expected
    if expected is not None:
        arrays = [np.array([1, 0]).astype(pa.type_for_alias(t).to_pandas_dtype()) for t in types]
        table = pa.table(arrays, names=[f"c{i}" for i in range(len(types))])
        assert to_matrix(table).dtype == expected


def test_the_same_predictions_and_probabilities_as_on_tables(data: Any) -> None:
    table, x, y = data
    models = [
        make_pipeline(StandardScaler(), LogisticRegression()),
        LogisticRegression(),
        DecisionTreeClassifier(max_depth=3, random_state=0),
        make_pipeline(StandardScaler(), "passthrough", LogisticRegression()),
        VotingClassifier([("a", LogisticRegression()), ("b", DecisionTreeClassifier())]),
        make_pipeline(
            ColumnTransformer([("s", StandardScaler(), [0, 1]), ("p", "passthrough", [2])]),
            LogisticRegression(),
        ),
    ]
    rows = table.slice(0, 50)
    for model in models:
        same_as_table(loaded(model.fit(x, y), table), rows)


def test_models_fitted_on_dataframes_take_tables(data: Any) -> None:
    """Their DataFrame comes from Arrow, with a memory layout of its own: no matrix for them."""
    table, x, y = data
    assert loaded(LogisticRegression().fit(table.to_pandas(), y), table).matrix_predictor is None
    ints = table.set_column(2, "c", pa.array(np.round(x[:, 2] * 10).astype(np.int64)))
    on_matrix = loaded(LogisticRegression().fit(to_matrix(ints), y), ints)
    assert on_matrix.matrix_predictor is not None
    same_as_table(on_matrix, ints.slice(0, 30))


def test_no_matrix_without_signature_or_for_strings(data: Any) -> None:
    table, x, y = data
    model = LogisticRegression().fit(x, y)
    assert LoadedModel(model, SklearnFlavor(), ModelMeta("sklearn")).matrix_predictor is None
    strings = table.append_column("s", pa.array(["x"] * table.num_rows))
    assert loaded(model, strings).matrix_predictor is None


def test_nan_and_infinity_give_the_usual_answer_or_error(data: Any) -> None:
    table, x, y = data
    bad = table.slice(0, 3).set_column(1, "b", pa.array([np.nan, np.inf, 1.0], type=pa.float64()))
    pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    same_as_table(loaded(pipeline, table), bad)
    same_as_table(loaded(LogisticRegression().fit(x, y), table), bad)
    with_nan = x.copy()
    with_nan[::7, 1] = np.nan
    native = loaded(HistGradientBoostingClassifier(max_iter=5).fit(with_nan, y), table)
    same_as_table(native, bad)  # a model that takes NaN predicts on it as usual


def test_a_step_that_makes_infinity_fails_as_usual(data: Any) -> None:
    """Finite input, an infinite intermediate: the next step's check still refuses it."""
    _, x, y = data
    positive = np.abs(x) + 0.1
    model = make_pipeline(FunctionTransformer(np.log), LogisticRegression()).fit(positive, y)
    sample = pa.table({n: positive[:, i] for i, n in enumerate("abc")})
    zero = sample.slice(0, 2).set_column(0, "a", pa.array([0.0, 1.0]))
    served = loaded(model, sample)
    predictor = served.matrix_predictor
    assert predictor is not None
    with np.errstate(divide="ignore"):
        result = outcome(lambda: predictor.predict(to_matrix(zero)))
        assert result[:2] == ("error", "ValueError")
        assert "infinity" in result[2]
        same_as_table(served, zero)
    same_as_table(served, sample.slice(0, 10))


def test_an_estimator_that_writes_into_its_input(data: Any) -> None:
    table, x, y = data
    model = make_pipeline(StandardScaler(copy=False), LogisticRegression()).fit(x.copy(), y)
    same_as_table(loaded(model, table), table.slice(0, 10))


class Recorder(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Records scikit-learn's ``assume_finite`` while it predicts."""

    def fit(self, x: Any, y: Any) -> Recorder:
        self.classes_ = np.unique(y)
        self.seen_: list[bool] = []
        return self

    def predict(self, x: Any) -> Any:
        self.seen_.append(sklearn.get_config()["assume_finite"])
        return np.zeros(len(x), dtype=np.int64)


def test_finiteness_checks_are_skipped_only_for_finite_input(data: Any) -> None:
    table, x, y = data
    recorder = Recorder().fit(x, y)
    predictor = loaded(recorder, table).matrix_predictor
    assert predictor is not None
    predictor.predict(x[:2])
    predictor.predict(np.array([[np.nan, 0.0, 0.0]]))
    assert recorder.seen_ == [True, False]
    assert sklearn.get_config()["assume_finite"] is False


def test_after_a_result_not_shown_finite_the_checks_are_back(data: Any) -> None:
    table, x, y = data
    recorder = Recorder()
    pipeline = make_pipeline(FunctionTransformer(np.log), recorder).fit(np.abs(x) + 0.1, y)
    predictor = loaded(pipeline, table).matrix_predictor
    assert predictor is not None
    with np.errstate(divide="ignore"):
        predictor.predict(np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]))
    predictor.predict(np.array([[1.0, 2.0, 3.0]]))
    assert recorder.seen_ == [False, True]
    frames = make_pipeline(StandardScaler(), LogisticRegression()).set_output(transform="pandas")
    same_as_table(loaded(frames.fit(x, y), table), table.slice(0, 20))


def test_which_models_skip_the_checks(data: Any) -> None:
    _, x, y = data
    scaler, logistic = StandardScaler().fit(x), LogisticRegression().fit(x, y)
    assert _finite_steps(logistic) == ((), logistic)
    pipeline = make_pipeline(scaler, "passthrough", logistic)
    assert _finite_steps(pipeline) == ((scaler,), logistic)
    assert _finite_steps(make_pipeline(StandardScaler(), LogisticRegression())) is None  # unfitted
    voting = VotingClassifier([("a", LogisticRegression())]).fit(x, y)
    assert _finite_steps(voting) is None
    assert _finite_steps(make_pipeline(scaler, voting)) is None


def test_unfitted_and_probability_less_models_fail_as_usual(data: Any) -> None:
    table, x, _ = data
    unfitted = LoadedModel(
        LogisticRegression(),
        SklearnFlavor(),
        ModelMeta("sklearn", signature=infer_signature(table, np.array([1]))),
    )
    assert unfitted.matrix_predictor is not None
    with pytest.raises(NotFittedError):
        unfitted.matrix_predictor.predict(x[:1])
    same_as_table(unfitted, table.slice(0, 1))
    regression = loaded(LinearRegression().fit(x, x[:, 0]), table)
    assert regression.matrix_predictor is not None
    with pytest.raises(InputError, match="LinearRegression cannot predict probabilities"):
        regression.matrix_predictor.predict_proba(x[:1])
    same_as_table(regression, table.slice(0, 5))


def test_int_and_bool_columns(data: Any) -> None:
    _, x, y = data
    table = pa.table(
        {
            "n": pa.array(np.round(x[:, 0] * 5).astype(np.int64)),
            "m": pa.array(np.round(x[:, 1] * 5).astype(np.int32)),
            "flag": pa.array(x[:, 2] > 0),
        }
    )
    matrix = to_matrix(table)
    assert matrix.dtype == np.int64
    model = loaded(DecisionTreeClassifier(max_depth=4, random_state=0).fit(matrix, y), table)
    predictor = model.matrix_predictor
    assert isinstance(predictor, SklearnMatrix)
    same_as_table(model, table)
