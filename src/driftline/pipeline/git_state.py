"""The git commit a pipeline's code is at, recorded with each run.

When the file that defines a pipeline is inside a git work tree, a run records the commit
(``git rev-parse HEAD``) and whether tracked files differ from it (``git status --porcelain
--untracked-files=no``; untracked files do not count). Git runs with a short timeout in the
file's folder; when git is not installed, the folder is not in a repository, the repository has
no commit yet, or git is slow, nothing is recorded and the run goes on.

Examples:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(git_state(folder))  # not a repository
    None

"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitState", "git_state"]

_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class GitState:
    """A commit and whether the work tree's tracked files differ from it."""

    commit: str
    dirty: bool


def _git(folder: Path, *args: str) -> str | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(path: str | os.PathLike[str] | None) -> GitState | None:
    """The git commit of the file or folder ``path``, or ``None`` when there is none to tell.

    Never raises: any failure of git means ``None``.
    """
    if path is None:
        return None
    place = Path(path)
    folder = place if place.is_dir() else place.parent
    if not folder.is_dir():
        return None
    head = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None or not head.strip():
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    if status is None:
        return None
    return GitState(head.strip(), bool(status.strip()))
