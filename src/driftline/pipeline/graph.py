"""Pipelines: a DAG of steps, wired by artifact type (and by name when types are ambiguous).

Wiring, for each input ``x: T`` of each step (checked when the pipeline is built):

1. the candidates are the outputs of the *other* steps whose type is ``T`` (or a subclass);
2. one candidate: it is the producer; several: the one whose output name is ``x`` (a step's
   single output is named after the step), else the input is ambiguous;
3. none: the input is *open* and must be supplied as a run input (``inputs={"x": ...}`` or
   ``{"step.x": ...}``) — unless another step has an output named ``x`` of another type, which
   is a type mismatch.

Also checked: duplicate step names, and cycles. Each error names the step and the input. The
order steps run in is topological and deterministic: among the steps ready to run, the one listed
first in ``Pipeline(name, steps)`` goes first.

Examples:
    >>> from driftline.pipeline.artifact_types import JsonArtifact, Metrics
    >>> from driftline.pipeline.step_def import step
    >>> @step
    ... def evaluate(predictions: JsonArtifact) -> Metrics:
    ...     return {"mean": sum(predictions) / len(predictions)}
    >>> @step
    ... def predict(n: int = 3) -> JsonArtifact:
    ...     return [i / n for i in range(n)]
    >>> p = Pipeline("demo", [evaluate, predict])
    >>> [s.name for s in p.order], p.producer_of("evaluate", "predictions")
    (['predict', 'evaluate'], ('predict', 'predict'))

"""

from __future__ import annotations

import heapq
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from driftline.core.errors import InputError
from driftline.pipeline.artifact_types import type_name
from driftline.pipeline.errors import ParameterError, PipelineDefinitionError
from driftline.pipeline.params import check_value, to_json
from driftline.pipeline.step_def import Step
from driftline.store.records import check_kind

__all__ = ["Pipeline"]

Port = tuple[str, str]  # (step name, port name)


def _compatible(output: Any, wanted: Any) -> bool:
    if output is wanted:
        return True
    return isinstance(output, type) and isinstance(wanted, type) and issubclass(output, wanted)


class Pipeline:
    """A named DAG of steps; see the module docstring for how inputs are wired.

    ``source`` is the file whose code built the pipeline (``None`` outside a file).

    Raises:
        PipelineDefinitionError: a step that is not a ``@step``, a duplicate step name, an
            ambiguous producer, a type mismatch or a cycle, naming the step and the input.

    Examples:
        >>> from driftline.pipeline.artifact_types import JsonArtifact
        >>> from driftline.pipeline.step_def import step
        >>> @step
        ... def a(b: JsonArtifact) -> JsonArtifact:
        ...     return b
        >>> @step
        ... def b(a: JsonArtifact) -> JsonArtifact:
        ...     return a
        >>> Pipeline("loop", [a, b])
        Traceback (most recent call last):
        ...
        driftline.pipeline.errors.PipelineDefinitionError: pipeline 'loop' has a cycle: \
a (input 'b') <- b (input 'a') <- a

    """

    def __init__(self, name: str, steps: Sequence[Step]) -> None:
        try:
            self.name = check_kind(name, "pipeline name")
        except InputError as exc:
            raise PipelineDefinitionError(str(exc)) from None
        given: object = steps
        if isinstance(given, str | bytes) or not isinstance(given, Sequence) or not given:
            raise PipelineDefinitionError(
                f"pipeline {name!r} needs a non-empty list of steps, got {steps!r}"
            )
        seen: dict[str, Step] = {}
        for i, s in enumerate(steps):
            if not isinstance(s, Step):
                raise PipelineDefinitionError(
                    f"pipeline {name!r}: steps[{i}] is {s!r}, not a step (decorate it with @step)"
                )
            if s.name in seen:
                raise PipelineDefinitionError(
                    f"pipeline {name!r}: two steps are named {s.name!r} (use @step(name=...))"
                )
            seen[s.name] = s
        self.steps: tuple[Step, ...] = tuple(steps)
        self._by_name = seen
        made_in = sys._getframe(1).f_code.co_filename
        self.source: str | None = made_in if os.path.isfile(made_in) else None
        self._wires: dict[Port, Port | None] = {}
        for s in self.steps:
            for port in s.inputs:
                self._wires[(s.name, port.name)] = self._wire(s, port.name, port.type)
        self.order: tuple[Step, ...] = self._topological()

    # -- wiring -----------------------------------------------------------------------------

    def _wire(self, consumer: Step, name: str, wanted: Any) -> Port | None:
        where = f"pipeline {self.name!r}: input {name!r} of step {consumer.name!r}"
        candidates = [
            (s.name, out.name)
            for s in self.steps
            if s is not consumer
            for out in s.outputs
            if _compatible(out.type, wanted)
        ]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            named = [c for c in candidates if c[1] == name]
            if len(named) == 1:
                return named[0]
            listed = ", ".join(f"{s}.{o}" for s, o in candidates)
            raise PipelineDefinitionError(
                f"{where} ({type_name(wanted)}) has several producers: {listed}; name the input "
                f"after the output it wants"
            )
        clash = [
            (s.name, out)
            for s in self.steps
            if s is not consumer
            for out in s.outputs
            if out.name == name
        ]
        if clash:
            producer, out = clash[0]
            raise PipelineDefinitionError(
                f"{where} wants {type_name(wanted)}, but output {producer}.{out.name} is "
                f"{type_name(out.type)}"
            )
        return None

    def _topological(self) -> tuple[Step, ...]:
        index = {s.name: i for i, s in enumerate(self.steps)}
        needs: dict[str, set[str]] = {s.name: set() for s in self.steps}
        for (consumer, _), producer in self._wires.items():
            if producer is not None:
                needs[consumer].add(producer[0])
        waiting = {name: len(deps) for name, deps in needs.items()}
        ready = [index[n] for n, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order: list[Step] = []
        while ready:
            current = self.steps[heapq.heappop(ready)]
            order.append(current)
            for name, deps in needs.items():
                if current.name in deps:
                    waiting[name] -= 1
                    if waiting[name] == 0:
                        heapq.heappush(ready, index[name])
        if len(order) < len(self.steps):
            raise PipelineDefinitionError(
                f"pipeline {self.name!r} has a cycle: {self._cycle({s.name for s in order})}"
            )
        return tuple(order)

    def _cycle(self, done: set[str]) -> str:
        left = [s.name for s in self.steps if s.name not in done]
        path: list[tuple[str, str]] = []
        current = left[0]
        visited: list[str] = []
        while current not in visited:
            visited.append(current)
            port, producer = next(
                (p, w[0])
                for (c, p), w in sorted(self._wires.items())
                if c == current and w is not None and w[0] not in done
            )
            path.append((current, port))
            current = producer
        start = visited.index(current)
        parts = [f"{s} (input {p!r})" for s, p in path[start:]]
        return " <- ".join([*parts, current])

    # -- queries ----------------------------------------------------------------------------

    def step_named(self, name: str) -> Step:
        """The step called ``name``.

        Raises:
            InputError: no such step, listing the steps.

        """
        if name not in self._by_name:
            raise InputError(
                f"pipeline {self.name!r} has no step {name!r}; steps: {', '.join(self._by_name)}"
            )
        return self._by_name[name]

    def producer_of(self, step_name: str, input_name: str) -> Port | None:
        """``(step, output)`` that feeds an input, or ``None`` for an open (run) input."""
        return self._wires[(step_name, input_name)]

    @property
    def open_inputs(self) -> tuple[Port, ...]:
        """The ``(step, input)`` pairs no step produces: they must be supplied per run."""
        return tuple(p for s in self.order for p in self._ports(s) if self._wires[p] is None)

    def _ports(self, s: Step) -> list[Port]:
        return [(s.name, i.name) for i in s.inputs]

    def downstream(self, step_name: str) -> set[str]:
        """The names of the steps that depend, directly or not, on ``step_name``."""
        found: set[str] = set()
        frontier = [step_name]
        while frontier:
            current = frontier.pop()
            for (consumer, _), producer in self._wires.items():
                if producer is not None and producer[0] == current and consumer not in found:
                    found.add(consumer)
                    frontier.append(consumer)
        return found

    # -- per-run checks ---------------------------------------------------------------------

    def match_inputs(self, supplied: Mapping[str, Any]) -> dict[Port, str]:
        """Which supplied run input (by key) feeds each open input.

        Keys are ``"input"`` or ``"step.input"`` (the latter wins).

        Raises:
            PipelineDefinitionError: an open input not supplied, or a supplied key that feeds no
                open input, naming them.

        """
        matched: dict[Port, str] = {}
        used: set[str] = set()
        for step_name, port in self.open_inputs:
            qualified = f"{step_name}.{port}"
            key = qualified if qualified in supplied else port if port in supplied else None
            if key is None:
                wanted = type_name(self.step_named(step_name).inputs_by_name()[port])
                raise PipelineDefinitionError(
                    f"pipeline {self.name!r}: input {port!r} of step {step_name!r} ({wanted}) "
                    f"has no producer and is not supplied as a run input "
                    f"(inputs={{{port!r}: <artifact id or value>}})"
                )
            matched[(step_name, port)] = key
            used.add(key)
        extra = sorted(set(supplied) - used)
        if extra:
            opened = ", ".join(f"{s}.{p}" for s, p in self.open_inputs) or "none"
            raise PipelineDefinitionError(
                f"pipeline {self.name!r}: run input {extra[0]!r} feeds no open input "
                f"(open inputs: {opened})"
            )
        return matched

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Each step's parameter values (JSON form) from run params and the defaults.

        Keys are ``"step.param"``, or ``"param"`` to set it in every step that has a parameter
        of that name (``"step.param"`` wins for its step).

        Raises:
            ParameterError: an unknown, ambiguous, missing or ill-typed parameter, naming it.

        Examples:
            >>> from driftline.pipeline.artifact_types import JsonArtifact
            >>> from driftline.pipeline.step_def import step
            >>> @step
            ... def make(n: int = 3, scale: float = 1.0) -> JsonArtifact:
            ...     return [scale] * n
            >>> Pipeline("p", [make]).resolve_params({"make.n": 2})
            {'make': {'n': 2, 'scale': 1.0}}

        """
        if not isinstance(params, Mapping):
            raise ParameterError(f"params must be a mapping of name to value, got {params!r}")
        owners: dict[str, list[str]] = {}
        for s in self.steps:
            for p in s.params:
                owners.setdefault(p.name, []).append(s.name)
        given: dict[tuple[str, str], tuple[str, Any]] = {}
        shared: dict[tuple[str, str], tuple[str, Any]] = {}
        for key, value in params.items():
            if not isinstance(key, str):
                raise ParameterError(f"parameter names must be strings, got {key!r}")
            step_name, dot, bare = key.rpartition(".")
            if dot:
                if step_name not in self._by_name or bare not in {
                    p.name for p in self._by_name[step_name].params
                }:
                    raise ParameterError(self._unknown(key))
                target = (step_name, bare)
                if target in given:
                    raise ParameterError(f"parameter {key} is set twice")
                given[target] = (key, value)
            else:
                if bare not in owners:
                    raise ParameterError(self._unknown(key))
                for owner in owners[bare]:
                    shared[(owner, bare)] = (key, value)
        given = {**shared, **given}
        out: dict[str, dict[str, Any]] = {}
        for s in self.steps:
            values: dict[str, Any] = {}
            for p in s.params:
                what = f"{s.name}.{p.name}"
                if (s.name, p.name) in given:
                    values[p.name] = to_json(
                        check_value(p.annotation, given[(s.name, p.name)][1], what)
                    )
                elif p.required:
                    raise ParameterError(f"parameter {what} has no default and is not set")
                else:
                    values[p.name] = to_json(p.default)
            out[s.name] = values
        return out

    def _unknown(self, key: str) -> str:
        known = [f"{s.name}.{p.name}" for s in self.steps for p in s.params]
        return (
            f"pipeline {self.name!r} has no parameter {key!r}; parameters: "
            f"{', '.join(known) or 'none'}"
        )

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, [{', '.join(s.name for s in self.steps)}])"
