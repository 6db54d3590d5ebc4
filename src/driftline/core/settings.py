"""Settings: where a workspace keeps its metadata and artifacts.

Settings come from the workspace's ``driftline.toml`` and from ``DRIFTLINE_*`` environment
variables (which win). They are read only at the edge (the CLI calls :meth:`Settings.load` with
``os.environ``); nothing is read at import.

The workspace file::

    [store]
    metadata = "sqlite:///metadata.db"      # or postgresql+psycopg://user:pw@host/db
    artifacts = "artifacts"                  # or s3://bucket/prefix

Relative SQLite paths and relative artifact folders are taken from the workspace folder.

Environment variables: ``DRIFTLINE_WORKSPACE`` (the workspace folder), ``DRIFTLINE_METADATA_URL``,
``DRIFTLINE_ARTIFACTS_URL``, ``DRIFTLINE_INIT`` and ``DRIFTLINE_DEBUG`` (see :data:`ENV_VARS`). An
unknown ``DRIFTLINE_*`` variable is named in a warning on stderr (once per process), not refused.

With both ``DRIFTLINE_METADATA_URL`` and ``DRIFTLINE_ARTIFACTS_URL`` set and no ``driftline.toml``
in the workspace folder, the workspace is defined by the environment alone
(:attr:`Settings.from_env`): nothing is read from or written to that folder, which need not exist.

Examples:
    >>> s = Settings.load("/srv/ws", env={"DRIFTLINE_ARTIFACTS_URL": "s3://bucket/dl"})
    >>> s.metadata_url, s.artifacts_url
    ('sqlite:////srv/ws/metadata.db', 's3://bucket/dl')

"""

from __future__ import annotations

import difflib
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.core.errors import ConfigError
from driftline.core.urls import url_scheme

__all__ = [
    "DEFAULT_WORKSPACE",
    "ENV_VARS",
    "POLICY_SECTIONS",
    "SETTINGS_FILE",
    "Settings",
    "env_flag",
    "portable_url",
    "unknown_variable_warnings",
]

DEFAULT_WORKSPACE = ".driftline"
"""The workspace folder used when none is given."""

SETTINGS_FILE = "driftline.toml"
"""The file that marks a folder as a workspace and holds its settings."""

ENV_VARS = {
    "DRIFTLINE_WORKSPACE": "the workspace folder",
    "DRIFTLINE_METADATA_URL": "the metadata database URL",
    "DRIFTLINE_ARTIFACTS_URL": "the artifact store URL",
    "DRIFTLINE_DEBUG": "show tracebacks (1/true)",
    "DRIFTLINE_INIT": "create a workspace defined by the environment on first use (1/true)",
    "DRIFTLINE_SERVE_TOKEN": "the bearer token of `driftline serve`'s mutating endpoints",
    "DRIFTLINE_FEEDBACK_TOKEN": "the bearer token of `driftline serve`'s feedback endpoint",
    "DRIFTLINE_POLICY": "the policy file (default: driftline.toml at the project root)",
}
"""The environment variables driftline reads, and what each means."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_warned: set[str] = set()


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """Whether the variable ``name`` is set to a true value (1, true, yes, on) in ``env``.

    Examples:
        >>> env_flag({"DRIFTLINE_INIT": "True"}, "DRIFTLINE_INIT"), env_flag({}, "DRIFTLINE_INIT")
        (True, False)

    """
    return env.get(name, "").strip().lower() in _TRUE


def unknown_variable_warnings(env: Mapping[str, str]) -> list[str]:
    """One warning for each ``DRIFTLINE_*`` variable in ``env`` that driftline does not read.

    Each names the variable, the closest known one when there is one, and all known ones.

    Examples:
        >>> unknown_variable_warnings({"DRIFTLINE_DEGUB": "1", "HOME": "/"})[0].split(";")[0]
        'warning: unknown environment variable DRIFTLINE_DEGUB (did you mean DRIFTLINE_DEBUG?)'

    """
    out = []
    for name in sorted(k for k in env if k.startswith("DRIFTLINE_") and k not in ENV_VARS):
        tails = {known.removeprefix("DRIFTLINE_"): known for known in ENV_VARS}
        close = difflib.get_close_matches(name.removeprefix("DRIFTLINE_"), list(tails), n=1)
        hint = f" (did you mean {tails[close[0]]}?)" if close else ""
        out.append(
            f"warning: unknown environment variable {name}{hint}; ignored. driftline reads "
            + ", ".join(sorted(ENV_VARS))
        )
    return out


def _warn_unknown(env: Mapping[str, str]) -> None:
    """Print each unknown variable's warning on stderr, once per process."""
    for name, text in zip(
        sorted(k for k in env if k.startswith("DRIFTLINE_") and k not in ENV_VARS),
        unknown_variable_warnings(env),
        strict=True,
    ):
        if name not in _warned:
            _warned.add(name)
            print(text, file=sys.stderr)


_STORE_KEYS = {"metadata": "metadata database URL", "artifacts": "artifact store URL or folder"}
_SECTIONS = {"store": _STORE_KEYS}

POLICY_SECTIONS = frozenset({"model", "window", "trigger", "gate", "rollout", "cooldown"})
"""Sections of ``driftline.toml`` that hold the policy: checked by the policy reader, not here."""


def _resolve_metadata(url: str, folder: Path) -> str:
    """Make a relative SQLite path absolute against the workspace folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:" and not rest.startswith(":"):
            return prefix + str(folder / rest)
    return url


def _resolve_artifacts(url: str, folder: Path) -> str:
    """Make a relative artifact folder absolute against the workspace folder."""
    scheme = url_scheme(url)
    if scheme == "file":
        url = url[len("file://") :]
        scheme = ""
    if not scheme:
        path = Path(url).expanduser()
        return str(path if path.is_absolute() else folder / path)
    return url


def portable_url(url: str, folder: Path) -> str:
    """``url`` as ``driftline.toml`` records it: a local path inside ``folder`` relative to it.

    A local artifact folder or SQLite file is first made absolute against the current folder (as
    a shell reads a relative path); one inside the workspace folder is then recorded relative to
    it, so that the workspace can be moved or copied. Other URLs are returned unchanged.

    Examples:
        >>> ws = Path("/srv/ws")
        >>> portable_url("/srv/ws/artifacts", ws), portable_url("file:///srv/ws/a/b", ws)
        ('artifacts', 'a/b')
        >>> portable_url("sqlite:////srv/ws/metadata.db", ws), portable_url("/data/art", ws)
        ('sqlite:///metadata.db', '/data/art')
        >>> portable_url("s3://bucket/dl", ws)
        's3://bucket/dl'

    """
    sqlite = "sqlite:///"
    if url.startswith(sqlite):
        rest = url[len(sqlite) :]
        if not rest or rest.startswith(":") or "?" in rest:
            return url
        full = _absolute(rest)
        return sqlite + (_inside(full, folder) or str(full))
    scheme = url_scheme(url)
    if scheme == "file" and url.startswith("file:///"):
        full = _absolute(url[len("file://") :])
        return _inside(full, folder) or url
    if not scheme:
        full = _absolute(url)
        return _inside(full, folder) or str(full)
    return url


def _absolute(path: str) -> Path:
    return Path(os.path.normpath(Path(path).expanduser().absolute()))


def _inside(full: Path, folder: Path) -> str | None:
    """``full`` relative to ``folder`` (POSIX form) when it lies strictly inside it, else None."""
    base = _absolute(str(folder))
    if full == base or not full.is_relative_to(base):
        return None
    return full.relative_to(base).as_posix()


@dataclass(frozen=True)
class Settings:
    """Where one workspace keeps its state.

    Attributes:
        workspace: the workspace folder (absolute).
        metadata_url: SQLAlchemy URL of the metadata database.
        artifacts_url: fsspec URL (or local folder) of the artifact store.
        debug: show tracebacks on errors.
        sources: where each value came from (``default``, the file, or the variable).
        from_env: the workspace is defined by the environment alone (both store URLs set, no
            ``driftline.toml`` in :attr:`workspace`): nothing is kept in that folder.

    """

    workspace: Path
    metadata_url: str
    artifacts_url: str
    debug: bool = False
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    from_env: bool = False

    @property
    def where(self) -> str:
        """The workspace in words: its folder, or the environment that alone defines it.

        Examples:
            >>> Settings.defaults("/srv/ws").where
            '/srv/ws'

        """
        if self.from_env:
            return "the environment (DRIFTLINE_METADATA_URL, DRIFTLINE_ARTIFACTS_URL)"
        return str(self.workspace)

    @classmethod
    def defaults(cls, workspace: str | os.PathLike[str]) -> Settings:
        """The settings of a workspace folder with nothing configured."""
        folder = Path(workspace).expanduser().absolute()
        return cls(
            workspace=folder,
            metadata_url=f"sqlite:///{folder / 'metadata.db'}",
            artifacts_url=str(folder / "artifacts"),
            sources={"metadata_url": "default", "artifacts_url": "default"},
        )

    @classmethod
    def load(
        cls,
        workspace: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Read the settings of a workspace.

        Args:
            workspace: the workspace folder; else ``DRIFTLINE_WORKSPACE``; else ``./.driftline``.
            env: the environment to read ``DRIFTLINE_*`` variables from (``os.environ`` at the
                edge; nothing by default, so that library calls never read the environment).

        An unknown ``DRIFTLINE_*`` variable is named on stderr (once per process) and ignored.

        Raises:
            ConfigError: a bad ``driftline.toml``.

        """
        env = dict(env or {})
        _warn_unknown(env)
        chosen = workspace if workspace is not None else env.get("DRIFTLINE_WORKSPACE")
        base = cls.defaults(chosen if chosen else DEFAULT_WORKSPACE)
        values = {"metadata_url": base.metadata_url, "artifacts_url": base.artifacts_url}
        sources = dict(base.sources)
        file_values = read_settings_file(base.workspace / SETTINGS_FILE)
        store = file_values.get("store", {})
        origin = str(base.workspace / SETTINGS_FILE)
        if "metadata" in store:
            values["metadata_url"] = _resolve_metadata(store["metadata"], base.workspace)
            sources["metadata_url"] = origin
        if "artifacts" in store:
            values["artifacts_url"] = _resolve_artifacts(store["artifacts"], base.workspace)
            sources["artifacts_url"] = origin
        for key, var in (
            ("metadata_url", "DRIFTLINE_METADATA_URL"),
            ("artifacts_url", "DRIFTLINE_ARTIFACTS_URL"),
        ):
            if env.get(var):
                values[key] = env[var]
                sources[key] = var
        from_env = not file_values and all(
            env.get(v) for v in ("DRIFTLINE_METADATA_URL", "DRIFTLINE_ARTIFACTS_URL")
        )
        from_env = from_env and not (base.workspace / SETTINGS_FILE).exists()
        # a relative artifact folder is read from the workspace folder, or, when the environment
        # alone defines the workspace, from the current folder (as a shell reads it)
        values["artifacts_url"] = _resolve_artifacts(
            values["artifacts_url"], Path.cwd() if from_env else base.workspace
        )
        debug = env_flag(env, "DRIFTLINE_DEBUG")
        return cls(
            workspace=base.workspace, debug=debug, sources=sources, from_env=from_env, **values
        )


def read_settings_file(path: Path) -> dict[str, dict[str, str]]:
    """Parse and check a workspace ``driftline.toml``; a missing file gives ``{}``.

    Raises:
        ConfigError: the file is not valid TOML, or holds an unknown section, key or a non-string.

    """
    try:
        with open(path, "rb") as f:
            data: dict[str, Any] = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    out: dict[str, dict[str, str]] = {}
    for section, table in data.items():
        if section in POLICY_SECTIONS:
            continue
        allowed = _SECTIONS.get(section)
        if allowed is None:
            raise ConfigError(
                f"{path}: unknown section [{section}]; allowed: "
                + ", ".join(f"[{s}]" for s in sorted([*_SECTIONS, *POLICY_SECTIONS]))
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key, value in table.items():
            if key not in allowed:
                raise ConfigError(
                    f"{path}: unknown key {section}.{key}; allowed: " + ", ".join(sorted(allowed))
                )
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    f"{path}: {section}.{key} must be a non-empty string ({allowed[key]}), "
                    f"got {value!r}"
                )
        out[section] = dict(table)
    return out
