r"""The ``Examples:`` section of every command's help, kept in one table.

:func:`add_examples` appends each command's lines to its help (in a ``\b`` block, so click
keeps them as written); a command missing from the table fails ``tests/cli``.
"""

from __future__ import annotations

import inspect

import click

__all__ = ["EXAMPLES", "add_examples"]

EXAMPLES: dict[str, tuple[str, ...]] = {
    "driftline": (
        "driftline init",
        "driftline ingest elec2 elec2.csv --label class --time date",
        "driftline drift elec2:1 elec2:2 --html drift.html",
        "driftline status --limit 10 --json",
    ),
    "backtest": (
        "driftline backtest elec2.csv.gz --policy elec2.toml --html elec2.html",
        "driftline backtest river:Hyperplane --rows 2400 --baselines all --json report.json",
        "driftline backtest river:SEA --rows 5000 --save",
    ),
    "controller": (
        "driftline controller --once",
        "driftline controller --policy driftline.toml --tick 60 -p train.epochs=5",
    ),
    "drift": (
        "driftline drift elec2:1 elec2:2",
        "driftline drift old.csv new.csv --html drift.html --json drift.json",
        "driftline drift elec2:1 elec2:2 --method price=psi --fail-on-drift",
    ),
    "explain": (
        "driftline explain churn",
        "driftline explain churn --since 2026-05-01 --until 2026-05-08 --window 6h",
        "driftline explain churn --json why.json",
    ),
    "ingest": (
        "driftline ingest elec2 elec2.csv --label class --time date",
        "driftline ingest elec2 part-*.parquet --key id --json",
    ),
    "init": (
        "driftline init",
        "driftline init ./ws --metadata-url postgresql://db/driftline --artifacts-url s3://bucket/dl",
        "driftline init --policy",
    ),
    "lineage": (
        "driftline lineage churn@champion",
        "driftline lineage elec2:3 --down --depth 2",
        "driftline lineage '#12' --full --json lineage.json",
    ),
    "monitor": (
        "driftline monitor churn",
        "driftline monitor churn --since 2026-05-01 --window 6h --html churn-monitor.html",
        "driftline monitor churn --version 4 --json monitor.json",
    ),
    "models": (
        "driftline models list",
        "driftline models promote churn:4 --reason 'better on May'",
    ),
    "models card": (
        "driftline models card churn:4",
        "driftline models card churn@champion --html churn.html",
        "driftline models card churn:4 --json",
    ),
    "models list": ("driftline models list", "driftline models list --json models.json"),
    "models promote": (
        "driftline models promote churn:4",
        "driftline models promote churn:4 --alias staging --reason 'canary passed'",
    ),
    "models rollback": (
        "driftline models rollback churn",
        "driftline models rollback churn --reason 'accuracy fell' --json",
    ),
    "models show": ("driftline models show churn", "driftline models show churn:4 --json"),
    "profile": (
        "driftline profile elec2:1",
        "driftline profile data.csv --json profile.json --save data.profile",
    ),
    "rollout": ("driftline rollout start churn:5", "driftline rollout status churn"),
    "rollout abort": ("driftline rollout abort churn --reason 'latency'",),
    "rollout start": (
        "driftline rollout start churn:5",
        "driftline rollout start churn:5 --plan canary --steps 10,50,100 --min-labels 100",
    ),
    "rollout status": ("driftline rollout status", "driftline rollout status churn --json"),
    "run": (
        "driftline run pipeline.py",
        "driftline run pipeline.py --name train -p train.epochs=5 --runner threads",
        "driftline run pipeline.py --resume 3f2a --json",
    ),
    "runs": ("driftline runs list", "driftline runs show 3f2a"),
    "runs list": ("driftline runs list", "driftline runs list --limit 50 --json"),
    "runs show": ("driftline runs show 3f2a", "driftline runs show 3f2a --json run.json"),
    "schema": ("driftline schema infer elec2:1", "driftline schema show elec2"),
    "schema edit": ("driftline schema edit elec2",),
    "schema infer": ("driftline schema infer elec2", "driftline schema infer elec2:3 --json"),
    "schema set": ("driftline schema set elec2 elec2.schema.toml",),
    "schema show": ("driftline schema show elec2", "driftline schema show elec2 --json"),
    "serve": (
        "driftline serve --model churn@champion",
        "driftline serve --host 0.0.0.0 --port 9000 --token-env DRIFTLINE_TOKEN",
        "driftline serve --ui --policy driftline.toml",
    ),
    "spans": ("driftline spans list elec2", "driftline spans release elec2:3 --reason checked"),
    "spans list": ("driftline spans list elec2", "driftline spans list elec2 --json"),
    "spans release": ("driftline spans release elec2:3 --reason 'checked by hand'",),
    "status": ("driftline status", "driftline status --limit 20 --json"),
    "ui": (
        "driftline ui",
        "driftline ui --port 9001 --token-env MY_UI_TOKEN --policy driftline.toml",
    ),
    "trigger": (
        "driftline trigger train --reason 'new data'",
        "driftline trigger train -p train.epochs=5 --json",
    ),
    "validate": (
        "driftline validate elec2 new.csv",
        "driftline validate elec2 elec2:4 --json report.json",
    ),
    "verify": ("driftline verify", "driftline verify churn:4 elec2:3 --json"),
}
"""Command path (without ``driftline``, except the group itself) to its example lines."""


def _walk(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            sub = f"{path} {name}" if path != "driftline" else name
            found.extend(_walk(command.commands[name], sub))
    return found


def add_examples(root: click.Group) -> None:
    """Append the ``Examples:`` section of :data:`EXAMPLES` to every command under ``root``.

    >>> group = click.Group("driftline", help="Top.")
    >>> group.add_command(click.Command("status", help="Show it."))
    >>> add_examples(group)
    >>> "Examples:" in (group.commands["status"].help or "")
    True
    """
    for path, command in _walk(root, "driftline"):
        lines = EXAMPLES.get(path)
        if not lines or "Examples:" in (command.help or ""):
            continue
        block = "\n".join(f"  $ {line}" for line in lines)
        command.help = f"{inspect.cleandoc(command.help or '')}\n\nExamples:\n\n\b\n{block}"
