import hashlib
import io
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftline.core.hashing import (
    Sha256,
    hash_value,
    sha256_bytes,
    sha256_chunks,
    sha256_file,
    sha256_stream,
    stable_json,
)


@given(st.lists(st.binary(max_size=300), max_size=8))
def test_incremental_hash_equals_hashlib(chunks: list[bytes]) -> None:
    whole = b"".join(chunks)
    assert sha256_chunks(chunks) == (hashlib.sha256(whole).hexdigest(), len(whole))
    h = Sha256()
    for c in chunks:
        h.update(c)
    assert h.hexdigest() == sha256_bytes(whole)


def test_file_and_stream_hash_read_in_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    expected = (hashlib.sha256(data).hexdigest(), len(data))
    assert sha256_file(path, chunk_size=4096) == expected
    assert sha256_stream(io.BytesIO(data), chunk_size=777) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=10,
)


@given(json_values)
def test_stable_json_ignores_key_order(value: object) -> None:
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert stable_json(reordered) == stable_json(value)
        assert hash_value(reordered) == hash_value(value)


def test_different_values_hash_differently() -> None:
    assert hash_value({"c": 1.0}) != hash_value({"c": 2.0})


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        stable_json({"x": math.nan})
