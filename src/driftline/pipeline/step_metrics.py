"""The metrics of a step: named numbers recorded with its execution.

A step has metrics in two ways, which add up:

* it **returns** them: an output annotated :class:`~driftline.pipeline.artifact_types.Metrics`
  (a ``dict`` of name to number) is stored as an artifact *and* its numbers are the step's
  metrics; in a step with several outputs, each ``Metrics`` field's numbers are named
  ``FIELD.NAME``;
* it **logs** them: a step that takes a :class:`~driftline.pipeline.context.StepContext` calls
  ``ctx.log_metric("loss", 0.12)`` (a driver step: it runs in the orchestrating process).

They are recorded in the execution's ``metrics`` property (a ``CACHED`` execution repeats the
metrics of the one it reuses), and shown by ``driftline runs show`` and the model card.

Examples:
    >>> check_metric("loss", 1)
    ('loss', 1.0)
    >>> check_metric("loss", float("inf"))
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: metric 'loss' must be a finite number, got inf

"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from driftline.store.records import Execution

__all__ = ["METRICS_PROPERTY", "check_metric", "metrics_of_execution", "returned_metrics"]

METRICS_PROPERTY = "metrics"
"""The execution property that holds a step's metrics (name to number)."""


def check_metric(name: object, value: object) -> tuple[str, float]:
    """A metric's name and value as stored, or an :class:`InputError` naming the bad part."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"a metric name must be a non-empty string, got {name!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"metric {name!r} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InputError(f"metric {name!r} must be a finite number, got {value!r}")
    return name, float(value)


class _Port(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> Any: ...


class _Outputs(Protocol):
    """What :func:`returned_metrics` needs of a step (a :class:`~.step_def.Step`)."""

    @property
    def outputs(self) -> Sequence[_Port]: ...
    @property
    def multiple_outputs(self) -> bool: ...


def returned_metrics(step: _Outputs, values: Mapping[str, Any]) -> dict[str, float]:
    """The metrics a step returned: the numbers of its ``Metrics`` outputs (see above).

    ``values`` are the step's output values by port, as :meth:`Step.split_outputs` gives them.

    Examples:
        >>> from driftline.pipeline.artifact_types import Metrics
        >>> from driftline.pipeline.step_def import step
        >>> @step
        ... def evaluate() -> Metrics:
        ...     return {"auc": 0.9}
        >>> returned_metrics(evaluate, {"evaluate": {"auc": 0.9}})
        {'auc': 0.9}

    """
    found: dict[str, float] = {}
    for port in step.outputs:
        if getattr(port.type, "kind", None) != "metrics":
            continue
        prefix = f"{port.name}." if step.multiple_outputs else ""
        for name, value in dict(values.get(port.name) or {}).items():
            key, number = check_metric(f"{prefix}{name}", value)
            found[key] = number
    return found


def metrics_of_execution(execution: Execution) -> dict[str, float]:
    """The metrics recorded with an execution (empty when it has none)."""
    stored = execution.properties.get(METRICS_PROPERTY)
    if not isinstance(stored, Mapping):
        return {}
    return {str(k): float(v) for k, v in stored.items() if isinstance(v, int | float)}
