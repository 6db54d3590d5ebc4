"""Executing one step: a pure function of (step, inputs by URI, parameters) to outputs by URI.

:func:`execute_step` is what every runner calls, in this process or another one: it reads the
inputs from the artifact store (checking their SHA-256), calls the step's function, writes each
output through its artifact type (atomic, hashed) and returns where they are. It never touches
the metadata store; the orchestrator records the outcome. A step's own error is *returned*, not
raised, so that it can cross a process boundary as text.

Examples:
    >>> import tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.pipeline.artifact_types import JsonArtifact
    >>> from driftline.pipeline.step_def import step
    >>> @step
    ... def numbers(n: int = 3) -> JsonArtifact:
    ...     return list(range(n))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = ArtifactStore(folder).create()
    ...     outcome = execute_step(StepCall(numbers, "run-1", {}, {"n": 2}), store)
    ...     out = outcome.outputs["numbers"]
    ...     data = store.read_bytes(out.uri, out.sha256)
    >>> outcome.ok, data
    (True, b'[0,1]')

"""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftline.pipeline.artifact_types import artifact_type_of, extension_of
from driftline.pipeline.errors import StepAbort
from driftline.pipeline.params import check_value
from driftline.pipeline.step_def import Step
from driftline.pipeline.step_metrics import returned_metrics
from driftline.store.artifacts.active import using_store

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore

__all__ = ["ArtifactRef", "StepCall", "StepOutcome", "call_step", "execute_step", "failure"]

_TRACEBACK_LINES = 40


@dataclass(frozen=True)
class ArtifactRef:
    """An artifact as a runner ships it: by URI, with its SHA-256 and recorded properties."""

    kind: str
    uri: str
    sha256: str
    size: int
    properties: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class StepCall:
    """One step to execute: the step, its inputs by port, and its parameters (JSON form)."""

    step: Step
    run_id: str
    inputs: Mapping[str, ArtifactRef]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class StepOutcome:
    """What executing a step gave: its outputs by port and metrics, or the error it raised."""

    outputs: Mapping[str, ArtifactRef]
    seconds: float
    error: str | None = None
    traceback: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the step finished without error."""
        return self.error is None


def _summary(exc: BaseException) -> str:
    lines = "".join(traceback.format_exception(exc)).splitlines()
    if len(lines) > _TRACEBACK_LINES:
        lines = [lines[0], "  ...", *lines[-(_TRACEBACK_LINES - 2) :]]
    return "\n".join(lines)


def _write(
    call: StepCall, port: str, kind_type: Any, value: Any, artifacts: ArtifactStore
) -> ArtifactRef:
    kind = kind_type.kind
    key = artifacts.new_key(kind, f"{call.step.name}-{port}{extension_of(kind_type)}")
    with artifacts.writer(key) as out:
        properties = dict(kind_type.save(value, out))
    stored = out.result
    return ArtifactRef(kind, stored.uri, stored.sha256, stored.size, properties)


def call_step(call: StepCall, artifacts: ArtifactStore, **extra: Any) -> dict[str, Any]:
    """Load the inputs, check the parameters, call the step; return its value per output port.

    ``extra`` adds keyword arguments (a driver step's context). The call runs with ``artifacts``
    as the active store (see :mod:`driftline.store.artifacts.active`).
    """
    s = call.step
    with using_store(artifacts):
        kwargs: dict[str, Any] = dict(extra)
        types = s.inputs_by_name()
        for port, ref in call.inputs.items():
            label = f"input {port!r} of step {s.name!r}"
            with artifacts.open(ref.uri, ref.sha256, label=label) as reader:
                kwargs[port] = types[port].load(reader, ref.properties)
        for p in s.params:
            kwargs[p.name] = check_value(p.annotation, call.params[p.name], f"{s.name}.{p.name}")
        return s.split_outputs(s.func(**kwargs))


def failure(
    call: StepCall, exc: Exception, started: float, artifacts: ArtifactStore
) -> StepOutcome:
    """The outcome of a step that raised ``exc``; a :class:`StepAbort`'s attachments are stored.

    An attachment that cannot be stored is reported in the error, after the step's own error.
    """
    error = f"{type(exc).__name__}: {exc}"
    attached: dict[str, ArtifactRef] = {}
    if isinstance(exc, StepAbort):
        error = str(exc)
        try:
            for port, (kind_type, value) in exc.attach.items():
                found = artifact_type_of(kind_type)
                attached[port] = _write(call, port, found or kind_type, value, artifacts)
        except Exception as also:
            error += f" (and its attachment could not be stored: {type(also).__name__}: {also})"
    return StepOutcome(
        attached, time.perf_counter() - started, error=error, traceback=_summary(exc)
    )


def execute_step(call: StepCall, artifacts: ArtifactStore) -> StepOutcome:
    """Load the inputs, call the step, save the outputs; return where they are, or the error.

    The numbers of ``Metrics`` outputs are the outcome's ``metrics``. Exceptions from loading,
    the step or saving become ``StepOutcome.error`` (with a traceback
    summary); ``KeyboardInterrupt`` and ``SystemExit`` propagate. A
    :class:`~driftline.pipeline.errors.StepAbort` is an error whose attachments are stored and
    returned as the outcome's outputs.
    """
    started = time.perf_counter()
    s = call.step
    try:
        values = call_step(call, artifacts)
        outputs = {
            port.name: _write(call, port.name, port.type, values[port.name], artifacts)
            for port in s.outputs
        }
        metrics = returned_metrics(s, values)
    except Exception as exc:
        return failure(call, exc, started, artifacts)
    return StepOutcome(outputs, time.perf_counter() - started, metrics=metrics)
