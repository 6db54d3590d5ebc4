"""The README's loop runs as written and prints what the README shows.

The console blocks of the section "The loop in a dozen commands" are one shell session: each
``$ `` line (with the indented lines after it) is a command, the lines after it until the next
command are what it prints. The commands run in order, in one ``bash``, in a temporary folder
that holds a link to ``examples/``, with this virtualenv's ``driftline`` first on ``PATH`` and the
README's port replaced by a free one. What each command prints must match the README: ``...`` on
a line of its own stands for any lines, inside a line for any text, and clock times may differ.
A command that ends with ``&`` runs in the background: what the README shows under it must come
out later, in order.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_docs import ROOT

README = ROOT / "README.md"
SECTION = "## The loop in a dozen commands"
PORT = "8080"
MARK = "@@readme-loop"
TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\dZ?")
WIDTH = "100"  # the terminal width the README's tables were printed at


@dataclass
class Command:
    text: str
    shown: list[str]

    @property
    def background(self) -> bool:
        return self.text.rstrip().endswith("&")


def section(text: str) -> str:
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else len(text)]


def console_blocks(text: str) -> list[str]:
    return re.findall(r"```console\n(.*?)```", text, flags=re.S)


def commands(text: str) -> list[Command]:
    """The commands of the console blocks, each with the lines shown after it."""
    found: list[Command] = []
    for block in console_blocks(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append(Command(line[2:], []))
            elif line.startswith(" ") and found and not found[-1].shown:
                found[-1].text += "\n" + line  # a command's continuation
            elif found:
                found[-1].shown.append(line.rstrip())
    return found


def pattern(line: str) -> str:
    """A shown line as a regular expression: ``...`` is any text, clock times any time."""
    line = TIME.sub("TIME", line)
    return ".*".join(re.escape(part) for part in line.split("..."))


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether the printed lines are the shown ones (``...`` alone: any lines)."""
    parts = [r"(?:[^\n]*\n)*?" if s == "..." else pattern(s) + r"\n" for s in shown]
    text = "".join(TIME.sub("TIME", p) + "\n" for p in printed)
    return re.fullmatch("".join(parts), text) is not None


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def script(steps: list[Command], port: str) -> str:
    lines = []
    for n, step in enumerate(steps):
        lines += [f"echo; echo '{MARK} {n}'", step.text.replace(PORT, port)]
        lines.append(f'echo; echo "{MARK} {n} exit $?"')
    return "\n".join(lines) + "\n"


def split(output: str, count: int) -> tuple[list[list[str]], list[str]]:
    """Each command's printed lines (blank lines around them dropped), and exit codes."""
    printed: list[list[str]] = [[] for _ in range(count)]
    codes = ["missing"] * count
    current = None
    for line in output.splitlines():
        if line.startswith(MARK):
            words = line.split()
            if len(words) == 4:
                codes[int(words[1])] = words[3]
                current = None
            else:
                current = int(words[1])
            continue
        if current is not None:
            printed[current].append(line.rstrip())
    for lines in printed:
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
    return printed, codes


def test_the_loop_section_has_the_commands() -> None:
    steps = commands(section(README.read_text(encoding="utf-8")))
    said = " ".join(s.text for s in steps)
    for what in ("driftline ingest", "driftline controller", "driftline serve", "/feedback"):
        assert what in said, what
    assert "driftline rollout status" in said
    assert any(s.background for s in steps)
    assert str(README.resolve().parent) not in said  # no absolute path of this checkout


def test_the_policy_shown_is_the_example() -> None:
    text = section(README.read_text(encoding="utf-8"))
    (shown,) = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    assert shown == (ROOT / "examples" / "loop_policy.toml").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_readme_loop_runs_as_written(tmp_path: Path) -> None:
    assert shutil.which("curl"), "the README's loop needs curl"
    steps = commands(section(README.read_text(encoding="utf-8")))
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",  # lines come out as on a terminal
        COLUMNS=WIDTH,
        NO_COLOR="1",
    )
    port = free_port()
    process = subprocess.Popen(
        ["bash", "-c", script(steps, port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=840)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the server, if the README did not stop it
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    printed, codes = split(output, len(steps))
    report = "\n".join(
        f"$ {s.text}\n  (exit {codes[n]})\n" + "\n".join(printed[n]) for n, s in enumerate(steps)
    )
    assert codes == ["0"] * len(steps), report
    later: list[str] = []  # what background commands print comes out under later commands
    for n, step in enumerate(steps):
        shown = [line.replace(PORT, port) for line in step.shown]
        if step.background:
            later += shown
            continue
        lines = printed[n]
        while later and lines and matches([later[0]], [lines[0]]):
            later.pop(0)
            lines = lines[1:]
        assert matches(shown, lines), (
            f"$ {step.text}\nREADME:\n" + "\n".join(shown) + "\nprinted:\n" + "\n".join(lines)
        )
    assert not later, f"background output never came: {later}"
