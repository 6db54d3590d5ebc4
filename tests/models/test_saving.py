from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from driftline.core.errors import ArtifactCorruptError, InputError
from driftline.models import SklearnFlavor, load_model, save_model
from driftline.models.saving import flavor_named


def _model(data: Any) -> LogisticRegression:
    _, x, y = data
    return LogisticRegression().fit(x, y)


def test_model_json_records_flavor_versions_signature_and_hashes(data: Any, tmp_path: Path) -> None:
    import sklearn

    save_model(_model(data), tmp_path / "m", sample=data[0])
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["flavor"] == "sklearn"
    assert meta["versions"]["sklearn"] == sklearn.__version__
    assert [c["name"] for c in meta["signature"]["inputs"]] == ["a", "b", "c"]
    assert len(meta["files"]["model.skops"]) == 64


def test_loaded_model_checks_its_input(data: Any, tmp_path: Path) -> None:
    table = data[0]
    save_model(_model(data), tmp_path / "m", sample=table)
    loaded = load_model(tmp_path / "m")
    assert loaded.flavor.name == "sklearn"
    assert loaded.signature is not None
    assert loaded.predict_proba(table).shape == (200, 2)
    with pytest.raises(InputError, match="missing column 'b'"):
        loaded.predict(table.drop_columns(["b"]))


def test_without_a_sample_there_is_no_signature(data: Any, tmp_path: Path) -> None:
    save_model(_model(data), tmp_path / "m", flavor="sklearn")
    loaded = load_model(tmp_path / "m")
    assert loaded.signature is None
    assert loaded.predict(data[1]).shape == (200,)


def test_a_changed_file_is_named(data: Any, tmp_path: Path) -> None:
    save_model(_model(data), tmp_path / "m")
    with (tmp_path / "m" / "model.skops").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(ArtifactCorruptError, match=r"model\.skops"):
        load_model(tmp_path / "m")


def test_errors_name_the_problem(data: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model flavor can save dict"):
        save_model({}, tmp_path / "a")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(InputError, match="not an empty folder"):
        save_model(_model(data), tmp_path / "full")
    with pytest.raises(InputError, match=r"has no model\.json"):
        load_model(tmp_path / "full")
    with pytest.raises(InputError, match="no model flavor is called 'onnx'"):
        flavor_named("onnx")
    with pytest.raises(InputError, match="no model flavor is called 'keras'"):
        save_model(_model(data), tmp_path / "b", flavor="keras")


def test_a_bad_model_json_is_named(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text('{"format_version": 9, "flavor": "sklearn"}')
    with pytest.raises(InputError, match="format_version 9"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        load_model(tmp_path)


def test_flavor_instances_are_accepted(data: Any, tmp_path: Path) -> None:
    assert save_model(_model(data), tmp_path / "m", flavor=SklearnFlavor()).flavor == "sklearn"
