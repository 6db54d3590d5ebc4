"""The workspace: where one deployment keeps its state (a metadata database and an artifact store).

:class:`Workspace` (in :mod:`driftline.workspace.workspace`) is the facade the CLI and users open;
:mod:`driftline.workspace.reports` holds what it reports about itself.
"""

from __future__ import annotations

from driftline.workspace.reports import VerifyResult, WorkspaceStatus
from driftline.workspace.workspace import Workspace

__all__ = ["VerifyResult", "Workspace", "WorkspaceStatus"]
