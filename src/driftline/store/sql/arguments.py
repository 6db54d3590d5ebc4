"""Checks of what callers hand to the metadata store, done before anything is written.

Every message names the field, what was expected and what was received, so that bad input is
rejected with a clear error and nothing is stored.

Examples:
    >>> check_id(True, "artifact id")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: artifact id must be an int >= 1, got True
    >>> check_inputs({"spans": [3, 4], "schema": 7})
    [('schema', 0, 7), ('spans', 0, 3), ('spans', 1, 4)]

"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from driftline.core.clock import utc
from driftline.core.errors import InputError
from driftline.core.hashing import stable_json
from driftline.core.params import Interval, Text, check_param
from driftline.store.records import (
    ArtifactState,
    ContextRef,
    ExecutionState,
    NewArtifact,
    NewExecution,
    check_kind,
)

__all__ = [
    "check_context_ref",
    "check_contexts",
    "check_id",
    "check_inputs",
    "check_json",
    "check_new_artifact",
    "check_new_execution",
    "check_outputs",
    "check_text",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ID = Interval(int, 1)
_SIZE = Interval(int, 0)


def check_id(value: object, what: str) -> int:
    """Check a row id: an int >= 1 (not a bool)."""
    return check_param("", what, value, _ID)  # type: ignore[return-value]


def check_text(value: object, what: str, *, max_len: int = 255, empty: bool = False) -> str:
    """Check a string of at most ``max_len`` characters (non-empty unless ``empty``)."""
    return check_param("", what, value, Text(max_len, empty))  # type: ignore[return-value]


def check_json(value: object, what: str) -> dict[str, Any]:
    """Check a mapping with string keys that JSON can represent; return it as a dict."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InputError(f"{what} must be a mapping with string keys, got {value!r}")
    try:
        stable_json(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must hold JSON values only: {exc}") from exc
    return dict(value)


def _check_time(value: object, what: str) -> datetime | None:
    if value is not None and not isinstance(value, datetime):
        raise InputError(f"{what} must be a datetime or None, got {value!r}")
    return value


def check_new_artifact(value: object, what: str = "artifact") -> NewArtifact:
    """Check a :class:`NewArtifact` field by field."""
    if not isinstance(value, NewArtifact):
        raise InputError(f"{what} must be a NewArtifact, got {value!r}")
    check_kind(value.kind, f"{what}.kind")
    check_text(value.uri, f"{what}.uri", max_len=4096)
    if not isinstance(value.sha256, str) or not _SHA256.match(value.sha256):
        raise InputError(
            f"{what}.sha256 must be 64 lower-case hex characters, got {value.sha256!r}"
        )
    check_param("", f"{what}.size", value.size, _SIZE)
    if value.name is not None:
        check_text(value.name, f"{what}.name")
    check_json(value.properties, f"{what}.properties")
    if not isinstance(value.state, ArtifactState):
        raise InputError(f"{what}.state must be an ArtifactState, got {value.state!r}")
    return value


def check_new_execution(value: object, what: str = "execution") -> NewExecution:
    """Check a :class:`NewExecution` field by field."""
    if not isinstance(value, NewExecution):
        raise InputError(f"{what} must be a NewExecution, got {value!r}")
    check_kind(value.kind, f"{what}.kind")
    check_json(value.parameters, f"{what}.parameters")
    check_text(value.code_version, f"{what}.code_version", empty=True)
    if value.cache_key is not None:
        check_text(value.cache_key, f"{what}.cache_key")
    check_json(value.properties, f"{what}.properties")
    if not isinstance(value.state, ExecutionState):
        raise InputError(f"{what}.state must be an ExecutionState, got {value.state!r}")
    started = _check_time(value.started_at, f"{what}.started_at")
    ended = _check_time(value.ended_at, f"{what}.ended_at")
    if started is not None and ended is not None and utc(ended) < utc(started):
        raise InputError(f"{what}.ended_at ({ended}) is before its started_at ({started})")
    if value.error is not None:
        check_text(value.error, f"{what}.error", max_len=1 << 20)
    return value


def check_context_ref(value: object, what: str = "context") -> ContextRef:
    """Check a :class:`ContextRef`."""
    if not isinstance(value, ContextRef):
        raise InputError(f"{what} must be a ContextRef, got {value!r}")
    check_kind(value.kind, f"{what}.kind")
    check_text(value.name, f"{what}.name")
    check_json(value.properties, f"{what}.properties")
    return value


def check_contexts(values: object) -> list[ContextRef]:
    """Check a sequence of context references; drop repeats (same kind and name), keep order."""
    if isinstance(values, str | bytes | ContextRef) or not isinstance(values, Sequence):
        raise InputError(f"contexts must be a sequence of ContextRef, got {values!r}")
    seen: dict[tuple[str, str], ContextRef] = {}
    for i, ref in enumerate(values):
        check_context_ref(ref, f"contexts[{i}]")
        seen.setdefault((ref.kind, ref.name), ref)
    return list(seen.values())


def _port(name: object, what: str) -> str:
    return check_text(name, f"{what} port name {name!r}")


def _items(value: object, scalar: type, what: str) -> list[Any]:
    if isinstance(value, scalar):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    raise InputError(f"{what} must be a {scalar.__name__} or a sequence of them, got {value!r}")


def check_inputs(inputs: object, what: str = "inputs") -> list[tuple[str, int, int]]:
    """Check ``{port: artifact id or ids}``; return ``(port, index, artifact id)`` sorted."""
    if not isinstance(inputs, Mapping):
        raise InputError(f"{what} must be a mapping of port name to artifact ids, got {inputs!r}")
    out: list[tuple[str, int, int]] = []
    for port, value in inputs.items():
        _port(port, "input" if what == "inputs" else "output")
        ids = _items(value, int, f"{what}[{port!r}]")
        out.extend((port, i, check_id(a, f"{what}[{port!r}][{i}]")) for i, a in enumerate(ids))
    return sorted(out)


def check_outputs(outputs: object) -> list[tuple[str, int, NewArtifact]]:
    """Check ``{port: NewArtifact or several}``; return ``(port, index, artifact)`` by port."""
    if not isinstance(outputs, Mapping):
        raise InputError(f"outputs must be a mapping of port name to artifacts, got {outputs!r}")
    out: list[tuple[str, int, NewArtifact]] = []
    for port in sorted(outputs, key=str):
        _port(port, "output")
        items = _items(outputs[port], NewArtifact, f"outputs[{port!r}]")
        out.extend(
            (port, i, check_new_artifact(a, f"outputs[{port!r}][{i}]")) for i, a in enumerate(items)
        )
    return out
