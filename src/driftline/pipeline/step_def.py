"""Steps: typed Python functions whose annotations are their contract.

``@step`` reads a function's signature once, when it is defined:

* a parameter annotated with an artifact type (see :mod:`.artifact_types`) is an **input**,
  bound to another step's output or to a run input;
* a parameter annotated with a JSON-able type (see :mod:`.params`) is a **parameter**, settable
  per run; its default, if any, is used otherwise;
* a parameter annotated :class:`~driftline.pipeline.context.StepContext` makes it a **driver
  step**, run by the orchestrator with access to the workspace (see :mod:`.context`);
* the return annotation is one artifact type (one output, named after the step), a ``NamedTuple``
  or dataclass whose fields are artifact types (one output per field), or ``None`` (no output).

A parameter or return without an annotation, ``*args``/``**kwargs``, or an annotation that is
neither kind is a :class:`~driftline.pipeline.errors.PipelineDefinitionError` naming the function
and the parameter.

Examples:
    >>> from driftline.pipeline.artifact_types import JsonArtifact, Metrics
    >>> @step
    ... def evaluate(predictions: JsonArtifact, threshold: float = 0.5) -> Metrics:
    ...     return {"share": sum(p > threshold for p in predictions) / len(predictions)}
    >>> [p.name for p in evaluate.inputs], [p.name for p in evaluate.params]
    (['predictions'], ['threshold'])
    >>> evaluate([0.2, 0.9])
    {'share': 0.5}

"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import inspect
import sys
import textwrap
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from driftline.core.errors import InputError
from driftline.pipeline.artifact_types import artifact_type_of
from driftline.pipeline.context import StepContext
from driftline.pipeline.errors import PipelineDefinitionError
from driftline.pipeline.params import is_parameter_type
from driftline.store.records import check_kind

__all__ = ["InputPort", "OutputPort", "ParamSpec", "Step", "code_version_of", "step"]

_NO_DEFAULT: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class InputPort:
    """An input of a step: a parameter annotated with an artifact type."""

    name: str
    type: Any


@dataclass(frozen=True)
class OutputPort:
    """An output of a step: its return value, or one field of a NamedTuple/dataclass return."""

    name: str
    type: Any


@dataclass(frozen=True)
class ParamSpec:
    """A parameter of a step: a JSON-able annotation and an optional default."""

    name: str
    annotation: Any
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        """Whether a run must set it (it has no default)."""
        return self.default is _NO_DEFAULT


_artifact_type = artifact_type_of


def _source(func: Callable[..., Any]) -> str:
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        code = func.__code__
        return repr((code.co_code, code.co_consts, code.co_names, code.co_varnames))
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


@functools.cache
def _driftline_version() -> str:
    try:
        return importlib.metadata.version("driftline")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def code_version_of(func: Callable[..., Any]) -> str:
    """A hash of a function's normalised source and of the driftline version.

    The source is dedented, without trailing spaces or blank lines. This is what a cached result
    depends on besides its inputs and parameters.

    Functions without source (built in a REPL) hash their bytecode and constants instead.

    Examples:
        >>> def f() -> None:
        ...     pass
        >>> len(code_version_of(f)), code_version_of(f) == code_version_of(f)
        (64, True)

    """
    text = f"driftline {_driftline_version()}\n{_source(func)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hints(
    func: Callable[..., Any], name: str, localns: Mapping[str, Any] | None
) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, localns=dict(localns or {}), include_extras=True)
    except Exception as exc:
        raise PipelineDefinitionError(
            f"step {name!r}: the annotations of {func.__qualname__} cannot be resolved: {exc}"
        ) from exc


def _outputs(
    func: Callable[..., Any], name: str, annotation: Any, localns: Mapping[str, Any] | None
) -> tuple[OutputPort, ...]:
    where = f"step {name!r} ({func.__qualname__})"
    if annotation is None or annotation is type(None):
        return ()
    single = _artifact_type(annotation)
    if single is not None:
        return (OutputPort(name, single),)
    fields: list[str] | None = None
    if isinstance(annotation, type) and issubclass(annotation, tuple):
        fields = list(getattr(annotation, "_fields", ())) or None
    elif isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        fields = [f.name for f in dataclasses.fields(annotation)]
    if fields is None:
        raise PipelineDefinitionError(
            f"{where}: the return annotation must be an artifact type, a NamedTuple or "
            f"dataclass of artifact types, or None; got {annotation!r}"
        )
    hints = typing.get_type_hints(annotation, localns=dict(localns or {}), include_extras=True)
    ports = []
    for field in fields:
        kind = _artifact_type(hints.get(field))
        if kind is None:
            raise PipelineDefinitionError(
                f"{where}: output field {field!r} of {annotation.__name__} must be annotated "
                f"with an artifact type, got {hints.get(field)!r}"
            )
        ports.append(OutputPort(field, kind))
    return tuple(ports)


class Step:
    """A step: a typed function, its inputs, parameters and outputs, and whether it caches.

    Build one with :func:`step`. Calling a step calls the function. ``localns`` resolves
    string annotations that name local classes (``@step`` passes its caller's locals).

    Examples:
        >>> from driftline.pipeline.artifact_types import JsonArtifact
        >>> @step(name="double", cache=False)
        ... def double_numbers(numbers: JsonArtifact, times: int = 2) -> JsonArtifact:
        ...     return [n * times for n in numbers]
        >>> double_numbers.name, double_numbers.cache, double_numbers.outputs[0].name
        ('double', False, 'double')

    """

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        cache: bool = True,
        localns: Mapping[str, Any] | None = None,
    ):
        if not callable(func):
            raise PipelineDefinitionError(f"@step needs a function, got {func!r}")
        self.func = func
        self.name = name if name is not None else func.__name__
        try:
            check_kind(self.name, f"the name of step {func.__qualname__}")
        except InputError as exc:
            raise PipelineDefinitionError(f"{exc} (pass @step(name=...))") from None
        if not isinstance(cache, bool):
            raise PipelineDefinitionError(
                f"step {self.name!r}: cache must be a bool, got {cache!r}"
            )
        self.cache = cache
        hints = _hints(func, self.name, localns)
        where = f"step {self.name!r} ({func.__qualname__})"
        inputs: list[InputPort] = []
        params: list[ParamSpec] = []
        self.context_param: str | None = None
        for p in inspect.signature(func).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise PipelineDefinitionError(f"{where}: *{p.name} is not allowed in a step")
            if p.name not in hints:
                raise PipelineDefinitionError(
                    f"{where}: parameter {p.name!r} has no annotation (every parameter of a "
                    f"step needs one: an artifact type for an input, or a JSON type)"
                )
            if hints[p.name] is StepContext:
                if self.context_param is not None:
                    raise PipelineDefinitionError(
                        f"{where}: only one parameter may be a StepContext"
                    )
                self.context_param = p.name
                continue
            kind = _artifact_type(hints[p.name])
            if kind is not None:
                if p.default is not _NO_DEFAULT:
                    raise PipelineDefinitionError(
                        f"{where}: input {p.name!r} cannot have a default"
                    )
                inputs.append(InputPort(p.name, kind))
            elif is_parameter_type(hints[p.name]):
                params.append(ParamSpec(p.name, hints[p.name], p.default))
            else:
                raise PipelineDefinitionError(
                    f"{where}: parameter {p.name!r} is annotated {hints[p.name]!r}, which is "
                    f"neither an artifact type nor a JSON parameter type"
                )
        if "return" not in hints:
            raise PipelineDefinitionError(
                f"{where}: the return value has no annotation (use an artifact type, a "
                f"NamedTuple of them, or None)"
            )
        self.inputs: tuple[InputPort, ...] = tuple(inputs)
        self.params: tuple[ParamSpec, ...] = tuple(params)
        self.outputs: tuple[OutputPort, ...] = _outputs(func, self.name, hints["return"], localns)
        self._return = hints["return"]
        self.code_version = code_version_of(func)
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    @property
    def driver(self) -> bool:
        """Whether this is a driver step (it takes a ``StepContext``; see :mod:`.context`)."""
        return self.context_param is not None

    @property
    def multiple_outputs(self) -> bool:
        """Whether the return annotation is a NamedTuple or dataclass of outputs."""
        return _artifact_type(self._return) is None and bool(self.outputs)

    def inputs_by_name(self) -> dict[str, Any]:
        """Each input's artifact type, by input name."""
        return {p.name: p.type for p in self.inputs}

    def split_outputs(self, value: Any) -> dict[str, Any]:
        """The value of each output port from what the function returned.

        Raises:
            InputError: a multi-output step returned something without the output fields.

        """
        if not self.outputs:
            return {}
        if not self.multiple_outputs:
            return {self.outputs[0].name: value}
        try:
            return {port.name: getattr(value, port.name) for port in self.outputs}
        except AttributeError as exc:
            raise InputError(
                f"step {self.name!r} must return a {getattr(self._return, '__name__', '?')} "
                f"with fields {[p.name for p in self.outputs]}, got {type(value).__name__}"
            ) from exc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the step's function."""
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<step {self.name}>"

    def describe(self) -> Mapping[str, Any]:
        """A JSON-ready summary: inputs, parameters and outputs with their types."""
        return {
            "name": self.name,
            "inputs": {p.name: getattr(p.type, "kind", "?") for p in self.inputs},
            "params": [p.name for p in self.params],
            "outputs": {p.name: getattr(p.type, "kind", "?") for p in self.outputs},
            "cache": self.cache,
            "driver": self.driver,
        }


@overload
def step(func: Callable[..., Any], /) -> Step: ...
@overload
def step(
    *, name: str | None = None, cache: bool = True
) -> Callable[[Callable[..., Any]], Step]: ...
def step(
    func: Callable[..., Any] | None = None, /, *, name: str | None = None, cache: bool = True
) -> Step | Callable[[Callable[..., Any]], Step]:
    """Make a typed function a pipeline step: ``@step`` or ``@step(name=..., cache=...)``.

    Raises:
        PipelineDefinitionError: a missing or unsupported annotation, naming the function and
            the parameter; a bad step name.

    Examples:
        >>> from driftline.pipeline.artifact_types import JsonArtifact
        >>> @step
        ... def broken(numbers, times: int = 2) -> JsonArtifact:
        ...     return numbers
        Traceback (most recent call last):
        ...
        driftline.pipeline.errors.PipelineDefinitionError: step 'broken' (broken): parameter \
'numbers' has no annotation (every parameter of a step needs one: an artifact type for an \
input, or a JSON type)

    """
    if func is not None:
        return Step(func, name=name, cache=cache, localns=sys._getframe(1).f_locals)

    def decorate(f: Callable[..., Any]) -> Step:
        return Step(f, name=name, cache=cache, localns=sys._getframe(1).f_locals)

    return decorate
