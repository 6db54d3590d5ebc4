"""A workspace defined by environment variables alone (a container's way to configure it).

With ``DRIFTLINE_METADATA_URL`` and ``DRIFTLINE_ARTIFACTS_URL`` set and no ``driftline.toml`` in
the workspace folder, the two URLs are the workspace: nothing is read from or written to a
folder. Such a workspace exists once its metadata database holds driftline's tables:
``driftline init`` (with the variables set) creates them, or any command with
``DRIFTLINE_INIT=1`` on first use. :meth:`Workspace.open <driftline.workspace.Workspace.open>` and
:meth:`Workspace.init_from_env <driftline.workspace.Workspace.init_from_env>` call these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from driftline.core.errors import ConfigError, WorkspaceExistsError, WorkspaceNotFoundError
from driftline.core.settings import SETTINGS_FILE, Settings, env_flag
from driftline.core.urls import redact_url

__all__ = ["init_from_env", "open_from_env"]

W = TypeVar("W")
Connect = Callable[[Settings, bool], W]
"""Opens the stores of some settings, creating them when the flag is true."""


def _where(settings: Settings) -> str:
    return f"the metadata database of DRIFTLINE_METADATA_URL ({redact_url(settings.metadata_url)})"


def open_from_env(connect: Connect[W], settings: Settings, env: Mapping[str, str]) -> W:
    """Open the workspace ``settings`` (from the environment) name; create it if DRIFTLINE_INIT.

    Raises:
        WorkspaceNotFoundError: the database holds no workspace and ``DRIFTLINE_INIT`` is not
            set, naming both ways to create it.

    """
    try:
        return connect(settings, False)
    except WorkspaceNotFoundError:
        if not env_flag(env, "DRIFTLINE_INIT"):
            raise WorkspaceNotFoundError(
                f"{_where(settings)} holds no driftline workspace yet; create it with "
                "`driftline init` (with DRIFTLINE_METADATA_URL and DRIFTLINE_ARTIFACTS_URL set "
                "as now), or set DRIFTLINE_INIT=1 to create it on first use"
            ) from None
    return connect(settings, True)


def init_from_env(connect: Connect[W], env: Mapping[str, str], close: Callable[[W], None]) -> W:
    """Create the workspace the environment alone defines; nothing is written to a folder.

    Raises:
        ConfigError: ``env`` does not define a workspace by itself.
        WorkspaceExistsError: the database holds a workspace already (nothing is changed).

    """
    settings = Settings.load(None, env=env)
    if not settings.from_env:
        raise ConfigError(
            "a workspace defined by the environment needs both DRIFTLINE_METADATA_URL and "
            f"DRIFTLINE_ARTIFACTS_URL set, and no {SETTINGS_FILE} in {settings.workspace}"
        )
    try:
        existing = connect(settings, False)
    except WorkspaceNotFoundError:
        return connect(settings, True)
    close(existing)
    raise WorkspaceExistsError(
        f"{_where(settings)} already holds a driftline workspace; nothing was changed"
    )
