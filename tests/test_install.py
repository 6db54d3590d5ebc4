"""Every example runs on the install it names, in a fresh virtualenv.

The checkout is built into a wheel once; a new virtualenv gets ``pip install driftline`` from it
with no extras. There the README's blocks marked ``install: base`` run in order in one folder, as
a reader would: a python block that is a file (``# make_data.py``) is written there, a console
block's ``$`` commands run in one ``bash`` (each must exit 0; what they print is not compared:
``tests/test_readme_loop.py`` compares the loop's). Then each document's ``install: base`` python
blocks run as one script with the virtualenv's python. Then the ``serve`` extra is installed into
the same virtualenv (``pip install 'driftline[serve]'``, as the README says) and the blocks
marked ``serve`` run the same way, the README's in the same folder, after the base ones.

A ``pip install driftline`` or ``pip install 'driftline[...]'`` line installs the built wheel
instead of the published package. Extras whose examples are not run here are listed in
``NOT_RUN`` with the reason; tests/test_docs.py checks that every block names its install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_docs import DOCS, ROOT, Block, blocks
from tests.test_readme_loop import PORT, Command, commands, free_port, script, split

pytestmark = [pytest.mark.slow, pytest.mark.install]

RUN = ("base", "serve")  # installed in this order, each on top of the one before
NOT_RUN = {
    "postgres": "needs a PostgreSQL server of the reader's (the suite's [postgres] tests use it)",
    "s3": "needs an S3 bucket of the reader's (the suite's s3 tests use moto)",
    "ui": "no example block uses it",
    "ray": "Ray is large and starts a cluster",
    "lightgbm": "no example block uses it",
    "tune": "no example block uses it",
    "backtest": "its examples are commands on Elec2 and river's streams (not run)",
    "torch": "PyTorch is large; the full environment runs its examples",
    "dev": "the development install itself (make test)",
}
PIP_LINE = re.compile(r"pip install (?:driftline|'driftline\[([\w,]+)\]')(?=\s|$)")


def test_every_named_install_is_run_or_says_why() -> None:
    named = {x for path in DOCS for b in blocks(path) for x in b.installs}
    assert named <= set(RUN) | set(NOT_RUN), named - set(RUN) - set(NOT_RUN)
    readme = blocks(ROOT / "README.md")
    assert any("base" in b.installs and not b.not_run for b in readme)


def runnable(block: Block, installed: tuple[str, ...]) -> bool:
    """Whether ``block`` runs once ``installed`` are (and needs the last of them)."""
    return (
        not block.not_run
        and block.installs <= set(installed)
        and (installed[-1] in block.installs or installed == ("base",))
    )


def environment(venv: Path) -> dict[str, str]:
    """A reader's shell: the virtualenv first on PATH, no driftline settings of this process."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTLINE_", "VIRTUAL_ENV"))}
    here = str(Path(sys.executable).parent)
    path = [p for p in keep.get("PATH", "").split(os.pathsep) if p and p != here]
    keep.pop("PYTHONPATH", None)
    keep.update(
        PATH=os.pathsep.join([str(venv / "bin"), *path]),
        VIRTUAL_ENV=str(venv),
        PYTHONUNBUFFERED="1",
        COLUMNS="100",
        NO_COLOR="1",
    )
    return keep


def as_commands(block: Block, wheel: Path) -> list[str]:
    """The shell commands of a README block: a file block writes its file."""
    if block.lang == "python":
        assert block.file, f"{block.where}: a README python block must be a file (# name.py)"
        folder = os.path.dirname(block.file) or "."
        return [f"mkdir -p {folder} && cat > {block.file} <<'EXAMPLE_EOF'\n{block.text}EXAMPLE_EOF"]
    found = [c.text for c in commands(f"```console\n{block.text}```")]
    return [PIP_LINE.sub(lambda m: pip_line(wheel, m.group(1)), c) for c in found]


def pip_line(wheel: Path, extras: str | None) -> str:
    return f"python -m pip install -q '{wheel}{f'[{extras}]' if extras else ''}'"


def run_shell(steps: list[str], folder: Path, env: dict[str, str]) -> None:
    """Run ``steps`` in one bash in ``folder``; each must exit 0."""
    port = free_port()
    process = subprocess.run(
        ["bash", "-c", script([Command(s, []) for s in steps], port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    printed, codes = split(process.stdout, len(steps))
    for n, step in enumerate(steps):
        assert codes[n] == "0", f"$ {step.replace(PORT, port)}\n(exit {codes[n]})\n" + "\n".join(
            printed[n]
        )


def run_python_docs(installed: tuple[str, ...], venv: Path, tmp: Path) -> list[str]:
    """Each document's python blocks for ``installed`` as one script; the documents run."""
    ran = []
    for path in DOCS[1:]:
        found = [b for b in blocks(path) if b.lang == "python" and runnable(b, installed)]
        if not found:
            continue
        packages = sorted({p for b in found for p in b.packages})
        if packages:  # what the text asks for besides driftline
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *packages]
            subprocess.run(pip, env=environment(venv), check=True)
        folder = tmp / f"{path.stem}-{installed[-1]}"
        folder.mkdir()
        source = "\n".join(b.text for b in found)
        (folder / "example.py").write_text(source, encoding="utf-8")
        process = subprocess.run(
            [str(venv / "bin" / "python"), "example.py"],
            cwd=folder,
            env=environment(venv),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert process.returncode == 0, (
            f"{path.name} ({', '.join(b.where for b in found)}) on {installed}:\n"
            + process.stderr[-3000:]
        )
        ran.append(path.name)
    return ran


@pytest.mark.timeout(1800)
def test_examples_run_on_the_install_they_name(tmp_path: Path) -> None:
    started = time.monotonic()
    wheels = tmp_path / "wheel"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", wheels, ROOT], check=True)
    (wheel,) = wheels.glob("driftline-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    reader = tmp_path / "reader"  # the reader's folder, with the checkout's examples
    reader.mkdir()
    (reader / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    env = environment(venv)
    readme = blocks(ROOT / "README.md")
    ran: dict[str, list[str]] = {}
    for n, extra in enumerate(RUN):
        installed = RUN[: n + 1]
        if extra == "base":
            run_shell([pip_line(wheel, None)], tmp_path, env)
            probe = "import importlib.util as u; print(u.find_spec('pandas') is None)"
            out = subprocess.run(
                [venv / "bin" / "python", "-c", probe], env=env, capture_output=True, text=True
            )
            assert out.stdout.strip() == "True", "the base install brought pandas"
        steps = [c for b in readme if runnable(b, installed) for c in as_commands(b, wheel)]
        assert steps, f"no README block for {extra}"
        run_shell(steps, reader, env)
        ran[extra] = run_python_docs(installed, venv, tmp_path)
    assert ran["serve"] == ["serving.md"]
    assert (reader / ".driftline").is_dir()  # the first hour's workspace
    assert (reader / "loop" / "week3.jsonl").is_file()  # the loop ran there too
    print(f"examples on {RUN} ran in {time.monotonic() - started:.0f}s; docs: {ran}")
