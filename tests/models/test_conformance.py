"""Every built-in flavor passes the conformance kit; the kit itself catches broken flavors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LightGBMFlavor, SklearnFlavor, TorchFlavor, build_module, check_flavor


def test_sklearn_pipeline(data: Any) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table, x, y = data
    check_flavor(
        SklearnFlavor(), make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y), table
    )


def test_sklearn_hist_gradient_boosting(data: Any) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    table, x, y = data
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    check_flavor(SklearnFlavor(), model, table)


def test_lightgbm_classifier(data: Any) -> None:
    import lightgbm

    table, x, y = data
    labels = np.array(["no", "yes"])[y]
    model = lightgbm.LGBMClassifier(n_estimators=20, random_state=0, verbose=-1).fit(x, labels)
    check_flavor(LightGBMFlavor(), model, table)


def test_torch_mlp(data: Any) -> None:
    import torch

    torch.manual_seed(0)
    table, _, _ = data
    check_flavor(TorchFlavor(), build_module("tests.models.factories:mlp", n_in=3, hidden=8), table)


def test_torch_factory_given_to_the_flavor(data: Any) -> None:
    from tests.models.factories import mlp

    table, _, _ = data
    flavor = TorchFlavor("tests.models.factories:mlp", {"n_in": 3, "n_out": 2})
    check_flavor(flavor, mlp(3, n_out=2), table)


def test_the_kit_catches_a_flavor_that_predicts_differently(data: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    table, x, y = data
    model = LogisticRegression().fit(x, y)

    class Drifting(SklearnFlavor):
        def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
            return super().predict(model, data) + 1

    with pytest.raises(AssertionError, match="predicts differently"):
        check_flavor(Drifting(), model, table)


def test_the_kit_refuses_a_model_the_flavor_cannot_save(data: Any) -> None:
    table, _, _ = data
    with pytest.raises(AssertionError, match="can_save"):
        check_flavor(SklearnFlavor(), object(), table)


def test_the_kit_needs_a_sample_table() -> None:
    from driftline.core.errors import InputError

    with pytest.raises(InputError, match="sample"):
        check_flavor(SklearnFlavor(), object(), pa.table({}))


class RenamedFlavor(SklearnFlavor):
    """A third-party flavor with its own name, importable by the fresh process."""

    name = "renamed-sklearn"


def test_a_third_party_flavor_is_loaded_by_its_own_class(data: Any) -> None:
    from sklearn.tree import DecisionTreeClassifier

    table, x, y = data
    check_flavor(RenamedFlavor(), DecisionTreeClassifier(random_state=0).fit(x, y), table)
