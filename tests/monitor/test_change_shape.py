"""change_shape: steps are sudden, ramps gradual, noise is no change; short, flat and NaN series."""

from __future__ import annotations

import numpy as np
import pytest

from driftline.core.errors import InputError
from driftline.monitor.change_shape import MIN_POINTS, change_shape, fit_change

BASE, JUMP = 0.05, 0.4


def _step(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, int]:
    k = int(rng.integers(2, n - 2))
    return BASE + np.where(np.arange(n) >= k, JUMP, 0.0) + rng.normal(0, noise, n), k


def _ramp(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    a = int(rng.integers(0, n // 3))
    b = int(rng.integers(a + max(4, n // 4), n))
    level = JUMP * np.clip((np.arange(n) - a) / (b - a), 0, 1)
    return BASE + level + rng.normal(0, noise, n)


def _shares(series: list[np.ndarray]) -> dict[str, float]:
    found = [change_shape(list(s)) for s in series]
    return {shape: found.count(shape) / len(found) for shape in ("sudden", "gradual", "none")}


@pytest.mark.parametrize(("n", "noise"), [(12, 0.02), (12, 0.05), (24, 0.05), (48, 0.1)])
def test_steps_are_sudden(n: int, noise: float) -> None:
    rng = np.random.default_rng(n + int(noise * 100))
    shares = _shares([_step(rng, n, noise)[0] for _ in range(100)])
    assert shares["sudden"] >= 0.9, shares


@pytest.mark.parametrize(("n", "noise"), [(12, 0.02), (12, 0.05), (24, 0.05), (48, 0.1)])
def test_ramps_are_gradual(n: int, noise: float) -> None:
    rng = np.random.default_rng(100 + n + int(noise * 100))
    shares = _shares([_ramp(rng, n, noise) for _ in range(100)])
    assert shares["gradual"] >= 0.85, shares


@pytest.mark.parametrize("n", [8, 12, 48, 168])
def test_noise_alone_is_no_change(n: int) -> None:
    rng = np.random.default_rng(200 + n)
    shares = _shares([BASE + rng.normal(0, 0.05, n) for _ in range(100)])
    assert shares["none"] >= 0.95, shares


def test_a_step_that_straddles_a_window_is_still_sudden() -> None:
    values = [0.02, 0.03, 0.02, 0.03, 0.02, 0.19, 0.41, 0.40, 0.42, 0.41]
    fit = fit_change(values)
    assert (fit.shape, fit.start, fit.end) == ("sudden", 4, 6)


def test_a_line_over_the_whole_series_is_gradual() -> None:
    assert change_shape(list(np.linspace(0.0, 1.0, 10))) == "gradual"


def test_the_fit_reports_levels_and_where_the_change_is() -> None:
    fit = fit_change([0.1] * 6 + [0.5] * 6)
    assert (fit.start, fit.end, fit.points) == (5, 6, 12)
    assert fit.before == pytest.approx(0.1)
    assert fit.after == pytest.approx(0.5)


def test_a_fall_is_a_change_too() -> None:
    assert change_shape([0.5] * 6 + [0.1] * 6) == "sudden"


def test_threshold_ignores_small_moves() -> None:
    values = [0.10] * 6 + [0.15] * 6
    assert change_shape(values) == "sudden"
    assert change_shape(values, threshold=0.1) == "none"


@pytest.mark.parametrize(
    "values",
    [[], [0.3], [0.1, 0.9], [0.1, 0.1, 0.9, 0.9], [0.2] * 20, [float("nan")] * 10],
    ids=["empty", "one", "two", "four", "flat", "all-nan"],
)
def test_short_flat_or_missing_series_show_no_change(values: list[float]) -> None:
    assert change_shape(values) == "none"


def test_missing_values_are_left_out_and_positions_kept() -> None:
    values: list[float | None] = [0.1, None, 0.1, float("nan"), 0.1, 0.1, 0.9, 0.9, None, 0.9]
    fit = fit_change(values)
    assert (fit.shape, fit.points, fit.start, fit.end) == ("sudden", 7, 5, 6)


def test_fewer_than_min_points_never_change() -> None:
    assert change_shape([0.0] * (MIN_POINTS - 2) + [1.0]) == "none"


def test_a_large_level_loses_no_precision() -> None:
    assert change_shape([1e9 + v for v in [0.0] * 6 + [1.0] * 6]) == "sudden"


@pytest.mark.parametrize(
    ("values", "threshold", "message"),
    [
        (["a", "b"], None, "sequence of numbers"),
        ([[1.0, 2.0]], None, "flat sequence"),
        ([0.1] * 6, -1.0, "threshold"),
        ([0.1] * 6, float("nan"), "threshold"),
    ],
)
def test_bad_input_is_named(values: list[object], threshold: float | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        change_shape(values, threshold=threshold)  # type: ignore[arg-type]
