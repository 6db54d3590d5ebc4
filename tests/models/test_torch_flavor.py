from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from driftline.core.errors import InputError
from driftline.models import TorchFlavor, build_module, load_model, save_model
from driftline.models.torch_flavor import import_factory
from tests.models.factories import mlp


def test_round_trip_records_the_factory(data: Any, tmp_path: Path) -> None:
    torch.manual_seed(0)
    table, x, _ = data
    module = build_module("tests.models.factories:mlp", n_in=3, hidden=4)
    meta = save_model(module, tmp_path / "m", sample=table)
    assert meta.params == {
        "factory": "tests.models.factories:mlp",
        "kwargs": {"n_in": 3, "hidden": 4},
    }
    assert sorted(meta.files) == ["weights.safetensors"]
    loaded = load_model(tmp_path / "m")
    assert not loaded.model.training
    want = module(torch.from_numpy(x.astype(np.float32))).detach().numpy()
    np.testing.assert_allclose(loaded.predict(table), want, rtol=1e-6)


def test_a_module_without_a_factory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="needs its factory"):
        save_model(mlp(3), tmp_path / "m")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.models.factories.mlp", "must be 'package.module:function'"),
        ("tests.models.nowhere:mlp", "cannot import the factory module 'tests.models.nowhere'"),
        ("tests.models.factories:nothing", "no callable 'nothing'"),
    ],
)
def test_bad_factories_are_named(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        import_factory(spec)


def test_kwargs_must_be_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must be JSON"):
        TorchFlavor("tests.models.factories:mlp", {"n_in": object()}).save(mlp(3), tmp_path)


def test_without_torch_the_error_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(InputError, match=r"pip install 'driftline\[torch\]'"):
        TorchFlavor().predict(object(), np.zeros((1, 1)))
