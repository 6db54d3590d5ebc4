"""Step parameters: the JSON-able annotations a step may take, and checking values against them.

A parameter's annotation is one of ``int``, ``float``, ``str``, ``bool``, a ``Literal`` of those,
an ``Enum`` whose values are those, ``list[X]``, ``dict[str, X]`` or ``X | None`` of a supported
``X``. Values are recorded as JSON (an enum member by its value) and checked when a run starts.

Examples:
    >>> from typing import Literal
    >>> check_value(float, 1, "train.c")
    1.0
    >>> check_value(Literal["l1", "l2"], "l3", "train.penalty")
    Traceback (most recent call last):
    ...
    driftline.pipeline.errors.ParameterError: parameter train.penalty must be one of \
'l1', 'l2', got 'l3'

"""

from __future__ import annotations

import enum
import json
import types
import typing
from typing import Any, Literal, Union

from driftline.pipeline.errors import ParameterError

__all__ = ["check_value", "describe", "is_parameter_type", "parse_text", "to_json"]

_SCALARS: tuple[type, ...] = (bool, int, float, str)


def _strip(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def is_parameter_type(annotation: Any) -> bool:
    """Whether ``annotation`` is a supported parameter type.

    Examples:
        >>> is_parameter_type(dict[str, list[int]]), is_parameter_type(bytes)
        (True, False)

    """
    annotation = _strip(annotation)
    if annotation in _SCALARS or annotation is type(None):
        return True
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return all(isinstance(m.value, _SCALARS) for m in annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return all(isinstance(a, _SCALARS) for a in args)
    if origin is list:
        return len(args) == 1 and is_parameter_type(args[0])
    if origin is dict:
        return len(args) == 2 and args[0] is str and is_parameter_type(args[1])
    if origin in (Union, types.UnionType):
        return all(is_parameter_type(a) for a in args)
    return False


def describe(annotation: Any) -> str:
    """A short readable form of a parameter annotation.

    Examples:
        >>> describe(list[int]), describe(float | None)
        ('list[int]', 'float | None')

    """
    annotation = _strip(annotation)
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return "None" if annotation is type(None) else annotation.__name__
    return str(annotation).replace("typing.", "")


def _fail(what: str, expected: str, value: Any) -> ParameterError:
    return ParameterError(f"parameter {what} must be {expected}, got {value!r}")


def check_value(annotation: Any, value: Any, what: str) -> Any:
    """Check ``value`` against a parameter annotation; return it as the step will receive it.

    An ``int`` is accepted for a ``float``; an enum accepts a member or a member's value.

    Raises:
        ParameterError: naming ``what``, the expected type and the value received.

    Examples:
        >>> check_value(dict[str, int], {"a": 1}, "p")
        {'a': 1}
        >>> check_value(int, True, "p")
        Traceback (most recent call last):
        ...
        driftline.pipeline.errors.ParameterError: parameter p must be int, got True

    """
    annotation = _strip(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None):
        if value is not None:
            raise _fail(what, "None", value)
        return None
    if annotation is bool:
        if not isinstance(value, bool):
            raise _fail(what, "bool", value)
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(what, "int", value)
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(what, "float", value)
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise _fail(what, "str", value)
        return value
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if isinstance(value, annotation):
            return value
        for member in annotation:
            if member.value == value and type(member.value) is type(value):
                return member
        allowed = ", ".join(repr(m.value) for m in annotation)
        raise _fail(what, f"one of {allowed}", value)
    if origin is Literal:
        for allowed_value in args:
            if value == allowed_value and type(value) is type(allowed_value):
                return value
        raise _fail(what, "one of " + ", ".join(map(repr, args)), value)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise _fail(what, describe(annotation), value)
        return [check_value(args[0], v, f"{what}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _fail(what, describe(annotation), value)
        return {k: check_value(args[1], v, f"{what}[{k!r}]") for k, v in value.items()}
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return check_value(option, value, what)
            except ParameterError:
                continue
        raise _fail(what, describe(annotation), value)
    raise _fail(what, f"a supported parameter type, not {describe(annotation)}", value)


def to_json(value: Any) -> Any:
    """The JSON form of a checked parameter value (an enum member becomes its value).

    Examples:
        >>> import enum
        >>> class Loss(enum.Enum):
        ...     L1 = "l1"
        >>> to_json({"loss": [Loss.L1]})
        {'loss': ['l1']}

    """
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def parse_text(annotation: Any, text: str, what: str) -> Any:
    """Parse a command-line value (``--param KEY=VALUE``) for a parameter annotation.

    ``str`` parameters (and enums or literals of strings) take the text as it is; the others
    read it as JSON (``0.5``, ``true``, ``[1, 2]``).

    Raises:
        ParameterError: the text is not valid for the annotation.

    Examples:
        >>> parse_text(float, "0.5", "c"), parse_text(str, "0.5", "name")
        (0.5, '0.5')

    """
    try:
        return check_value(annotation, text, what)
    except ParameterError:
        pass
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _fail(what, describe(annotation), text) from exc
    return check_value(annotation, value, what)
