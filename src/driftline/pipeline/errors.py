"""The errors of pipelines, steps and runs.

The tree (under :mod:`driftline.core.errors`)::

    InputError
    ├── PipelineDefinitionError    a step or pipeline that cannot be built or wired
    ├── ParameterError             a run parameter that is unknown, ambiguous or of a wrong type
    ├── PipelineFileError          a pipeline file that fails to load, or has no or several
    ├── AmbiguousRunError          a run prefix that several runs share (lists them)
    └── NotFoundError
        └── RunNotFoundError       no run has that id or prefix (or ``resume=`` names no run
                                   of this pipeline)
    DriftlineError
    ├── StepFailedError            a step raised; the run is recorded as FAILED (exit code 1)
    └── StepAbort                  a step stops the run on purpose, attaching artifacts (a report)

Examples:
    >>> from driftline.core.errors import InputError
    >>> issubclass(PipelineDefinitionError, InputError), issubclass(StepFailedError, InputError)
    (True, False)

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftline.core.errors import DriftlineError, InputError, NotFoundError

if TYPE_CHECKING:
    from driftline.pipeline.result import RunResult

__all__ = [
    "AmbiguousRunError",
    "ParameterError",
    "PipelineDefinitionError",
    "PipelineFileError",
    "RunNotFoundError",
    "StepAbort",
    "StepFailedError",
]


class PipelineDefinitionError(InputError):
    """A step or a pipeline that cannot be built: a missing annotation, a cycle, a bad wire."""


class ParameterError(InputError):
    """A run parameter that is unknown, ambiguous, missing or of the wrong type."""


class PipelineFileError(InputError):
    """A pipeline file that cannot be imported, or that holds no pipeline or several."""


class RunNotFoundError(NotFoundError):
    """No run has the given id (or it is a run of another pipeline)."""


class AmbiguousRunError(InputError):
    """A run prefix that more than one run starts with.

    Attributes:
        candidates: the ids of the runs it could mean, newest first.

    """

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class StepFailedError(DriftlineError):
    """A step of a run failed; the run and its executions are recorded as FAILED.

    Attributes:
        result: the :class:`~driftline.pipeline.RunResult` of the run (``None`` if unknown).

    """

    def __init__(self, message: str, result: RunResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class StepAbort(DriftlineError):
    """Raised by a step to stop the run on purpose, recording why and what it found.

    The step's execution is FAILED with this message, like any error, but each value of
    ``attach`` is stored first with its artifact type and recorded as an output of the failed
    execution, so the evidence (e.g. the anomalies that blocked training) is part of the run.

    Args:
        message: why the step stopped.
        attach: output port name -> ``(artifact type, value)``.

    Examples:
        >>> from driftline.pipeline.artifact_types import JsonType
        >>> err = StepAbort("2 blocking anomalies", attach={"anomalies": (JsonType, [1, 2])})
        >>> str(err), list(err.attach)
        ('2 blocking anomalies', ['anomalies'])

    """

    def __init__(self, message: str, attach: Mapping[str, tuple[Any, Any]] | None = None) -> None:
        super().__init__(message)
        self.attach: dict[str, tuple[Any, Any]] = dict(attach or {})
