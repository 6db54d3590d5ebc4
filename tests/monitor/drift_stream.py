"""A seeded synthetic stream with known drift, logged through the real prediction and feedback logs.

Ten numeric inputs ``x0``..``x9``, standard normal in training. The label is
``1.2 * (x0 + x1 + x2) + 0.8 * (x3 - x4) - 1 + logistic noise > 0``. Windows are one hour each:

- from window :data:`SHIFT_FROM` the three inputs :data:`SHIFTED` move (mean 0.3, sd 0.4), which
  brings rows near the decision boundary: the model is less sure, and right less often, and it
  predicts class 1 more often;
- from window :data:`FLIP_FROM` the labels flip (``y -> 1 - y``) with no change of the inputs: a
  concept change that no input statistic, and no label-free estimate, can see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from driftline.monitor.logs.feedback import FeedbackLog
from driftline.monitor.logs.predlog import PredictionLog
from driftline.workspace import Workspace

FEATURES = tuple(f"x{i}" for i in range(10))
SHIFTED = ("x0", "x1", "x2")
SHIFT_FROM = 5
FLIP_FROM = 8
WINDOWS = 12
START = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)


def rows(
    rng: np.random.Generator, n: int, *, shift: float = 0.0, flipped: bool = False
) -> tuple[pa.Table, np.ndarray]:
    """``n`` rows of inputs and their labels; ``shift`` from 0 (none) to 1 (all of it)."""
    x = rng.normal(0.0, 1.0, size=(n, len(FEATURES)))
    if shift:
        mean, sd = 0.3 * shift, 1.0 - 0.6 * shift
        x[:, : len(SHIFTED)] = rng.normal(mean, sd, size=(n, len(SHIFTED)))
    logit = 1.2 * x[:, :3].sum(axis=1) + 0.8 * (x[:, 3] - x[:, 4]) - 1.0
    label = (logit + rng.logistic(0.0, 1.0, n) > 0).astype(np.int64)
    if flipped:
        label = 1 - label
    return pa.table({name: x[:, i] for i, name in enumerate(FEATURES)}), label


def training_table(seed: int, n: int) -> pa.Table:
    """Training rows (before any drift) with their ``label`` column."""
    inputs, label = rows(np.random.default_rng(seed), n)
    return inputs.append_column("label", pa.array(label))


@dataclass(frozen=True)
class Stream:
    """What was logged: the windows' starts and the labels of each window."""

    starts: tuple[datetime, ...]
    labels: tuple[np.ndarray, ...]
    predicted: tuple[np.ndarray, ...]


def replay(
    ws: Workspace,
    model: str,
    version: int,
    predict: Callable[[pa.Table], Any],
    *,
    seed: int,
    windows: int = WINDOWS,
    rows_per_window: int = 1000,
    requests_per_window: int = 10,
    shift: Callable[[int], float] = lambda w: float(w >= SHIFT_FROM),
    flip_from: int = FLIP_FROM,
    labelled: Callable[[int], bool] = lambda w: True,
) -> Stream:
    """Log ``windows`` hours of predictions of ``predict`` (and their labels) from :data:`START`.

    ``shift(w)`` is how much of the covariate shift window ``w`` has (0 to 1: a step by
    default); labels flip from window ``flip_from``; ``labelled(w)``: whether labels arrive.
    """
    rng = np.random.default_rng(seed)
    per_request = rows_per_window // requests_per_window
    starts, labels, predicted = [], [], []
    predictions = PredictionLog(ws.metadata, ws.artifacts, flush_rows=100_000, flush_seconds=600)
    feedback = FeedbackLog(ws.metadata, ws.artifacts, flush_rows=100_000, flush_seconds=600)
    try:
        for w in range(windows):  # windows, each logged as a few requests
            start = START + w * HOUR
            inputs, label = rows(rng, rows_per_window, shift=shift(w), flipped=w >= flip_from)
            outputs = np.asarray(predict(inputs))
            for r in range(requests_per_window):
                lo, hi = r * per_request, (r + 1) * per_request
                at = start + (r + 0.5) * HOUR / requests_per_window
                request = f"w{w}-r{r}"
                predictions.log(
                    model, version, request, inputs.slice(lo, hi - lo), outputs[lo:hi], at=at
                )
                if labelled(w):
                    feedback.record(model, {request: label[lo:hi].tolist()}, at=at + HOUR / 4)
            starts.append(start)
            labels.append(label)
            predicted.append(outputs)
    finally:
        predictions.close()
        feedback.close()
    return Stream(tuple(starts), tuple(labels), tuple(predicted))


def ramp(first: int, last: int) -> Callable[[int], float]:
    """A gradual shift: none before window ``first``, all of it from window ``last``."""
    return lambda w: float(np.clip((w - first + 1) / (last - first + 1), 0.0, 1.0))
