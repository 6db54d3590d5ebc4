"""Loading a pipeline from a file: the rule for finding it, and clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from driftline.pipeline import (
    Pipeline,
    PipelineDefinitionError,
    PipelineFileError,
    load_pipeline_file,
)

HEAD = (
    "from driftline.pipeline import JsonArtifact, Pipeline, step\n"
    "@step\n"
    "def hello() -> JsonArtifact:\n"
    "    return 'hello'\n"
)


def _write(tmp_path: Path, body: str, name: str = "p.py") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body)
    return path


def test_the_only_pipeline_is_found(tmp_path: Path) -> None:
    found = load_pipeline_file(_write(tmp_path, "daily = Pipeline('daily', [hello])\n"))
    assert isinstance(found, Pipeline)
    assert found.name == "daily"


def test_the_variable_named_pipeline_wins_and_a_name_can_be_chosen(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a = Pipeline('a', [hello])\npipeline = Pipeline('main', [hello])\n",
    )
    assert load_pipeline_file(path).name == "main"
    assert load_pipeline_file(path, "a").name == "a"
    assert load_pipeline_file(f"{path}:a").name == "a"
    with pytest.raises(PipelineFileError, match="no pipeline named 'zzz'; pipelines: a, pipeline"):
        load_pipeline_file(path, "zzz")


def test_none_or_several_pipelines_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PipelineFileError, match="defines no Pipeline"):
        load_pipeline_file(_write(tmp_path, "x = 1\n"))
    several = _write(tmp_path, "a = Pipeline('a', [hello])\nb = Pipeline('b', [hello])\n", "s.py")
    with pytest.raises(PipelineFileError, match=r"several pipelines \(a, b\)"):
        load_pipeline_file(several)


def test_missing_file_import_error_and_bad_step(tmp_path: Path) -> None:
    with pytest.raises(PipelineFileError, match="does not exist"):
        load_pipeline_file(tmp_path / "missing.py")
    with pytest.raises(PipelineFileError, match="ZeroDivisionError"):
        load_pipeline_file(_write(tmp_path, "1 / 0\n", "bad.py"))
    with pytest.raises(PipelineDefinitionError, match="parameter 'x' has no annotation"):
        load_pipeline_file(_write(tmp_path, "@step\ndef f(x) -> JsonArtifact: ...\n", "f.py"))


def test_neighbour_modules_import_and_sys_path_is_restored(tmp_path: Path) -> None:
    (tmp_path / "helpers_for_pipeline.py").write_text("NAME = 'from-helper'\n")
    before = list(sys.path)
    path = _write(
        tmp_path,
        "from helpers_for_pipeline import NAME\npipeline = Pipeline(NAME, [hello])\n",
    )
    assert load_pipeline_file(path).name == "from-helper"
    assert sys.path == before
    sys.modules.pop("helpers_for_pipeline", None)
