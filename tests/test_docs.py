"""The examples in the README and docs run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_examples_run_in_order(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks(path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)
    if path.name == "README.md":
        assert blocks
        assert (tmp_path / "train-ws" / "driftline.toml").is_file()


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:8]
    text = "\n".join(head)
    assert "make demo" in text
    assert "make test" in text
    assert text.index("make demo") < text.index("make test")


def test_documented_cli_commands_exist() -> None:
    from driftline.cli.main import cli

    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    documented = set(re.findall(r"\$ driftline ([a-z]+)", text))
    assert documented, "no command examples found"
    assert documented <= set(cli.commands), documented - set(cli.commands)
    assert os.sep not in "".join(documented)
