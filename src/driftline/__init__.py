"""driftline: keep machine-learning models right while the world changes.

Importing ``driftline`` is cheap: it reads no file or environment variable and imports no optional
dependency. Names are loaded on first use.

Examples:
    >>> import driftline as dl
    >>> dl.__version__ == dl.version()
    True

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__version__ = "0.1.0"

_LAZY = {
    "Workspace": "driftline.workspace",
    "Settings": "driftline.core.settings",
    "DriftlineError": "driftline.core.errors",
    "ArtifactQuery": "driftline.store.queries",
    "ExecutionQuery": "driftline.store.queries",
    "ContextQuery": "driftline.store.queries",
    "Artifact": "driftline.store.records",
    "Execution": "driftline.store.records",
    "Context": "driftline.store.records",
    "ExecutionState": "driftline.store.records",
    "ArtifactState": "driftline.store.records",
    "step": "driftline.pipeline",
    "Pipeline": "driftline.pipeline",
    "RayRunner": "driftline.pipeline.ray_runner",
    "Model": "driftline.models",
    "Spans": "driftline.data.artifact_types",
    "steps": "module:driftline.components",
}

__all__ = [
    "Artifact",
    "ArtifactQuery",
    "ArtifactState",
    "Context",
    "ContextQuery",
    "DriftlineError",
    "Execution",
    "ExecutionQuery",
    "ExecutionState",
    "Model",
    "Pipeline",
    "RayRunner",
    "Settings",
    "Spans",
    "Workspace",
    "__version__",
    "step",
    "steps",
    "version",
]

if TYPE_CHECKING:
    from driftline import components as steps
    from driftline.core.errors import DriftlineError
    from driftline.core.settings import Settings
    from driftline.data.artifact_types import Spans
    from driftline.models import Model
    from driftline.pipeline import Pipeline, step
    from driftline.pipeline.ray_runner import RayRunner
    from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
    from driftline.store.records import (
        Artifact,
        ArtifactState,
        Context,
        Execution,
        ExecutionState,
    )
    from driftline.workspace import Workspace


def version() -> str:
    """The installed version of driftline."""
    return __version__


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
