"""The binary container of sketches and profiles: a versioned JSON header and raw numpy arrays.

Layout (all integers little-endian)::

    8 bytes   magic  b"DLSKETCH"
    uint32    container format version (FORMAT_VERSION)
    uint32    header length H
    H bytes   header: canonical JSON {"kind": ..., "meta": {...}, "arrays": [[name, dtype, n, at]]}
    ...       zero padding to a multiple of 8, then each array's bytes at 8-aligned offset ``at``
              (relative to the end of the padded header)

Arrays are one-dimensional with dtypes from a fixed list (no object arrays, no pickle), so reading
untrusted bytes runs no code. Meta values are JSON (ints, strings, booleans, lists, objects): floats
travel in arrays, so every value round-trips bit for bit. The same content always gives the same
bytes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.core.hashing import stable_json
from driftline.data._arrow import pa
from driftline.data.errors import FormatError

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "State",
    "arrow_from_state",
    "arrow_to_state",
    "decode",
    "encode",
]

MAGIC = b"DLSKETCH"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sII")
_DTYPES = {"<f8", "<i8", "<u8", "|u1"}


@dataclass
class State:
    """A sketch's content: JSON meta and named 1-D arrays (what :func:`encode` writes)."""

    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, npt.NDArray[Any]] = field(default_factory=dict)


def encode(kind: str, state: State) -> bytes:
    """Serialise ``state`` as a container of the given ``kind``."""
    entries: list[list[Any]] = []
    blobs: list[bytes] = []
    at = 0
    for name, array in state.arrays.items():
        a = np.ascontiguousarray(array).ravel()
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        if a.dtype.str not in _DTYPES:
            raise TypeError(f"array {name!r} has dtype {a.dtype.str}, not one of {sorted(_DTYPES)}")
        data = a.tobytes()
        entries.append([name, a.dtype.str, int(a.size), at])
        pad = (-len(data)) % 8
        blobs.append(data + b"\0" * pad)
        at += len(data) + pad
    header = stable_json({"kind": kind, "meta": state.meta, "arrays": entries}).encode("utf-8")
    header += b" " * ((-(len(header) + _PREFIX.size)) % 8)
    return _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header + b"".join(blobs)


def decode(data: bytes | bytearray | memoryview, kind: str) -> State:
    """Read a container written by :func:`encode`, checking that it holds a ``kind``.

    Raises:
        FormatError: the bytes are not such a container (what is wrong is in the message).

    """
    buf = bytes(data)
    if len(buf) < _PREFIX.size:
        raise FormatError(f"not a driftline {kind}: {len(buf)} bytes is too short")
    magic, version, header_len = _PREFIX.unpack_from(buf)
    if magic != MAGIC:
        raise FormatError(f"not a driftline {kind}: the bytes do not start with {MAGIC!r}")
    if version != FORMAT_VERSION:
        raise FormatError(
            f"driftline {kind} in container format {version}; this driftline reads format "
            f"{FORMAT_VERSION}"
        )
    start = _PREFIX.size + header_len
    if start > len(buf):
        raise FormatError(f"truncated driftline {kind}: the header runs past the end")
    try:
        header = json.loads(buf[_PREFIX.size : start].decode("utf-8"))
        found, meta, entries = header["kind"], header["meta"], header["arrays"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"corrupt driftline {kind}: unreadable header ({exc})") from exc
    if found != kind:
        raise FormatError(f"expected a driftline {kind}, found a {found!r}")
    if not isinstance(meta, dict) or not isinstance(entries, list):
        raise FormatError(f"corrupt driftline {kind}: malformed header")
    arrays: dict[str, npt.NDArray[Any]] = {}
    for entry in entries:
        try:
            name, dtype, count, at = entry
            dt = np.dtype(dtype) if dtype in _DTYPES else None
            ok = dt is not None and isinstance(count, int) and isinstance(at, int)
        except (TypeError, ValueError):
            ok = False
        if not ok or dt is None or count < 0 or at < 0:
            raise FormatError(f"corrupt driftline {kind}: bad array entry {entry!r}")
        lo = start + at
        hi = lo + count * dt.itemsize
        if hi > len(buf):
            raise FormatError(f"truncated driftline {kind}: array {name!r} runs past the end")
        arrays[str(name)] = np.frombuffer(buf, dtype=dt, count=count, offset=lo).copy()
    return State(meta=meta, arrays=arrays)


def arrow_to_state(arr: Any, prefix: str, state: State) -> str:
    """Store a flat Arrow array of items in ``state`` (arrays named ``prefix.*``); returns its tag.

    Tags: ``null`` (no items), ``string``, ``binary`` (offsets + bytes), ``int64``, ``float64``,
    ``bool``.
    """
    t = arr.type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_large_string(t) or pa.types.is_large_binary(t):
        _, off, data = arr.buffers()
        offsets = np.frombuffer(off, dtype="<i8", count=len(arr) + 1, offset=arr.offset * 8)
        first, last = int(offsets[0]), int(offsets[-1])
        raw = np.frombuffer(data, dtype=np.uint8)[first:last] if data is not None else None
        state.arrays[f"{prefix}.offsets"] = offsets - first
        state.arrays[f"{prefix}.data"] = raw if raw is not None else np.empty(0, np.uint8)
        return "string" if pa.types.is_large_string(t) else "binary"
    if pa.types.is_boolean(t):
        state.arrays[f"{prefix}.values"] = np.asarray(arr.to_numpy(zero_copy_only=False), np.uint8)
        return "bool"
    if t == pa.int64() or t == pa.float64():
        state.arrays[f"{prefix}.values"] = np.asarray(arr.to_numpy(zero_copy_only=False))
        return str(t).replace("double", "float64")
    raise TypeError(f"cannot store items of Arrow type {t}")


def arrow_from_state(tag: str, prefix: str, arrays: Mapping[str, npt.NDArray[Any]]) -> Any:
    """The inverse of :func:`arrow_to_state`.

    Raises:
        FormatError: a tag or arrays that do not make a valid Arrow array.

    """
    try:
        if tag == "null":
            return pa.nulls(0)
        if tag in ("string", "binary"):
            offsets = np.asarray(arrays[f"{prefix}.offsets"], dtype=np.int64)
            data = np.asarray(arrays[f"{prefix}.data"], dtype=np.uint8)
            if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(data):
                raise FormatError(f"corrupt items {prefix!r}: offsets do not match the bytes")
            if (np.diff(offsets) < 0).any():
                raise FormatError(f"corrupt items {prefix!r}: offsets go backwards")
            arrow_type = pa.large_string() if tag == "string" else pa.large_binary()
            out = pa.Array.from_buffers(
                arrow_type, len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
            )
            out.validate(full=True)
            return out
        values = arrays[f"{prefix}.values"]
        if tag == "bool":
            return pa.array(values.astype(bool))
        if tag == "int64" and values.dtype == np.int64:
            return pa.array(values)
        if tag == "float64" and values.dtype == np.float64:
            return pa.array(values)
    except KeyError as exc:
        raise FormatError(f"corrupt items {prefix!r}: missing array {exc}") from exc
    except pa.ArrowInvalid as exc:
        raise FormatError(f"corrupt items {prefix!r}: {exc}") from exc
    raise FormatError(f"corrupt items {prefix!r}: unknown item type {tag!r}")
