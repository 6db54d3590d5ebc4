"""Conformance checks that every drift detector passes (built-ins and third-party ones).

:func:`check_detector` runs them all on a fresh detector from a factory; each check raises
``AssertionError`` naming the detector and what failed. Streams are error rates (0/1 values drawn
with a fixed seed), which every detector accepts:

* :func:`check_stationary`: at most ``max_false_alarms`` alarms on ``n`` values at a constant rate;
* :func:`check_abrupt_change`: an alarm within ``max_delay`` values after the rate jumps;
* :func:`check_reset`: after :meth:`~DriftDetector.reset`, the same stream gives the same alarms;
* :func:`check_update_many`: ``update_many`` signals exactly where ``update`` does, and leaves
  ``drift_detected`` as ``update`` would.

Examples:
    >>> from driftline.drift.detectors import ADWIN
    >>> check_detector(ADWIN)

"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from driftline.drift.detectors.base import DriftDetector

__all__ = [
    "check_abrupt_change",
    "check_detector",
    "check_reset",
    "check_stationary",
    "check_update_many",
    "error_stream",
]

Factory = Callable[[], DriftDetector]


def error_stream(
    seed: int, rates: tuple[float, ...], lengths: tuple[int, ...]
) -> npt.NDArray[np.float64]:
    """0/1 values: ``lengths[i]`` draws at error rate ``rates[i]``, one segment after another.

    Examples:
        >>> error_stream(0, (0.0, 1.0), (2, 3)).tolist()
        [0.0, 0.0, 1.0, 1.0, 1.0]

    """
    rng = np.random.default_rng(seed)
    parts = [rng.random(n) < r for r, n in zip(rates, lengths, strict=True)]
    return np.concatenate(parts).astype(np.float64)


def _one_by_one(detector: DriftDetector, values: npt.NDArray[np.float64]) -> list[int]:
    hits = []
    for i, v in enumerate(values.tolist()):
        detector.update(v)
        if detector.drift_detected:
            hits.append(i)
    return hits


def check_stationary(
    factory: Factory,
    *,
    n: int = 10_000,
    rate: float = 0.2,
    max_false_alarms: int = 2,
    seeds: range = range(5),
) -> None:
    """At most ``max_false_alarms`` alarms per stream of ``n`` values at a constant error rate."""
    for seed in seeds:
        hits = factory().update_many(error_stream(seed, (rate,), (n,)))
        name = type(factory()).__name__
        assert hits.size <= max_false_alarms, (
            f"{name}: {hits.size} false alarms on a stationary stream (seed {seed}): "
            f"{hits.tolist()[:5]}"
        )


def check_abrupt_change(
    factory: Factory,
    *,
    before: int = 2000,
    rates: tuple[float, float] = (0.1, 0.5),
    max_delay: int = 1000,
    seeds: range = range(5),
) -> None:
    """An alarm within ``max_delay`` values after the rate jumps from ``rates[0]`` to ``[1]``."""
    for seed in seeds:
        stream = error_stream(seed, rates, (before, max_delay))
        hits = factory().update_many(stream)
        after = hits[hits >= before]
        name = type(factory()).__name__
        assert after.size, f"{name}: no alarm within {max_delay} values of the change (seed {seed})"


def check_reset(factory: Factory, *, seed: int = 0) -> None:
    """``reset()`` brings the detector back to a fresh one's state."""
    stream = error_stream(seed, (0.1, 0.6), (1500, 1500))
    detector = factory()
    first = detector.update_many(stream).tolist()
    detector.reset()
    assert not detector.drift_detected, f"{type(detector).__name__}: drift_detected after reset()"
    second = detector.update_many(stream).tolist()
    assert first == second, f"{type(detector).__name__}: {first} before reset(), {second} after"
    assert first, f"{type(detector).__name__}: the reset check's stream raised no alarm"


def check_update_many(factory: Factory, *, seed: int = 0) -> None:
    """``update_many`` gives the alarms of ``update`` called per value, also across calls."""
    stream = error_stream(seed, (0.1, 0.6, 0.1), (1000, 700, 1300))
    one, many = factory(), factory()
    expected = _one_by_one(one, stream)
    got: list[int] = []
    for lo, hi in ((0, 1), (1, 1100), (1100, 1101), (1101, stream.size)):
        got.extend((many.update_many(stream[lo:hi]) + lo).tolist())
    name = type(one).__name__
    assert got == expected, f"{name}: update_many alarms {got}, update alarms {expected}"
    assert many.drift_detected == one.drift_detected, f"{name}: drift_detected differs"
    assert many.n_detections == one.n_detections == len(expected), f"{name}: n_detections"


def check_detector(factory: Factory) -> None:
    """Run every check on detectors made by ``factory`` (a class or a function)."""
    check_stationary(factory)
    check_abrupt_change(factory)
    check_reset(factory)
    check_update_many(factory)
