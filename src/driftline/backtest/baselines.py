"""Baselines replayed on the same stream, with the same label delay and the same scored rows.

=================  ===========================================================================
``never``          the first model of the policy's trainer, never retrained
``every``          the policy's trainer and window, retrained after every labelled span and
                   always promoted (no gate, no cooldown)
``last``           predicts the latest label that has arrived: with a delay of ``d`` rows, the
                   label of row ``t - d - 1`` (strong on autocorrelated streams such as Elec2)
``hat``            river's ``tree.HoeffdingAdaptiveTreeClassifier(seed=seed)``
``arf``            river's ``forest.ARFClassifier(seed=seed)``
=================  ===========================================================================

river's models use river's defaults but the seed, on the raw inputs (river's own Elec2 examples
and benchmarks feed trees and forests unscaled), and they are online: each row is predicted, then
the label of row ``t - d`` is learnt (``learn_one``) once it has arrived. They see the same inputs
as the policy's trainer, label lags included. Turning the table into river's dicts happens once,
before the clock starts; the CPU time is that of ``predict_one`` and ``learn_one``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.backtest.stream import PreparedStream
from driftline.core.errors import InputError

__all__ = ["RIVER_BASELINES", "last_label", "river_rows", "river_baseline"]

RIVER_BASELINES = ("hat", "arf")
"""The river learners, by baseline key."""

ProgressFn = Callable[[int], None]
_PROGRESS_EVERY = 1000


def last_label(stream: PreparedStream) -> tuple[npt.NDArray[np.int64], float]:
    """Predict, for each row, the latest label already arrived; ``(codes, CPU seconds)``.

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.backtest.stream import prepare_stream
        >>> from driftline.policy.model import BacktestSettings
        >>> t = pa.table({"x": [0.0] * 6, "y": [1, 1, 0, 0, 1, 0]})
        >>> s = prepare_stream(t, "y", BacktestSettings(), delay=1, span_rows=2)
        >>> last_label(s)[0].tolist()   # row t gets the label of row t - 2
        [-1, -1, 1, 1, 0, 0]

    """
    started = time.process_time()
    shift = stream.delay + 1
    out = np.full(stream.rows, -1, dtype=np.int64)
    if shift < stream.rows:
        out[shift:] = stream.codes[: stream.rows - shift]
    return out, time.process_time() - started


def river_rows(stream: PreparedStream) -> list[dict[str, Any]]:
    """The inputs as river's feature dicts (missing values left out)."""
    rows: list[dict[str, Any]] = stream.inputs.to_pylist()
    if any(column.null_count for column in stream.inputs.columns):
        rows = [{k: v for k, v in row.items() if v is not None} for row in rows]
    return rows


def _model(key: str, seed: int) -> Any:
    try:
        from river import forest, tree
    except ImportError:
        raise InputError(
            f"baseline {key!r} needs river: pip install 'driftline[backtest]' "
            f"(or leave it out with --baselines)"
        ) from None
    if key == "hat":
        return tree.HoeffdingAdaptiveTreeClassifier(seed=seed)
    if key == "arf":
        return forest.ARFClassifier(seed=seed)
    raise InputError(f"unknown river baseline {key!r}; known: {', '.join(RIVER_BASELINES)}")


def river_baseline(
    stream: PreparedStream,
    key: str,
    seed: int,
    rows: list[dict[str, Any]],
    progress: ProgressFn | None = None,
) -> tuple[npt.NDArray[np.int64], float]:
    """Replay river's learner ``key`` online with the stream's delay; ``(codes, CPU seconds)``."""
    model = _model(key, seed)
    labels: list[int] = stream.codes.tolist()
    delay = stream.delay
    out: list[int] = [-1] * stream.rows
    predict, learn = model.predict_one, model.learn_one
    started = time.process_time()
    for t, x in enumerate(rows):
        guess = predict(x)
        if guess is not None:
            out[t] = guess
        j = t - delay
        if j >= 0:
            learn(rows[j], labels[j])
        if progress is not None and t % _PROGRESS_EVERY == 0:
            progress(t)
    cpu = time.process_time() - started
    if progress is not None:
        progress(stream.rows)
    return np.asarray(out, dtype=np.int64), cpu
