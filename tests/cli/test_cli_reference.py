"""docs/cli.md is generated from the CLI; one job has one option name on every command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from driftline.cli.examples import EXAMPLES
from driftline.cli.main import cli, main
from driftline.cli.reference import MARKER, commands, render, write

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli.md"
ALL = [(path, command) for path, command in commands(cli)]
SUBCOMMANDS = [(path, command) for path, command in ALL if path != "driftline"]


def _visible(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


def test_docs_cli_md_is_generated_from_the_cli() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert MARKER in text, "docs/cli.md lost its marker line"
    assert text.split(MARKER)[1] == render(cli).split(MARKER)[1], (
        "docs/cli.md is out of date: run python -m driftline.cli.reference --write docs/cli.md"
    )


def test_the_generator_keeps_the_head_and_lists_every_command(tmp_path: Path) -> None:
    target = tmp_path / "cli.md"
    target.write_text("# Head\n\nhand-written\n", encoding="utf-8")
    assert write(target, cli)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Head\n\nhand-written\n\n" + MARKER)
    for path, _ in SUBCOMMANDS:
        assert f"### `{path}`" in text
    assert "`--limit`" in text
    assert "`--last`" not in text  # hidden aliases stay out
    assert not write(target, cli)  # a second run changes nothing


# The jobs: each has one canonical spelling; `claims` says which options do that job.
JOBS: dict[str, tuple[str, str | None]] = {
    "JSON output": ("--json", None),
    "HTML output": ("--html", None),
    "row limit": ("--limit", None),
    "params": ("--param", "-p"),
    "policy file": ("--policy", None),
    "workspace": ("--workspace", "-w"),
}


def _job(option: click.Option) -> str | None:
    """Which job an option does, judged by its value and help, not by its name."""
    help_text = (option.help or "").lower()
    metavar = (option.metavar or "").upper()
    takes_value = not option.is_flag
    if takes_value and ("JSON" in metavar or re.search(r"\bjson\b", help_text)):
        return "JSON output"
    if takes_value and (".HTML" in metavar or re.search(r"\bhtml\b", help_text)):
        return "HTML output"
    if isinstance(option.type, click.types.IntParamType) and re.match(
        r"(show|list|print)\b.*\b(last|latest|newest)\b", help_text
    ):
        return "row limit"
    if metavar == "KEY=VALUE":
        return "params"
    if isinstance(option.type, click.Path) and re.search(r"\bpolicy\b", help_text):
        return "policy file"
    if "workspace folder" in help_text:
        return "workspace"
    return None


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_same_job_same_name(path: str, command: click.Command) -> None:
    for option in _visible(command):
        job = _job(option)
        if job is None:
            continue
        name, short = JOBS[job]
        assert name in option.opts, f"{path}: {option.opts[0]} does {job}: call it {name}"
        if short is not None:
            assert short in option.opts, f"{path}: {name} needs its short form {short}"


def test_a_short_option_means_one_thing_everywhere() -> None:
    meaning: dict[str, set[str]] = {}
    for _, command in ALL:
        for option in _visible(command):
            longs = [o for o in option.opts if o.startswith("--")]
            for short in (o for o in option.opts if not o.startswith("--")):
                meaning.setdefault(short, set()).update(longs)
    assert {s: m for s, m in meaning.items() if len(m) != 1} == {}


def test_json_is_one_option_with_an_optional_file() -> None:
    for path, command in ALL:
        for option in _visible(command):
            if "--json" in option.opts:
                assert (option.metavar, option.flag_value) == ("[FILE]", "-"), path


@pytest.mark.parametrize(("path", "command"), SUBCOMMANDS, ids=[p for p, _ in SUBCOMMANDS])
def test_every_option_and_argument_is_described(path: str, command: click.Command) -> None:
    assert command.help, path
    assert "Examples:" in command.help, f"{path}: add its examples to driftline.cli.examples"
    assert "Exit codes" not in (command.epilog or ""), f"{path}: exit codes are in driftline --help"
    for option in _visible(command):
        assert option.help, f"{path}: {option.opts[0]} has no help"
    helped = command.help + " " + (command.short_help or "")
    for argument in (p for p in command.params if isinstance(p, click.Argument)):
        words = re.findall(r"[A-Z_]{2,}", argument.human_readable_name)
        assert any(w in helped for w in words), f"{path}: the help does not say what {words} is"


def test_examples_name_real_commands() -> None:
    paths = {path.removeprefix("driftline ") for path, _ in SUBCOMMANDS} | {"driftline"}
    assert set(EXAMPLES) == paths
    for path, lines in EXAMPLES.items():
        for line in lines:
            assert line.startswith("driftline "), line
            if path != "driftline":
                assert line.startswith(f"driftline {path} ") or line == f"driftline {path}"


def test_exit_codes_are_in_the_top_help_once(run: Any) -> None:
    res = run("--help")
    assert res.code == 0
    assert res.out.count("Exit codes") == 1
    assert "3  a service is unreachable" in res.out
    assert "Examples:" in res.out
    assert "Exit codes" not in run("drift", "--help").out


def test_status_last_still_works_and_warns(run: Any, ws: Any) -> None:
    new = run("status", "--limit", "3", "--json", "-w", str(ws.settings.workspace))
    assert new.code == 0, new.err
    assert "deprecated" not in new.err
    old = run("status", "--last", "3", "--json", "-w", str(ws.settings.workspace))
    assert old.code == 0, old.err
    assert old.out == new.out
    assert old.err.splitlines() == [
        "warning: --last is deprecated and will be removed; use --limit"
    ]


def test_json_takes_a_file(run: Any, ws: Any, tmp_path: Path) -> None:
    import json

    target = tmp_path / "status.json"
    res = run("status", "--json", str(target), "-w", str(ws.settings.workspace))
    assert res.code == 0, res.err
    assert res.out == ""
    assert isinstance(json.loads(target.read_text(encoding="utf-8")), dict)
    assert f"wrote {target}" in res.err
    dash = run("status", "--json", "-", "-w", str(ws.settings.workspace))
    assert json.loads(dash.out) == json.loads(target.read_text(encoding="utf-8"))


def test_json_never_writes_over_an_argument_it_swallowed(run: Any, ws: Any, tmp_path: Path) -> None:
    # `verify --json 12` meant "verify artifact 12 as JSON"; 12 must not become a file, and a
    # data file named after --json must survive untouched
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    res = run("verify", "--json", str(data), "-w", str(ws.settings.workspace))
    assert res.code == 2
    assert "is not a .json file" in res.err
    assert data.read_text(encoding="utf-8") == "a,b\n1,2\n"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F"), ("zsh", "#compdef driftline"), ("fish", "complete")],
)
def test_completion_scripts_come_from_main(
    shell: str, marker: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("_DRIFTLINE_COMPLETE", f"{shell}_source")
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert marker in out
    assert "_DRIFTLINE_COMPLETE" in out


def test_one_spelling_of_flavor_in_docs_and_help(run: Any) -> None:
    texts = {
        p.name: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *ROOT.glob("docs/*.md")]
    }
    texts.update({path: run(*path.split()[1:], "--help").out for path, _ in ALL})
    assert [name for name, text in texts.items() if "flavour" in text.lower()] == []


def test_a_bad_method_names_the_option_and_the_column(run: Any, tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("date,x\n2026-01-01,1\n2026-01-02,2\n", encoding="utf-8")
    res = run("drift", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--method", "x=nope")
    assert res.code == 2, res
    assert "--method for column 'x' must be one of 'ks'" in res.err
    assert "methods[" not in res.err


@pytest.mark.parametrize(
    ("option", "job"),
    [
        (
            click.Option(["--report"], metavar="FILE.html", help="Write an HTML report."),
            "HTML output",
        ),
        (click.Option(["--out"], help="Write the result as JSON to FILE."), "JSON output"),
        (click.Option(["--last"], type=int, help="Show the last N executions."), "row limit"),
        (click.Option(["--set"], metavar="KEY=VALUE", help="A parameter."), "params"),
        (click.Option(["--rules"], type=click.Path(), help="The policy file."), "policy file"),
        (click.Option(["--png"], metavar="FILE.png", help="Write the plot as PNG."), None),
    ],
)
def test_the_job_is_judged_by_value_and_help_not_by_name(
    option: click.Option, job: str | None
) -> None:
    assert _job(option) == job


@pytest.mark.parametrize(
    "line", [line for lines in EXAMPLES.values() for line in lines], ids=lambda line: line
)
def test_every_example_parses(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = shlex.split(line)[1:]
    for arg in args:  # the files an example names, as its reader would have them
        if re.fullmatch(r"[\w.-]+\.(toml|csv)", arg):
            (tmp_path / arg).write_text("", encoding="utf-8")
    command: click.Command = cli
    name = "driftline"
    while isinstance(command, click.Group) and args and args[0] in command.commands:
        name = args.pop(0)
        command = command.commands[name]
    with command.make_context(name, args) as ctx:
        assert ctx.params is not None
