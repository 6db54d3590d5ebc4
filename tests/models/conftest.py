from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from driftline.models.trust_rules import trusted

MLP = "tests.models.factories:mlp"


@pytest.fixture(autouse=True)
def _trust_the_test_factory() -> Iterator[None]:
    """The torch factory of these tests is trusted, as a deployment trusts its own factories."""
    with trusted(torch_factories=[MLP]):
        yield


@pytest.fixture
def data() -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """A seeded binary problem: a sample table, its matrix and labels."""
    rng = np.random.default_rng(42)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype(np.int64)
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]})
    return table, x, y
