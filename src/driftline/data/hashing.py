"""A stable, vectorised 64-bit hash of column values.

:func:`stable_hash64` gives every value of an Arrow or numpy array a 64-bit hash that depends only
on the value (and an optional seed): never on the process, the platform, the Python or library
version, the array's chunking or its position. It is the hash behind the distinct-count sketch, and
the one to use to split rows deterministically by a key column (see :func:`unit_interval`).

The definition (a contract: changing it would move rows between splits, so it is pinned by a
golden table in the tests):

* **integers** of any width, **booleans** (``False`` = 0, ``True`` = 1) and the integer storage of
  **dates, times, timestamps and durations** (in their own unit): the value as a 64-bit two's
  complement pattern ``v``, hashed as ``mix64(v ^ key(seed, INT))``. So ``int8 5`` and ``int64 5``
  hash alike, and ``True`` hashes like ``1``.
* **floats** of any width: the value as a float64 bit pattern, with ``-0.0`` made ``0.0`` and every
  NaN made the canonical quiet NaN, hashed as ``mix64(bits ^ key(seed, FLOAT))``. ``1.0`` and ``1``
  hash differently.
* **strings and binary** (UTF-8 bytes; ``string``, ``large_string``, ``binary`` and views hash
  alike): ``acc = key(seed, BYTES) ^ (len * P5)``; then for every 8-byte little-endian word ``w`` of
  the bytes (the last one zero-padded), ``acc = rotl(acc + w * P2, 31) * P1`` (the xxHash64 round);
  the hash is ``mix64(acc)``. (This is not xxHash64 itself; it is its own stable function.)
* **nulls** hash to the constant :data:`NULL_HASH` ``= mix64(key(seed, NULL))``.

``mix64`` is the splitmix64 finaliser; ``key(seed, tag) = mix64((seed mod 2**64) * GOLDEN +
tag)``; all arithmetic is modulo 2**64. The work is vectorised: numbers take a dozen numpy
operations; byte strings loop over 8-byte word positions (the longest value's length / 8
iterations), never over rows.

Examples:
    >>> import numpy as np
    >>> h = stable_hash64(np.array([1, 2, 3]))
    >>> h.dtype, len(h), bool(h[0] != h[1])
    (dtype('uint64'), 3, True)
    >>> bool(stable_hash64(np.array([5], dtype=np.int8))[0] == stable_hash64([5])[0])
    True
    >>> bool((stable_hash64(["a", "b"]) == stable_hash64(["a", "b"])).all())
    True

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.data._arrow import pa, pc
from driftline.data.errors import ColumnTypeError

__all__ = [
    "FLOAT_KEY",
    "NULL_HASH",
    "hash_float64_into",
    "mix64",
    "mix64_into",
    "mix64_int",
    "stable_hash64",
    "unit_interval",
]

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P5 = np.uint64(0x27D4EB2F165667C5)
_TAG_INT, _TAG_FLOAT, _TAG_BYTES, _TAG_NULL = 1, 2, 3, 4
_CANONICAL_NAN = np.uint64(0x7FF8000000000000)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_WORD_MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)

U64Array = npt.NDArray[np.uint64]


def mix64_int(z: int) -> int:
    """The splitmix64 finaliser on a Python int (taken modulo 2**64).

    Examples:
        >>> hex(mix64_int(0)), hex(mix64_int(1))
        ('0x0', '0x5692161d100b05e5')

    """
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def mix64(z: U64Array) -> U64Array:
    """The splitmix64 finaliser applied to every element of a uint64 array (a new array).

    Examples:
        >>> hex(int(mix64(np.array([1], dtype=np.uint64))[0]))
        '0x5692161d100b05e5'

    """
    out: U64Array = np.array(z, dtype=np.uint64)
    mix64_into(out, np.empty_like(out))
    return out


def mix64_into(z: U64Array, work: U64Array) -> None:
    """:func:`mix64` in place on ``z``; ``work`` is scratch of the same shape (overwritten).

    Examples:
        >>> z = np.array([1], dtype=np.uint64); mix64_into(z, np.empty_like(z)); hex(int(z[0]))
        '0x5692161d100b05e5'

    """
    for shift, factor in ((_S30, _M1), (_S27, _M2), (_S31, None)):
        np.right_shift(z, shift, out=work)
        np.bitwise_xor(z, work, out=z)
        if factor is not None:
            np.multiply(z, factor, out=z)


def hash_float64_into(x: npt.NDArray[np.float64], out: U64Array, work: U64Array) -> U64Array:
    """:func:`stable_hash64` (seed 0) of float64 values without NaN or ``-0.0``, into ``out``.

    ``out`` and ``work`` are scratch arrays of ``x``'s size; nothing else is allocated, which is
    what the profiler needs on its hot path. Returns ``out``.

    Examples:
        >>> x = np.array([1.5, 2.0]); out, work = np.empty(2, np.uint64), np.empty(2, np.uint64)
        >>> bool((hash_float64_into(x, out, work) == stable_hash64(x)).all())
        True

    """
    np.copyto(out.view(np.float64), x)
    np.bitwise_xor(out, _key(0, _TAG_FLOAT), out=out)
    mix64_into(out, work)
    return out


def _key(seed: int, tag: int) -> np.uint64:
    return np.uint64(mix64_int(((seed & MASK64) * GOLDEN + tag) & MASK64))


NULL_HASH = int(_key(0, _TAG_NULL))
"""The hash of a null value with the default seed 0."""

FLOAT_KEY = int(_key(0, _TAG_FLOAT))
"""The key a float's bits are mixed with before :func:`mix64` (seed 0): compiled code uses it."""


def unit_interval(hashes: U64Array) -> npt.NDArray[np.float64]:
    """Map hashes to uniform floats in ``[0, 1)`` (the top 53 bits), e.g. to split rows by key.

    Rows whose ``unit_interval(stable_hash64(key))`` is below 0.8 make a stable 80 % train split:
    the same key always lands on the same side, whatever the batch, process or machine.

    Examples:
        >>> u = unit_interval(stable_hash64(np.arange(10_000)))
        >>> bool(0.0 <= u.min() and u.max() < 1.0), round(float((u < 0.8).mean()), 1)
        (True, 0.8)

    """
    h = np.asarray(hashes, dtype=np.uint64)
    out: npt.NDArray[np.float64] = (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    return out


def stable_hash64(
    values: Any,
    *,
    seed: int = 0,
) -> U64Array:
    """The stable 64-bit hash of every value (see the module docstring for the definition).

    Args:
        values: a ``pyarrow`` Array or ChunkedArray, a numpy array, or a sequence of Python values
            (converted with ``pyarrow.array``). Dictionary arrays hash like their decoded values.
        seed: salts the hash (any int, taken modulo 2**64); different seeds give independent hashes.

    Returns:
        One uint64 per input value, in order; nulls get ``mix64(key(seed, NULL))``.

    Raises:
        ColumnTypeError: a type that has no stable hash (nested, decimal, ...).
        InputError: ``seed`` is not an int.

    Examples:
        >>> import pyarrow as pa
        >>> h = stable_hash64(pa.array(["x", None, "x"]))
        >>> bool(h[0] == h[2]), int(h[1]) == NULL_HASH
        (True, True)
        >>> bool(stable_hash64([1.5], seed=1)[0] != stable_hash64([1.5])[0])
        True

    """
    check_param("stable_hash64", "seed", seed, Interval(int))
    if isinstance(values, np.ndarray):
        return _hash_numpy(values, seed)
    if isinstance(values, pa.ChunkedArray):
        parts = [_hash_arrow(chunk, seed) for chunk in values.chunks]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
    if not isinstance(values, pa.Array):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise InputError(
                "stable_hash64: values must be an Arrow array, a numpy array or a sequence, "
                f"got {type(values).__name__}"
            )
        values = pa.array(values)
    return _hash_arrow(values, seed)


def _hash_numpy(values: npt.NDArray[Any], seed: int) -> U64Array:
    v = values.ravel()
    if v.dtype.kind in "iub":
        return _hash_ints(v, seed)
    if v.dtype.kind == "f":
        return _hash_floats(v, seed)
    return _hash_arrow(pa.array(v), seed)


def _hash_ints(v: npt.NDArray[Any], seed: int) -> U64Array:
    if v.dtype == np.uint64:
        bits = v.astype(np.uint64, copy=True)
    else:
        bits = v.astype(np.int64).view(np.uint64)  # a copy
    np.bitwise_xor(bits, _key(seed, _TAG_INT), out=bits)
    mix64_into(bits, np.empty_like(bits))
    return bits


def _hash_floats(v: npt.NDArray[Any], seed: int) -> U64Array:
    x = v.astype(np.float64) + 0.0  # a copy; -0.0 becomes 0.0
    bits = x.view(np.uint64)
    nan = np.isnan(x)
    if nan.any():
        bits[nan] = _CANONICAL_NAN
    np.bitwise_xor(bits, _key(seed, _TAG_FLOAT), out=bits)
    mix64_into(bits, np.empty_like(bits))
    return bits


def _storage_ints(arr: Any) -> npt.NDArray[Any]:
    """The integer storage of a temporal array, nulls as 0."""
    width = arr.type.bit_width
    storage = arr.view(pa.int32() if width == 32 else pa.int64())
    if storage.null_count:
        storage = pc.fill_null(storage, 0)
    out: npt.NDArray[Any] = storage.to_numpy(zero_copy_only=False)
    return out


def _hash_arrow(arr: Any, seed: int) -> U64Array:
    t = arr.type
    if pa.types.is_dictionary(t):
        dict_hashes = _hash_arrow(arr.dictionary, seed)
        indices = arr.indices
        if indices.null_count:
            indices = pc.fill_null(indices, 0)
        idx = indices.to_numpy(zero_copy_only=False).astype(np.intp)
        out = dict_hashes[idx] if len(dict_hashes) else np.zeros(len(arr), dtype=np.uint64)
    elif pa.types.is_null(t):
        out = np.zeros(len(arr), dtype=np.uint64)
    elif pa.types.is_boolean(t) or pa.types.is_integer(t):
        filled = (
            pc.fill_null(arr, False if pa.types.is_boolean(t) else 0) if arr.null_count else arr
        )
        out = _hash_ints(np.asarray(filled.to_numpy(zero_copy_only=False)), seed)
    elif pa.types.is_floating(t):
        filled = pc.fill_null(arr, 0.0) if arr.null_count else arr
        out = _hash_floats(np.asarray(filled.to_numpy(zero_copy_only=False)), seed)
    elif pa.types.is_temporal(t):
        out = _hash_ints(_storage_ints(arr), seed)
    elif _is_bytes_like(t):
        out = _hash_bytes(_as_large_binary(arr), seed)
    else:
        raise ColumnTypeError(
            f"cannot hash values of Arrow type {t}: supported are integers, floats, booleans, "
            "strings, binary, dates, times, timestamps, durations and dictionaries of these"
        )
    if arr.null_count and not pa.types.is_null(t):
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        out[~valid] = _key(seed, _TAG_NULL)
    elif pa.types.is_null(t):
        out[:] = _key(seed, _TAG_NULL)
    return out


def _is_bytes_like(t: Any) -> bool:
    return bool(
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary_view(t)
    )


def _as_large_binary(arr: Any) -> Any:
    t = arr.type
    if pa.types.is_large_binary(t):
        return arr
    if pa.types.is_string_view(t):
        arr = arr.cast(pa.large_string())
    elif pa.types.is_binary_view(t) or pa.types.is_fixed_size_binary(t):
        arr = arr.cast(pa.large_binary())
    return (
        arr.view(pa.large_binary())
        if pa.types.is_large_string(arr.type)
        else arr.cast(pa.large_binary())
    )


def _hash_bytes(arr: Any, seed: int) -> U64Array:
    """Hash a ``large_binary`` array, looping over 8-byte word positions (not rows)."""
    n = len(arr)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype="<i8", count=n + 1, offset=arr.offset * 8)
    first, last = int(offsets[0]), int(offsets[-1])
    padded = np.zeros(last - first + 8, dtype=np.uint8)
    if data_buf is not None and last > first:
        padded[: last - first] = np.frombuffer(data_buf, dtype=np.uint8)[first:last]
    # Every byte position, read as an (unaligned) little-endian uint64 word.
    words = np.ndarray(shape=(last - first + 1,), dtype="<u8", buffer=padded, strides=(1,))
    lengths = np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")  # longest first: active rows form a prefix
    lens = lengths[order]
    starts = offsets[:-1][order] - first
    acc = _key(seed, _TAG_BYTES) ^ (lens.astype(np.uint64) * _P5)
    n_words = (lens + 7) // 8
    active = np.searchsorted(-n_words, -np.arange(int(n_words[0])), side="left")
    for i, count in enumerate(active.tolist()):
        pos = starts[:count] + 8 * i
        remaining = np.minimum(lens[:count] - 8 * i, 8)
        w = words[pos] & _WORD_MASKS[remaining]
        a = acc[:count] + w * _P2
        acc[:count] = ((a << np.uint64(31)) | (a >> np.uint64(33))) * _P1
    out = np.empty(n, dtype=np.uint64)
    out[order] = mix64(acc)
    return out
