from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from driftline.core.errors import InputError
from driftline.models import LoadedModel, Model, ModelType, build_module, save_model
from driftline.pipeline.artifact_types import artifact_type_of, is_artifact_type


def test_model_is_an_artifact_type() -> None:
    assert is_artifact_type(ModelType)
    assert artifact_type_of(Model) is ModelType


def test_a_model_folder_archives_deterministically(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    save_model(LogisticRegression().fit(x, y), tmp_path / "m", sample=table)
    first, second = io.BytesIO(), io.BytesIO()
    props = ModelType.save(tmp_path / "m", first)
    ModelType.save(tmp_path / "m", second)
    assert first.getvalue() == second.getvalue()
    assert props == {"flavor": "sklearn", "files": ["model.json", "model.skops"]}
    with tarfile.open(fileobj=io.BytesIO(first.getvalue()), mode="r:gz") as tar:
        assert [(m.name, m.mtime, m.uid) for m in tar] == [
            ("model.json", 0, 0),
            ("model.skops", 0, 0),
        ]
    loaded = ModelType.load(io.BytesIO(first.getvalue()), props)
    assert isinstance(loaded, LoadedModel)
    assert loaded.signature is not None
    assert (loaded.predict(table) == y).mean() > 0.9


def test_a_loaded_torch_model_round_trips_with_its_signature(data: Any) -> None:
    import torch

    torch.manual_seed(0)
    table = data[0]
    module = build_module("tests.models.factories:mlp", n_in=3)
    out = io.BytesIO()
    ModelType.save(module, out)
    first = ModelType.load(io.BytesIO(out.getvalue()), {})
    assert first.signature is None
    again = io.BytesIO()
    ModelType.save(first, again)
    second = ModelType.load(io.BytesIO(again.getvalue()), {})
    np.testing.assert_allclose(second.predict(table), first.predict(table))


def test_a_folder_without_model_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"has no model\.json"):
        ModelType.save(tmp_path, io.BytesIO())


def test_an_archive_with_a_path_is_refused(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("../evil")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(InputError, match=r"'\.\./evil'"):
        ModelType.load(io.BytesIO(raw.getvalue()), {})
