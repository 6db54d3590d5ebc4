from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest

from driftline.core.errors import InputError
from driftline.models import LightGBMFlavor, load_model, save_model
from driftline.models.lightgbm_flavor import LightGBMModel


def test_classifier_loads_as_booster_with_classes(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    model = lightgbm.LGBMClassifier(n_estimators=10, random_state=0, verbose=-1).fit(x, y + 3)
    meta = save_model(model, tmp_path / "m", sample=table)
    assert meta.flavor == "lightgbm"
    assert meta.params["classes"] == [3, 4]
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded.model, LightGBMModel)
    assert isinstance(loaded.model.booster, lightgbm.Booster)
    assert (loaded.predict(table) == model.predict(x)).all()
    assert np.array_equal(loaded.predict_proba(table), model.predict_proba(x))


def test_multiclass(data: Any, tmp_path: Path) -> None:
    table, x, _ = data
    y = np.digitize(x[:, 0], [-0.5, 0.5])
    model = lightgbm.LGBMClassifier(n_estimators=10, random_state=0, verbose=-1).fit(x, y)
    save_model(model, tmp_path / "m", sample=table)
    loaded = load_model(tmp_path / "m")
    assert (loaded.predict(table) == model.predict(x)).all()
    assert loaded.predict_proba(table).shape == (200, 3)


def test_booster_and_regressor_predict_raw_values(data: Any, tmp_path: Path) -> None:
    table, x, _ = data
    booster = lightgbm.train(
        {"objective": "regression", "verbose": -1, "seed": 0},
        lightgbm.Dataset(x, label=x[:, 0]),
        num_boost_round=5,
    )
    save_model(booster, tmp_path / "b", sample=table)
    assert np.array_equal(load_model(tmp_path / "b").predict(table), booster.predict(x))
    reg = lightgbm.LGBMRegressor(n_estimators=5, random_state=0, verbose=-1).fit(x, x[:, 1])
    save_model(reg, tmp_path / "r", sample=table)
    loaded = load_model(tmp_path / "r")
    assert np.array_equal(loaded.predict(table), reg.predict(x))
    with pytest.raises(InputError, match="not a classifier"):
        loaded.predict_proba(table)


def test_save_refuses_other_models(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="lightgbm flavor cannot save dict"):
        LightGBMFlavor().save({}, tmp_path)
