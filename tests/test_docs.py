"""The examples in the README and docs run as written, and each names the install it needs.

Every ``python`` and ``console`` block has an HTML comment on the line above it that says which
install it runs on and whether it is run:

* ``<!-- install: base -->``: ``pip install driftline`` alone;
* ``<!-- install: serve -->``, ``<!-- install: postgres,s3 -->``: with those extras;
* ``<!-- install: serve; pip: httpx2 -->``: with the ``serve`` extra and another package;
* ``<!-- install: postgres,s3; not run: needs a server of yours -->``: named, not run, and why;
* ``<!-- not run: why -->``: not an example to run (a file shown, a sketch).

A python block whose first line is ``# some/file.py`` is that file: it is written there, not run
as a step of the example (``driftline run`` or ``python`` runs it where the text says so).
Here the python blocks run in-process, in the full development environment, in order, one
namespace per document; ``tests/test_install.py`` runs the marked blocks on the installs they name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXTRAS = (
    "base",
    "serve",
    "ui",
    "postgres",
    "s3",
    "ray",
    "lightgbm",
    "tune",
    "backtest",
    "torch",
    "dev",
)
FENCE = re.compile(r"^```(python|console)\n(.*?)^```", flags=re.S | re.M)
MARKER = re.compile(r"<!--\s*(.*?)\s*-->")
FILE_LINE = re.compile(r"# ([\w./-]+\.py)\n")


@dataclass(frozen=True)
class Block:
    """A fenced example of a document, with what its marker says."""

    path: Path
    line: int
    lang: str
    text: str
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    @property
    def installs(self) -> frozenset[str]:
        """The extras the block needs (``base`` for the plain install)."""
        found = re.search(r"install:\s*([\w, -]+)", self.marker or "")
        return frozenset(x.strip() for x in found.group(1).split(",")) if found else frozenset()

    @property
    def packages(self) -> list[str]:
        """Packages the block needs besides driftline (``pip: httpx2``)."""
        found = re.search(r"pip:\s*([\w\[\], .=<>-]+)", self.marker or "")
        return [x.strip() for x in found.group(1).split(",")] if found else []

    @property
    def not_run(self) -> str | None:
        """Why the block is not run, or ``None`` when it is."""
        found = re.search(r"not run:\s*(.*)", self.marker or "")
        return found.group(1).strip() if found else None

    @property
    def file(self) -> str | None:
        """The file a python block defines (its first line ``# name.py``), if it is one."""
        found = FILE_LINE.match(self.text) if self.lang == "python" else None
        return found.group(1) if found else None


def blocks(path: Path) -> list[Block]:
    """The python and console blocks of ``path``, in order, each with the comment above it."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.fullmatch(before.strip())
        line = text.count("\n", 0, match.start()) + 1
        found.append(
            Block(path, line, match.group(1), match.group(2), marker.group(1) if marker else None)
        )
    return found


def python_blocks(path: Path) -> list[str]:
    return [b.text for b in blocks(path) if b.lang == "python"]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_example_names_its_install(path: Path) -> None:
    for block in blocks(path):
        assert block.marker is not None, f"{block.where}: no <!-- install: ... --> above the block"
        assert block.installs or block.not_run, f"{block.where}: {block.marker!r} names no install"
        assert block.installs <= set(EXTRAS), f"{block.where}: unknown extra in {block.marker!r}"
        assert block.not_run != "", f"{block.where}: 'not run' without a reason"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_python_examples_run_in_order(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(path):
        if block.lang != "python" or (block.not_run and not block.installs):
            continue
        if block.file:  # a file the text runs later: written, and run once on its own
            target = tmp_path / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            exec(compile(block.text, str(target), "exec"), {"__name__": "__main__"})
            continue
        exec(compile(block.text, block.where, "exec"), namespace)


def test_the_readme_pipeline_file_only_defines_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (block,) = [b for b in blocks(ROOT / "README.md") if b.file == "pipelines/train.py"]
    namespace: dict[str, object] = {"__name__": "pipelines.train"}
    before = set(tmp_path.iterdir())
    exec(compile(block.text, block.where, "exec"), namespace)
    from driftline.pipeline import Pipeline

    assert isinstance(namespace["pipeline"], Pipeline)
    assert "Workspace" not in block.text  # it defines, it runs nothing
    assert ".run(" not in block.text
    assert set(tmp_path.iterdir()) == before
    assert "pandas" not in block.text  # a plain install has no pandas


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
