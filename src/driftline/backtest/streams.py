"""Data for a backtest: a file read into an Arrow table, or a seeded synthetic drift stream.

``DATA`` is a path (CSV, Parquet, Arrow; what :mod:`driftline.data.readers` reads), or
``river:NAME`` with optional ``?key=value&...`` for one of river's generators
(``river.datasets.synth``), seeded:

==================  =========================================================================
``river:SEA``       SEA concepts: ``variant`` 0, 1, 2, 3 in four equal blocks (abrupt drifts)
``river:Agrawal``   Agrawal: ``classification_function`` 0, 1, 2, 3 in four equal blocks
``river:Hyperplane``  rotating hyperplane, river's defaults but ``mag_change=0.001`` (gradual)
==================  =========================================================================

``concepts=2,5`` picks the concepts in turn (SEA's variants, Agrawal's functions); any other key
is a parameter of the generator (``noise=0.1``, ``n_features=4``); a bad key is named with the
ones allowed. Rows come from river one by one (that is how its generators work) and become Arrow
batches of 10,000 rows; feature names are strings (``x0``, ``x1``... for numbered features),
and boolean labels become 0/1 integers.

Examples:
    >>> table = load_stream("river:SEA", rows=400, seed=1)
    >>> table.column_names, table.num_rows
    (['x0', 'x1', 'x2', 'label'], 400)

"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator
from typing import Any

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param

__all__ = ["DEFAULT_ROWS", "RIVER_STREAMS", "load_stream", "stream_name"]

DEFAULT_ROWS = 10_000
"""Rows of a synthetic stream when none are asked for."""

RIVER_STREAMS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "SEA": ("variant", {}),
    "Agrawal": ("classification_function", {}),
    "Hyperplane": (None, {"mag_change": 0.001}),
}
"""Each generator: the parameter that names its concept (if any) and the defaults changed here."""

_BATCH = 10_000
_DEFAULT_CONCEPTS = (0, 1, 2, 3)


def stream_name(data: str) -> str:
    """A short name for reports: the file name, or the stream spec."""
    if data.startswith("river:"):
        return data
    return data.replace("\\", "/").rsplit("/", 1)[-1]


def _value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _parse(spec: str) -> tuple[str, dict[str, Any], tuple[int, ...] | None]:
    body = spec.removeprefix("river:")
    name, _, query = body.partition("?")
    match = {k.lower(): k for k in RIVER_STREAMS}.get(name.strip().lower())
    if match is None:
        raise InputError(
            f"unknown stream {spec!r}; streams: " + ", ".join(f"river:{k}" for k in RIVER_STREAMS)
        )
    params: dict[str, Any] = {}
    concepts: tuple[int, ...] | None = None
    for part in filter(None, query.split("&")):
        key, sep, text = part.partition("=")
        if not sep or not key.strip():
            raise InputError(f"stream {spec!r}: {part!r} must be key=value")
        if key.strip() == "concepts":
            try:
                concepts = tuple(int(c) for c in text.split(",") if c.strip())
            except ValueError:
                raise InputError(
                    f"stream {spec!r}: concepts must be integers, got {text!r}"
                ) from None
            if not concepts:
                raise InputError(f"stream {spec!r}: concepts is empty")
        else:
            params[key.strip()] = _value(text)
    return match, params, concepts


def _generator(name: str, params: dict[str, Any], seed: int, concept: int | None) -> Any:
    from river.datasets import synth

    cls = getattr(synth, name)
    concept_key, defaults = RIVER_STREAMS[name]
    allowed = [p for p in inspect.signature(cls).parameters if p != "seed"]
    for key in params:
        if key not in allowed or key == concept_key:
            hint = f" (use concepts=... for {concept_key})" if key == concept_key else ""
            raise InputError(
                f"river:{name} has no parameter {key!r}{hint}; parameters: {', '.join(allowed)}"
            )
    kwargs = {**defaults, **params, "seed": seed}
    if concept_key is not None and concept is not None:
        kwargs[concept_key] = concept
    try:
        return cls(**kwargs)
    except (TypeError, ValueError, AssertionError) as exc:
        raise InputError(f"river:{name}: bad parameters {kwargs}: {exc}") from exc


def _rows(name: str, params: dict[str, Any], rows: int, seed: int, concepts: Any) -> Iterator[Any]:
    concept_key = RIVER_STREAMS[name][0]
    if concept_key is None:
        if concepts is not None:
            raise InputError(f"river:{name} has no concepts to switch between")
        yield from _generator(name, params, seed, None).take(rows)
        return
    chosen = concepts if concepts is not None else _DEFAULT_CONCEPTS
    block = -(-rows // len(chosen))
    for i, concept in enumerate(chosen):
        size = min(block, rows - i * block)
        if size > 0:
            yield from _generator(name, params, seed + i, concept).take(size)


def _column_name(key: Any) -> str:
    return f"x{key}" if isinstance(key, int) else str(key)


def _synthetic(spec: str, rows: int, seed: int) -> Any:
    import pyarrow as pa

    try:
        import river  # noqa: F401
    except ImportError:
        raise InputError(
            f"stream {spec!r} needs river: pip install 'driftline[backtest]'"
        ) from None
    name, params, concepts = _parse(spec)
    source = _rows(name, params, rows, seed, concepts)
    batches = []
    while chunk := list(itertools.islice(source, _BATCH)):
        records = [{**{_column_name(k): v for k, v in x.items()}, "label": y} for x, y in chunk]
        batches.append(pa.Table.from_pylist(records))
    table = pa.concat_tables(batches)
    if pa.types.is_boolean(table.column("label").type):
        index = table.column_names.index("label")
        table = table.set_column(index, "label", table.column("label").cast(pa.int64()))
    return table


def load_stream(data: str, *, rows: int | None = None, seed: int = 0) -> Any:
    """The table to replay: a file read whole, or ``rows`` rows of a river stream (seeded).

    ``rows`` also caps a file (its first rows).

    Raises:
        InputError: an unknown stream or parameter, a bad row count, or a file that cannot be
            read (naming it).

    """
    check_param("load_stream", "rows", rows, Interval(int, 1) | None)
    if data.startswith("river:"):
        return _synthetic(data, rows or DEFAULT_ROWS, seed)
    import pyarrow as pa

    from driftline.data.readers import ReadOptions, find_files, read_batches

    files = find_files(data)
    batches = list(read_batches(files, ReadOptions()))
    if not batches:
        raise InputError(f"{data} has no rows")
    table = pa.Table.from_batches(batches)
    return table if rows is None else table.slice(0, rows)
