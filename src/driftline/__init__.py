"""driftline: keep machine-learning models right while the world changes.

Importing ``driftline`` is cheap: it reads no file or environment variable and imports no optional
dependency. Names are loaded on first use. ``__all__`` lists what users need first: the workspace,
the policy and its controller, the registry, ``compare`` and ``run_backtest``, pipelines and steps.
The store's records and queries (``Artifact``, ``ArtifactQuery``...) are still importable from
here, but live in :mod:`driftline.store.records` and :mod:`driftline.store.queries`.

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
    "Policy": "driftline.policy.model",
    "Controller": "driftline.controller.loop",
    "ModelRegistry": "driftline.registry",
    "compare": "driftline.drift",
    "run_backtest": "driftline.backtest.run",
    "step": "driftline.pipeline",
    "Pipeline": "driftline.pipeline",
    "steps": "module:driftline.components",
    "Model": "driftline.models",
    "Settings": "driftline.core.settings",
    "DriftlineError": "driftline.core.errors",
    # importable for compatibility, not listed in __all__:
    "ArtifactQuery": "driftline.store.queries",
    "ExecutionQuery": "driftline.store.queries",
    "ContextQuery": "driftline.store.queries",
    "Artifact": "driftline.store.records",
    "Execution": "driftline.store.records",
    "Context": "driftline.store.records",
    "ExecutionState": "driftline.store.records",
    "ArtifactState": "driftline.store.records",
    "RayRunner": "driftline.pipeline.ray_runner",
    "Spans": "driftline.data.artifact_types",
}

__all__ = [
    "Controller",
    "DriftlineError",
    "Model",
    "ModelRegistry",
    "Pipeline",
    "Policy",
    "Settings",
    "Workspace",
    "__version__",
    "compare",
    "run_backtest",
    "step",
    "steps",
]

if TYPE_CHECKING:
    from driftline import components as steps
    from driftline.backtest.run import run_backtest
    from driftline.controller.loop import Controller
    from driftline.core.errors import DriftlineError
    from driftline.core.settings import Settings
    from driftline.data.artifact_types import Spans as Spans
    from driftline.drift import compare
    from driftline.models import Model
    from driftline.pipeline import Pipeline, step
    from driftline.pipeline.ray_runner import RayRunner as RayRunner
    from driftline.policy.model import Policy
    from driftline.registry import ModelRegistry
    from driftline.store.queries import ArtifactQuery as ArtifactQuery
    from driftline.store.queries import ContextQuery as ContextQuery
    from driftline.store.queries import ExecutionQuery as ExecutionQuery
    from driftline.store.records import Artifact as Artifact
    from driftline.store.records import ArtifactState as ArtifactState
    from driftline.store.records import Context as Context
    from driftline.store.records import Execution as Execution
    from driftline.store.records import ExecutionState as ExecutionState
    from driftline.workspace import Workspace


def version() -> str:
    """The installed version of driftline."""
    return __version__


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
