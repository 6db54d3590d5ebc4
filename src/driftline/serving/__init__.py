"""The model server: Open Inference Protocol v2 and MLflow's scoring protocol over HTTP.

Importing this package is cheap (no Starlette, no numpy); names load on first use.

=====================================  ============================================================
:func:`create_app`                     the Starlette (ASGI) application; run it with uvicorn
:class:`ServedModel`                   one version of a named model (a ``LoadedModel``)
:class:`ModelTable`                    versions by name, the default per name; atomic swaps
:class:`VersionChooser`                the hook that picks a version per request (rollouts)
:class:`WeightedChooser`               a chooser that splits traffic by weight
:class:`Metrics`                       the Prometheus counters and latency histogram
:class:`RequestError`                  a refused request: a 4xx status and a message
:class:`Access`                        the server's tokens and what each opens
:class:`FeedbackLimits`                the bounds on feedback: size, labels, labels per minute
:class:`Durability`                    when a prediction or label is acknowledged: buffered, durable
=====================================  ============================================================

Examples:
    >>> import driftline.serving as serving
    >>> sorted(serving.__all__)[:3]
    ['Access', 'Durability', 'FeedbackLimits']

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "Access",
    "Durability",
    "FeedbackLimits",
    "Metrics",
    "ModelEntry",
    "ModelTable",
    "RequestError",
    "ServedModel",
    "VersionChooser",
    "WeightedChooser",
    "create_app",
]

_LAZY = {
    "Access": "driftline.serving.access",
    "Durability": "driftline.monitor.logs.durability",
    "FeedbackLimits": "driftline.serving.limits",
    "Metrics": "driftline.serving.metrics",
    "ModelEntry": "driftline.serving.table",
    "ModelTable": "driftline.serving.table",
    "RequestError": "driftline.serving.errors",
    "ServedModel": "driftline.serving.table",
    "VersionChooser": "driftline.serving.table",
    "WeightedChooser": "driftline.serving.table",
    "create_app": "driftline.serving.app",
}

if TYPE_CHECKING:
    from driftline.monitor.logs.durability import Durability
    from driftline.serving.access import Access
    from driftline.serving.app import create_app
    from driftline.serving.errors import RequestError
    from driftline.serving.limits import FeedbackLimits
    from driftline.serving.metrics import Metrics
    from driftline.serving.table import (
        ModelEntry,
        ModelTable,
        ServedModel,
        VersionChooser,
        WeightedChooser,
    )

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
