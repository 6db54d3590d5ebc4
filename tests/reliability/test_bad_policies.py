"""Bad policy files are refused before anything runs: exit 2, the key named, nothing stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.components.conftest import make_table
from tests.conftest import WorkspaceMaker, stored_state
from tests.policy.policy_files import BAD_POLICIES, good_policy, mutated, write_policy
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

COMMANDS = (("controller", "--once"), ("trigger", "train"))


def _stored(folder: Path) -> object:
    """Every file of a workspace and every row of its database: to show nothing changed."""
    return stored_state(folder)


# the refusals are the policy checks' own, alike on either backend (the dataset schema they read
# comes through the metadata store, whose backends tests/store covers): one backend tells it all
@pytest.mark.parametrize("backend", ["sqlite"])
def test_bad_policy_files_are_refused_naming_the_key(
    trial: Trial, run: Any, tmp_path: Path, new_workspace: WorkspaceMaker
) -> None:
    trial.tries(
        f"{len(BAD_POLICIES)} mutations of a good policy file (unknown keys, bad types, unsafe "
        "names, unknown columns, a cron that never fires, bad trainers and trainer parameters, "
        "negative numbers) through `driftline controller --once` and `driftline trigger train`"
    )
    folder = tmp_path / "ws"
    with new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0), label="label")
    good = write_policy(tmp_path / "good.toml", good_policy())
    accepted = run("trigger", "train", "--policy", str(good), "-w", str(folder))
    assert accepted.code == 0, accepted  # the good policy is accepted: each mutation is the fault
    before = _stored(folder)
    tracebacks = 0
    for number, (what, change, key) in enumerate(BAD_POLICIES):
        file = write_policy(tmp_path / f"bad-{number:02d}.toml", mutated(change))
        for command in COMMANDS:
            with trial.attempt():
                res = run(*command, "--policy", str(file), "-w", str(folder))
                tracebacks += "Traceback" in res.err + res.out
                lines = [line for line in res.err.splitlines() if line.strip()]
                assert res.code == 2, (what, command, res)
                assert len(lines) == 1, (what, command, res.err)
                assert lines[0].startswith(f"error: {file}: "), (what, command, res.err)
                assert key in lines[0], (what, key, res.err)
                assert "internal error" not in res.err, (what, res.err)
    after = _stored(folder)
    trial.lost(0 if after == before else 1)
    assert after == before
    assert tracebacks == 0
    trial.found(
        f"{trial.survived} of {trial.tried} commands refused with exit 2 and one line naming the "
        f"file and the key; {tracebacks} tracebacks; the workspace's files and database rows "
        "unchanged"
    )
