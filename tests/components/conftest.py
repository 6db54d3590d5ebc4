"""A small synthetic classification dataset for the standard steps.

A workspace holding it is ``ws`` with ``synth_span`` (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

ROWS = 2000


def make_table(seed: int, rows: int = ROWS, *, shift: float = 0.0) -> pa.Table:
    """Six numeric features, one text feature and a binary label that depends on them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, size=(rows, 6))
    region = rng.choice(["north", "south", "east"], size=rows)
    logit = 1.5 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2] + (region == "north") * 0.8
    label = (logit + rng.normal(0, 0.5, rows) > 0).astype(np.int64)
    columns: dict[str, Any] = {f"x{i}": x[:, i] for i in range(6)}
    columns["region"] = region
    columns["label"] = label
    return pa.table(columns)


def params(**extra: Any) -> dict[str, Any]:
    """The run parameters of the standard pipeline on the synthetic dataset."""
    return {"dataset": "synth", "model_name": "synth", "requests": 20, **extra}
