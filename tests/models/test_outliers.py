"""The outlier detector: recall on rows far outside the training data, false positives inside it."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from driftline.core.errors import InputError, IntegrityError
from driftline.data._codec import decode, encode
from driftline.data.profile import Profile
from driftline.data.profiling import profile_table
from driftline.models.monitoring.outliers import (
    DEFAULT_THRESHOLD,
    OUTLIER_DETECTOR_KIND,
    OUTLIER_METHODS,
    OutlierDetector,
    fit_outlier_detector,
)
from tests.models.crafting import json_node, reduce_node, touch, tuple_node

K = 8
NUMERIC = [f"x{i}" for i in range(K)]
CITIES = ["lyon", "oslo", "lima", "pune"]


def _rows(rng: np.random.Generator, n: int) -> pa.Table:
    """In-distribution rows: K numeric inputs of different scales and a categorical one."""
    columns = {name: rng.normal(size=n) * (i + 1) + i for i, name in enumerate(NUMERIC)}
    city = rng.choice(CITIES, n, p=[0.4, 0.3, 0.2, 0.1])
    return pa.table({**columns, "city": city})


def _far_numeric(rng: np.random.Generator, n: int) -> pa.Table:
    """Rows with one numeric input drawn 8 to 12 standard deviations from its mean."""
    table = _rows(rng, n)
    which = rng.integers(0, K, n)
    sign = rng.choice([-1.0, 1.0], n)
    for i, name in enumerate(NUMERIC):
        far = i + sign * (i + 1) * rng.uniform(8, 12, n)
        values = np.where(which == i, far, table[name].to_numpy())
        table = table.set_column(i, name, pa.array(values))
    return table


def _far_categorical(rng: np.random.Generator, n: int) -> pa.Table:
    """Rows whose city was never seen in training."""
    table = _rows(rng, n)
    unseen = rng.choice(["atlantis", "el dorado", "shangri-la"], n)
    return table.set_column(K, "city", pa.array(unseen))


@cache
def _training() -> tuple[pa.Table, Profile]:
    rows = _rows(np.random.default_rng(0), 5000)
    return rows, profile_table(rows)


@cache
def _detector(method: str) -> OutlierDetector:
    rows, profile = _training()
    return fit_outlier_detector(profile, rows, method=method, seed=0)


@pytest.mark.parametrize("method", OUTLIER_METHODS)
@pytest.mark.parametrize("make_far", [_far_numeric, _far_categorical], ids=["numeric", "category"])
def test_two_percent_far_rows_are_flagged_and_in_distribution_rows_are_not(
    method: str, make_far: object
) -> None:
    rng = np.random.default_rng(1)
    inside = _rows(rng, 9800)
    far = make_far(rng, 200)  # type: ignore[operator]
    stream = pa.concat_tables([inside, far])
    truth = np.r_[np.zeros(9800, bool), np.ones(200, bool)]
    order = rng.permutation(len(truth))
    detector = _detector(method)
    flagged = detector.flag(detector.score(stream.take(order)))
    truth = truth[order]
    recall = flagged[truth].mean()
    false_positive_rate = flagged[~truth].mean()
    assert recall >= 0.95, (method, recall)
    assert false_positive_rate <= 0.01, (method, false_positive_rate)


def test_scores_are_zero_inside_the_band_and_grow_with_distance() -> None:
    detector = _detector("profile")
    rows = {
        name: np.array([float(i), i + 20.0 * (i + 1), i + 40.0 * (i + 1)])
        for i, name in enumerate(NUMERIC)
    }
    scores = detector.score({**rows, "city": np.array(["lyon"] * 3)})
    assert scores[0] == 0.0
    assert 0 < scores[1] < scores[2]


def test_a_missing_value_where_training_had_none_is_an_outlier() -> None:
    detector = _detector("profile")
    rows, _ = _training()
    sample = rows.slice(0, 3)
    nulled = sample.set_column(0, "x0", pa.array([None, 0.0, float("nan")], pa.float64()))
    flags = detector.flag(detector.score(nulled))
    assert flags.tolist()[0] is True
    assert flags.tolist()[2] is True
    assert detector.flag(detector.score(sample)).sum() == 0


def test_a_column_the_request_lacks_counts_as_missing_not_as_an_error() -> None:
    detector = _detector("profile")
    rows, _ = _training()
    scores = detector.score(rows.slice(0, 4).drop_columns(["city"]))
    assert scores.tolist() == [detector.hard_score] * 4


def test_missing_values_seen_in_training_are_not_outliers() -> None:
    train = pa.table({"x": [1.0, 2.0, None, 3.0] * 50, "c": ["a", None, "b", "a"] * 50})
    detector = fit_outlier_detector(profile_table(train), train)
    scores = detector.score(
        pa.table({"x": pa.array([None], pa.float64()), "c": pa.array([None], pa.string())})
    )
    assert scores.tolist() == [0.0]


def test_a_column_of_many_one_off_values_is_not_checked_for_unseen_values() -> None:
    ids = [f"user-{i}" for i in range(500)]
    train = pa.table({"user": ids, "x": np.arange(500.0)})
    detector = fit_outlier_detector(profile_table(train), train)
    assert any("'user'" in note for note in detector.notes)
    assert detector.score({"user": ["user-9999"], "x": [250.0]}).tolist() == [0.0]


def test_an_infinite_value_scores_finitely_above_the_threshold() -> None:
    detector = _detector("profile")
    rows, _ = _training()
    sample = rows.slice(0, 1).set_column(3, "x3", pa.array([float("inf")]))
    [score] = detector.score(sample).tolist()
    assert np.isfinite(score)
    assert score > detector.threshold


def test_without_rows_the_threshold_is_the_default() -> None:
    _, profile = _training()
    detector = fit_outlier_detector(profile)
    assert detector.threshold == DEFAULT_THRESHOLD
    assert detector.columns == (*NUMERIC, "city")


def test_date_times_and_texts_are_left_out_with_a_note() -> None:
    train = pa.table({"x": [1.0, 2.0], "t": pa.array([0, 1], pa.timestamp("s"))})
    detector = fit_outlier_detector(profile_table(train))
    assert detector.columns == ("x",)
    assert any("'t'" in note for note in detector.notes)


@pytest.mark.parametrize("method", OUTLIER_METHODS)
def test_bytes_round_trip_and_score_alike(method: str) -> None:
    detector = _detector(method)
    again = OutlierDetector.from_bytes(detector.to_bytes())
    rows = _rows(np.random.default_rng(5), 300)
    assert again.method == detector.method
    assert again.columns == detector.columns
    assert again.threshold == detector.threshold
    assert again.notes == detector.notes
    np.testing.assert_array_equal(again.score(rows), detector.score(rows))


def test_the_matrix_path_scores_as_the_table_path() -> None:
    rows, _ = _training()
    numeric = rows.select(NUMERIC)
    detector = fit_outlier_detector(profile_table(numeric), numeric)
    probe = _far_numeric(np.random.default_rng(6), 50).select(NUMERIC)
    matrix = np.column_stack([probe[name].to_numpy() for name in detector.numeric])
    assert detector.takes_matrix
    np.testing.assert_array_equal(detector.score_matrix(matrix), detector.score(probe))


def test_corrupt_bytes_are_an_integrity_error() -> None:
    data = bytearray(_detector("profile").to_bytes())
    with pytest.raises(IntegrityError, match="outlier detector"):
        OutlierDetector.from_bytes(bytes(data[:40]))
    with pytest.raises(IntegrityError):
        OutlierDetector.from_bytes(b"not a detector at all")


def test_a_forest_file_naming_code_is_refused(tmp_path: Path) -> None:
    state = decode(_detector("isolation_forest").to_bytes(), OUTLIER_DETECTOR_KIND)
    source = zipfile.ZipFile(io.BytesIO(state.arrays["forest.skops"].tobytes()))
    schema = json.loads(source.read("schema.json"))
    marker = tmp_path / "ran"
    schema["content"]["content"]["random_state"] = reduce_node(
        "os", "system", tuple_node(json_node(touch(marker)))
    )
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as target:
        for name in source.namelist():
            data = json.dumps(schema) if name == "schema.json" else source.read(name)
            target.writestr(name, data)
    state.arrays["forest.skops"] = np.frombuffer(crafted.getvalue(), np.uint8)
    with pytest.raises(IntegrityError, match=r"os\.system"):
        OutlierDetector.from_bytes(encode(OUTLIER_DETECTOR_KIND, state))
    assert not marker.exists()


def test_bad_arguments_name_what_is_wrong() -> None:
    rows, profile = _training()
    with pytest.raises(InputError, match="method must be one of"):
        fit_outlier_detector(profile, rows, method="lof")
    with pytest.raises(InputError, match="needs the training rows"):
        fit_outlier_detector(profile, method="isolation_forest")
    with pytest.raises(InputError, match="no column 'nope'"):
        fit_outlier_detector(profile, columns=["x0", "nope"])
    with pytest.raises(InputError, match="training rows have no column 'city'"):
        fit_outlier_detector(profile, rows.drop_columns(["city"]))
    with pytest.raises(InputError, match="list of column names"):
        fit_outlier_detector(profile, columns="x0")
    with pytest.raises(InputError, match="'x0' is not numeric"):
        _detector("profile").score({"x0": ["a"]})


def test_a_detector_of_no_numeric_column_scores_a_matrix_as_zeros() -> None:
    train = pa.table({"t": pa.array([0, 1], pa.timestamp("s"))})
    detector = fit_outlier_detector(profile_table(train))
    assert detector.columns == ()
    assert detector.score_matrix(np.zeros((2, 0))).tolist() == [0.0, 0.0]
    assert detector.score({"t": [5]}).tolist() == [0.0]
