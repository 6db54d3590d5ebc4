"""The errors of pipelines, steps and runs.

The tree (under :mod:`driftline.core.errors`)::

    InputError
    ├── PipelineDefinitionError    a step or pipeline that cannot be built or wired
    ├── ParameterError             a run parameter that is unknown, ambiguous or of a wrong type
    ├── PipelineFileError          a pipeline file that fails to load, or has no or several
    └── NotFoundError
        └── RunNotFoundError       ``resume=`` names no run of this pipeline
    DriftlineError
    └── StepFailedError            a step raised; the run is recorded as FAILED (exit code 1)

Examples:
    >>> from driftline.core.errors import InputError
    >>> issubclass(PipelineDefinitionError, InputError), issubclass(StepFailedError, InputError)
    (True, False)

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.errors import DriftlineError, InputError, NotFoundError

if TYPE_CHECKING:
    from driftline.pipeline.result import RunResult

__all__ = [
    "ParameterError",
    "PipelineDefinitionError",
    "PipelineFileError",
    "RunNotFoundError",
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


class StepFailedError(DriftlineError):
    """A step of a run failed; the run and its executions are recorded as FAILED.

    Attributes:
        result: the :class:`~driftline.pipeline.RunResult` of the run (``None`` if unknown).

    """

    def __init__(self, message: str, result: RunResult | None = None) -> None:
        super().__init__(message)
        self.result = result
