r"""Where the policy lives: found at the project root, next to the code, by default.

The policy is looked for in this order; the first that names a file wins:

1. the file ``--policy FILE`` names;
2. the file ``DRIFTLINE_POLICY`` names;
3. ``driftline.toml`` in the current folder or the nearest parent folder that holds one (the
   search stops at the folder that holds ``.git``, or at the filesystem root);
4. the policy sections of the workspace's settings file (``.driftline/driftline.toml``): read
   one more release, with a warning to move them to ``./driftline.toml``.

A project's ``driftline.toml`` holds the policy only: the workspace's settings (``[store]``)
stay in the workspace's own settings file. When the two are one file (a workspace whose folder
is the project root), its policy sections are read and ``[store]`` is left to the workspace.

Examples:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / ".git").mkdir(), (root / "src").mkdir()
    >>> text = '[model]\nname = "m"\ndataset = "d"\nlabel = "y"\n'
    >>> _ = (root / "driftline.toml").write_text(text)
    >>> found = find_policy(start=root / "src", env={})
    >>> found.path == root / "driftline.toml", found.origin.value
    (True, 'project')
    >>> read_policy(found).model.name
    'm'
    >>> find_policy(start=root / "src", env={"DRIFTLINE_POLICY": "elsewhere.toml"}).origin.value
    'env'

"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.core.errors import ConfigError
from driftline.core.settings import POLICY_SECTIONS, SETTINGS_FILE

if TYPE_CHECKING:
    from driftline.policy.model import Policy

__all__ = ["POLICY_ENV", "PolicyOrigin", "PolicySource", "find_policy", "read_policy"]

POLICY_ENV = "DRIFTLINE_POLICY"
"""The environment variable that names the policy file."""

_POLICY_ONLY = (*sorted(POLICY_SECTIONS), "backtest")


class PolicyOrigin(Enum):
    """How the policy file was found."""

    OPTION = "option"
    ENV = "env"
    PROJECT = "project"
    WORKSPACE = "workspace"


_HOW = {
    PolicyOrigin.OPTION: "--policy",
    PolicyOrigin.ENV: POLICY_ENV,
    PolicyOrigin.PROJECT: "the project's driftline.toml",
    PolicyOrigin.WORKSPACE: "the workspace's settings file",
}


@dataclass(frozen=True)
class PolicySource:
    """The file the policy comes from, and how it was found.

    Examples:
        >>> src = PolicySource(Path("driftline.toml"), PolicyOrigin.PROJECT)
        >>> src.describe()
        "policy from driftline.toml (the project's driftline.toml)"

    """

    path: Path
    origin: PolicyOrigin
    shared: bool = False
    """Whether the file is also the workspace's settings file (only its policy sections count)."""
    ignored: Path | None = None
    """A workspace settings file whose policy sections this source overrides."""

    @property
    def legacy(self) -> bool:
        """Whether the policy sits in the workspace's settings file (read one more release)."""
        return self.origin is PolicyOrigin.WORKSPACE

    @property
    def base(self) -> Path:
        """The folder the policy's relative paths (watched folders, trainer files) start from."""
        return self.path.resolve().parent

    def describe(self) -> str:
        """One line naming the file and how it was found."""
        return f"policy from {self.path} ({_HOW[self.origin]})"

    def warning(self) -> str | None:
        """What to tell the user about this source on stderr, if anything."""
        if self.ignored is not None:
            return (
                f"warning: the policy sections of the workspace's settings file {self.ignored} "
                f"are ignored: the policy comes from {self.path}; remove them"
            )
        if not self.legacy:
            return None
        return (
            f"warning: the policy is read from the workspace's settings file {self.path}; "
            "this is read one more release: move its ["
            + "], [".join(sorted(POLICY_SECTIONS))
            + "] sections to ./driftline.toml at the project root (see docs/controller.md)"
        )


def _project_file(start: Path) -> tuple[Path | None, list[Path]]:
    """The nearest ``driftline.toml`` from ``start`` upwards, and the folders looked in."""
    looked: list[Path] = []
    folder = start.resolve()
    while True:
        looked.append(folder)
        candidate = folder / SETTINGS_FILE
        if candidate.is_file():
            return candidate, looked
        if (folder / ".git").exists() or folder.parent == folder:
            return None, looked
        folder = folder.parent


def _has_policy(path: Path) -> bool:
    return "model" in _read_toml(path)


def _overridden(ws_file: Path | None) -> Path | None:
    """The workspace's settings file when it still holds a policy that another file overrides."""
    return ws_file if ws_file is not None and _has_policy(ws_file) else None


def find_policy(
    explicit: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    start: str | Path | None = None,
    workspace_settings: str | Path | None = None,
) -> PolicySource:
    """Find the policy file (see the module docstring for the order).

    Args:
        explicit: the file ``--policy`` names, if any.
        env: the environment (``DRIFTLINE_POLICY``); nothing by default.
        start: the folder the project search starts from (the current folder by default).
        workspace_settings: the workspace's settings file, for the fallback (and so that it is
            not taken for a project's file).

    Raises:
        ConfigError: no policy anywhere (naming every place looked), or ``DRIFTLINE_POLICY``
            names a file that does not exist.

    """
    ws_file = Path(workspace_settings).resolve() if workspace_settings is not None else None
    if explicit is not None:
        return PolicySource(Path(explicit), PolicyOrigin.OPTION)
    named = (env or {}).get(POLICY_ENV, "").strip()
    if named:
        return PolicySource(Path(named), PolicyOrigin.ENV, ignored=_overridden(ws_file))
    found, looked = _project_file(Path(start) if start is not None else Path.cwd())
    if found is not None:
        if found.resolve() == ws_file:
            return PolicySource(found, PolicyOrigin.PROJECT, shared=True)
        return PolicySource(found, PolicyOrigin.PROJECT, ignored=_overridden(ws_file))
    if ws_file is not None and _has_policy(ws_file):
        return PolicySource(Path(workspace_settings or ws_file), PolicyOrigin.WORKSPACE, True)
    where = (
        f"{looked[0]}" if len(looked) == 1 else f"{looked[0]} and its parents up to {looked[-1]}"
    )
    also = f", nor policy sections in the workspace's settings file {ws_file}" if ws_file else ""
    raise ConfigError(
        f"no policy found: no --policy FILE, no {POLICY_ENV}, no {SETTINGS_FILE} in {where}"
        f"{also}; write the policy in ./{SETTINGS_FILE} at the project root "
        "(`driftline init --policy` writes a commented one; see docs/controller.md)"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def read_policy(source: PolicySource) -> Policy:
    """Read and check the policy from where :func:`find_policy` found it.

    Raises:
        ConfigError: the file is missing or not TOML, holds a bad policy (naming the key), or a
            project's ``driftline.toml`` holds workspace settings.

    """
    from driftline.policy.model import Policy, load_policy

    if source.origin in (PolicyOrigin.OPTION, PolicyOrigin.ENV):
        if source.origin is PolicyOrigin.ENV and not source.path.is_file():
            raise ConfigError(f"{POLICY_ENV} names {source.path}, which is not a file")
        return load_policy(source.path)
    doc = _read_toml(source.path)
    if source.shared:
        doc = {k: v for k, v in doc.items() if k in _POLICY_ONLY}
    elif "store" in doc:
        raise ConfigError(
            f"{source.path}: [store] is a workspace setting, not part of the policy: keep it in "
            f"the workspace's settings file (.driftline/{SETTINGS_FILE}) or set "
            "DRIFTLINE_METADATA_URL / DRIFTLINE_ARTIFACTS_URL; a project's "
            f"{SETTINGS_FILE} holds the policy: [" + "], [".join(_POLICY_ONLY) + "]"
        )
    return Policy.from_dict(doc, str(source.path))
