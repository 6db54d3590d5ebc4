"""Artifact types (materializers): how a step's inputs and outputs become stored bytes and back.

An artifact type (a materializer) is a *class* with a ``kind`` (the artifact kind recorded in the
metadata store), an ``extension`` for its key, and two class methods: ``save(value, writer) ->
properties`` writes a value to a binary stream and returns JSON properties to record;
``load(reader, properties) -> value`` reads it back.

A step names one in its annotations, either directly (``x: TableType``) or, better, through an
``Annotated`` alias that also says what Python value the step sees, so that type checkers agree:
the built-ins are used as ``JsonArtifact`` (``Annotated[Any, JsonType]``), ``Bytes``
(``Annotated[bytes, BytesType]``), ``Metrics`` (``Annotated[dict[str, float], MetricsType]``) and
``Table`` (``Annotated[pyarrow.Table, TableType]``).

:class:`ArtifactType` is a :class:`~typing.Protocol`, so a lower layer (``driftline.data``,
``driftline.models``) can define ``Spans``, ``Profile``, ``Schema`` or ``Model`` without importing
the pipeline package: any class with ``kind``, ``save`` and ``load`` class attributes works, and
the alias (``Spans = Annotated[SpanSet, SpansType]``) can live beside it or in
``driftline.pipeline``'s exports. A model type with flavors is one class per flavor, or one class
whose ``save`` records the flavor in the properties and whose ``load`` dispatches on it.

Examples:
    >>> import io
    >>> buffer = io.BytesIO()
    >>> MetricsType.save({"accuracy": 0.91}, buffer)
    {'names': ['accuracy']}
    >>> MetricsType.load(io.BytesIO(buffer.getvalue()), {})
    {'accuracy': 0.91}
    >>> is_artifact_type(TableType), is_artifact_type(int), artifact_type_of(Table) is TableType
    (True, False, True)

"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    BinaryIO,
    ClassVar,
    Protocol,
    get_args,
    get_origin,
    runtime_checkable,
)

from driftline.core.errors import InputError
from driftline.core.hashing import stable_json

__all__ = [
    "ArtifactType",
    "Bytes",
    "BytesType",
    "JsonArtifact",
    "JsonType",
    "Metrics",
    "MetricsType",
    "Table",
    "TableType",
    "artifact_type_of",
    "is_artifact_type",
    "type_name",
]


@runtime_checkable
class ArtifactType(Protocol):
    """What an artifact type provides (as class attributes; see the module docstring).

    Examples:
        >>> class Text:
        ...     kind = "text"
        ...     extension = ".txt"
        ...     @classmethod
        ...     def save(cls, value: str, writer) -> dict[str, object]:
        ...         writer.write(value.encode())
        ...         return {"chars": len(value)}
        ...     @classmethod
        ...     def load(cls, reader, properties) -> str:
        ...         return reader.read().decode()
        >>> is_artifact_type(Text)
        True

    """

    kind: ClassVar[str]

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write ``value`` to ``writer``; return JSON properties to record with the artifact."""
        ...

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Any:
        """Read a value back from ``reader`` (``properties`` are those ``save`` returned)."""
        ...


def is_artifact_type(value: object) -> bool:
    """Whether ``value`` is a class usable as an artifact type.

    Examples:
        >>> is_artifact_type(JsonType), is_artifact_type(JsonType())
        (True, False)

    """
    return (
        isinstance(value, type)
        and isinstance(getattr(value, "kind", None), str)
        and callable(getattr(value, "save", None))
        and callable(getattr(value, "load", None))
    )


def artifact_type_of(annotation: object) -> Any | None:
    """The artifact type an annotation names (itself, or the one in ``Annotated[..., T]``).

    Examples:
        >>> artifact_type_of(Metrics) is MetricsType, artifact_type_of(dict[str, float])
        (True, None)

    """
    if is_artifact_type(annotation):
        return annotation
    if get_origin(annotation) is Annotated:
        found = [a for a in get_args(annotation)[1:] if is_artifact_type(a)]
        if len(found) == 1:
            return found[0]
    return None


def type_name(artifact_type: object) -> str:
    """A readable name of an artifact type, for messages.

    Examples:
        >>> type_name(MetricsType)
        'MetricsType'

    """
    return str(getattr(artifact_type, "__qualname__", repr(artifact_type)))


def extension_of(artifact_type: object) -> str:
    """The key extension of an artifact type (``""`` if it declares none)."""
    ext = getattr(artifact_type, "extension", "")
    return ext if isinstance(ext, str) else ""


class JsonType:
    """A JSON value (objects, arrays, strings, numbers, booleans, null), stored as canonical JSON.

    Examples:
        >>> import io
        >>> out = io.BytesIO()
        >>> JsonType.save({"b": [1, 2], "a": None}, out)
        {}
        >>> out.getvalue()
        b'{"a":null,"b":[1,2]}'

    """

    kind: ClassVar[str] = "json"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write ``value`` as canonical JSON.

        Raises:
            InputError: the value is not JSON (naming the problem).

        """
        try:
            text = stable_json(value)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{cls.__name__} cannot store {type(value).__name__}: {exc}") from exc
        writer.write(text.encode("utf-8"))
        return {}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Any:
        """Parse the stored JSON."""
        return json.loads(reader.read().decode("utf-8"))


class BytesType:
    """Raw bytes, stored as they are.

    Examples:
        >>> import io
        >>> BytesType.save(b"abc", io.BytesIO())
        {}
        >>> BytesType.load(io.BytesIO(b"abc"), {})
        b'abc'

    """

    kind: ClassVar[str] = "bytes"
    extension: ClassVar[str] = ".bin"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the bytes.

        Raises:
            InputError: ``value`` is not bytes-like.

        """
        if not isinstance(value, bytes | bytearray | memoryview):
            raise InputError(f"Bytes needs bytes, bytearray or memoryview, got {type(value)}")
        writer.write(value)
        return {}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> bytes:
        """Read the bytes back."""
        return reader.read()


class MetricsType:
    """Named numbers (``dict[str, float]``), e.g. an evaluation; stored as JSON.

    Examples:
        >>> import io
        >>> MetricsType.save({"loss": float("nan")}, io.BytesIO())
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: Metrics values must be finite numbers: 'loss' is nan

    """

    kind: ClassVar[str] = "metrics"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the metrics as JSON; the properties list their names.

        Raises:
            InputError: not a mapping of string to finite number, naming the bad entry.

        """
        if not isinstance(value, Mapping):
            raise InputError(f"Metrics needs a dict of name to number, got {type(value)}")
        clean: dict[str, float] = {}
        for name, number in value.items():
            if not isinstance(name, str):
                raise InputError(f"Metrics names must be strings, got {name!r}")
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise InputError(f"Metrics values must be numbers: {name!r} is {number!r}")
            if not math.isfinite(number):
                raise InputError(f"Metrics values must be finite numbers: {name!r} is {number!r}")
            clean[name] = float(number)
        writer.write(stable_json(clean).encode("utf-8"))
        return {"names": sorted(clean)}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> dict[str, float]:
        """Read the metrics back."""
        loaded: dict[str, float] = json.loads(reader.read().decode("utf-8"))
        return loaded


class TableType:
    """A ``pyarrow.Table``, stored as Parquet (pyarrow is imported only when one is used).

    Examples:
        >>> import io
        >>> import pyarrow as pa
        >>> out = io.BytesIO()
        >>> TableType.save(pa.table({"x": [1, 2, 3]}), out)
        {'rows': 3, 'columns': ['x']}
        >>> TableType.load(io.BytesIO(out.getvalue()), {}).column("x").to_pylist()
        [1, 2, 3]

    """

    kind: ClassVar[str] = "table"
    extension: ClassVar[str] = ".parquet"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the table as Parquet; the properties hold its row count and column names.

        Raises:
            InputError: ``value`` is not a ``pyarrow.Table``.

        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not isinstance(value, pa.Table):
            raise InputError(f"Table needs a pyarrow.Table, got {type(value)}")
        pq.write_table(value, writer)
        return {"rows": value.num_rows, "columns": list(value.column_names)}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Any:
        """Read the Parquet bytes back into a ``pyarrow.Table``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pq.read_table(pa.BufferReader(reader.read()))


if TYPE_CHECKING:
    import pyarrow as pa

    Table = Annotated[pa.Table, TableType]
else:
    Table = Annotated[Any, TableType]
"""A ``pyarrow.Table`` artifact (Parquet): use as a step annotation."""

JsonArtifact = Annotated[Any, JsonType]
"""A JSON value artifact: use as a step annotation."""

Bytes = Annotated[bytes, BytesType]
"""A raw bytes artifact: use as a step annotation."""

Metrics = Annotated[dict[str, float], MetricsType]
"""A named-numbers artifact: use as a step annotation."""
