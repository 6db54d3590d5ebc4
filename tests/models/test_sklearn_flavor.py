from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from driftline.core.errors import InputError, IntegrityError
from driftline.models import SklearnFlavor, load_model, save_model
from tests.models.factories import double


def test_a_skops_file_with_a_type_off_the_allowlist_is_refused(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    model = make_pipeline(FunctionTransformer(double), LogisticRegression()).fit(x, y)
    save_model(model, tmp_path / "m", sample=table)
    with pytest.raises(IntegrityError, match=r"tests\.models\.factories\.double"):
        load_model(tmp_path / "m")


def test_numpy_functions_are_allowed(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    model = make_pipeline(FunctionTransformer(np.tanh), LogisticRegression()).fit(x, y)
    save_model(model, tmp_path / "m", sample=table)
    assert (load_model(tmp_path / "m").predict(table) == model.predict(x)).all()


def test_a_model_fitted_on_named_columns_gets_a_dataframe(data: Any, tmp_path: Path) -> None:
    table, _, y = data
    model = LogisticRegression().fit(table.to_pandas(), y)
    save_model(model, tmp_path / "m", sample=table)
    loaded = load_model(tmp_path / "m")
    assert (loaded.predict(table.select(["c", "a", "b"])) == model.predict(table.to_pandas())).all()


def test_predict_proba_without_probabilities_is_an_input_error(data: Any) -> None:
    from sklearn.linear_model import LinearRegression

    table, x, y = data
    with pytest.raises(InputError, match="LinearRegression cannot predict probabilities"):
        SklearnFlavor().predict_proba(LinearRegression().fit(x, y), table)


def test_can_save_and_save_refuse_other_models(tmp_path: Path) -> None:
    assert not SklearnFlavor().can_save(object())
    with pytest.raises(InputError, match="cannot save object"):
        SklearnFlavor().save(object(), tmp_path)
