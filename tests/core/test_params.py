"""The declared parameter checks: every constraint kind, and messages that name everything."""

import enum
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftline.core.errors import InputError
from driftline.core.params import (
    AnyOf,
    Boolean,
    Instance,
    Interval,
    OneOf,
    PathLike,
    Text,
    check_param,
    check_params,
    refusal,
)


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        (Interval(int, 1), [1, 2, 10**30], [0, -1, 1.0, True, False, "1", None]),
        (Interval(int, 8, 16), [8, 12, 16], [7, 17, 8.0, True]),
        (Interval(int, 0, 3, closed="neither"), [1, 2], [0, 3]),
        (Interval(float, 0, 1, closed="left"), [0, 0.5, 0.999], [1, 1.0, -0.1, math.nan, True]),
        (Interval(float, 0, 1, closed="right"), [1, 1e-9], [0, 0.0, 1.5]),
        (Interval(float, high=10), [-math.inf, 10, 3.5], [10.5, math.nan]),
        (Interval(float, 0), [0, 7, math.inf], [-1, math.nan, -math.inf]),
        (Interval(float), [0, -3.5, math.inf, 10**400], [math.nan, True, "0", None, 1j]),
        (Interval(int), [0, -5], [0.0, False]),
        (OneOf("psi", "ks"), ["psi", "ks"], ["PSI", None, 1]),
        (OneOf(1, 2), [1, 2, 2.0], [True, 3, "1"]),
        (OneOf(True), [True], [1, 1.0]),
        (OneOf(Color.RED, Color.BLUE), [Color.RED, "blue"], ["green", None]),
        (Text(), ["a", "x" * 255], ["", "   ", "x" * 256, None, 1, b"a"]),
        (Text(max_len=3, empty=True), ["", "abc"], ["abcd", None]),
        (PathLike(), ["a.csv", Path("a.csv")], ["", None, 1, b"a.csv"]),
        (Boolean(), [True, False], [0, 1, "true", None]),
        (Instance(dict), [{}, {"a": 1}], [[], None]),
        (Instance(list, tuple), [[], ()], [{}, "ab"]),
        (Interval(int, 1) | None, [None, 1], [0, "x"]),
        (Interval(int, 1) | OneOf("auto"), [1, "auto"], [0, "AUTO", None]),
    ],
    ids=repr,
)
def test_each_constraint_accepts_the_good_and_refuses_the_bad(
    constraint: object, good: list[object], bad: list[object]
) -> None:
    for value in good:
        assert constraint.accepts(value), f"{constraint} refused {value!r}"  # type: ignore[attr-defined]
    for value in bad:
        assert not constraint.accepts(value), f"{constraint} accepted {value!r}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("constraint", "text"),
    [
        (Interval(int, 1), "an int >= 1"),
        (Interval(int, 1, closed="neither"), "an int > 1"),
        (Interval(int, high=9), "an int <= 9"),
        (Interval(int, high=9, closed="left"), "an int < 9"),
        (Interval(int, 8, 1 << 20), "an int in [8, 1048576]"),
        (Interval(float, 0, 1, closed="right"), "a number in (0, 1]"),
        (Interval(float, 0, 1, closed="left"), "a number in [0, 1)"),
        (Interval(float, 0.5, 2.5, closed="neither"), "a number in (0.5, 2.5)"),
        (Interval(float, 1e-9), "a number >= 1e-09"),
        (Interval(float), "a number"),
        (Interval(int), "an int"),
        (OneOf("a", "b"), "one of 'a', 'b'"),
        (OneOf(Color.RED, Color.BLUE), "one of 'red', 'blue'"),
        (OneOf("only"), "'only'"),
        (Text(), "a non-empty string of at most 255 characters"),
        (Text(max_len=9, empty=True), "a string of at most 9 characters"),
        (PathLike(), "a path (a non-empty str or os.PathLike)"),
        (Boolean(), "a bool"),
        (Instance(list, tuple), "a list or a tuple"),
        (Interval(int, 1) | None, "an int >= 1 or None"),
        (AnyOf(None, Text()), "None or a non-empty string of at most 255 characters"),
    ],
    ids=repr,
)
def test_each_constraint_says_what_it_allows(constraint: object, text: str) -> None:
    assert str(constraint) == text


def test_the_message_names_owner_parameter_allowed_range_and_value() -> None:
    with pytest.raises(InputError) as info:
        check_param("KLLSketch", "k", 4, Interval(int, 8, 1 << 20))
    assert str(info.value) == "KLLSketch: k must be an int in [8, 1048576], got 4"
    with pytest.raises(
        InputError, match=re.escape("ADWIN: delta must be a number in (0, 1], got nan")
    ):
        check_param("ADWIN", "delta", math.nan, Interval(float, 0, 1, closed="right"))
    with pytest.raises(InputError, match=re.escape("rows must be an int >= 1, got 'many'")):
        check_param("stream", "rows", "many", Interval(int, 1))
    assert str(refusal("", "thresholds['age']", -1, Interval(float, 0))) == (
        "thresholds['age'] must be a number >= 0, got -1"
    )


def test_bool_is_not_an_int_nor_a_number() -> None:
    for constraint in (Interval(int), Interval(float), Interval(int, 0, 1), OneOf(0, 1)):
        with pytest.raises(InputError, match="got True"):
            check_param("f", "x", True, constraint)


def test_nan_is_refused_even_by_an_unbounded_number() -> None:
    with pytest.raises(InputError, match=r"f: x must be a number, got nan"):
        check_param("f", "x", float("nan"), Interval(float))


def test_check_param_returns_the_value_unchanged() -> None:
    path = Path("a.csv")
    assert check_param("f", "path", path, PathLike()) is path
    assert check_param("f", "n", 3, Interval(int, 1)) == 3


def test_check_params_checks_every_value_and_refuses_undeclared_names() -> None:
    table = {"k": Interval(int, 8), "seed": Interval(int) | None, "mode": OneOf("a", "b")}
    check_params("Thing", {"k": 8, "seed": None}, table)  # "mode" may be absent
    with pytest.raises(InputError, match=r"^Thing: mode must be one of 'a', 'b', got 'c'$"):
        check_params("Thing", {"k": 8, "mode": "c"}, table)
    with pytest.raises(InputError, match=r"^Thing: unknown parameter 'kk'; known: k, mode, seed$"):
        check_params("Thing", {"kk": 8}, table)


def test_a_malformed_declaration_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match="int or float"):
        Interval(str)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="above its high"):
        Interval(int, 5, 1)
    with pytest.raises(ValueError, match="closed"):
        Interval(int, 0, 1, closed="open")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        OneOf()
    with pytest.raises(TypeError, match="constraints or None"):
        AnyOf(Interval(int), 3)  # type: ignore[arg-type]


@given(st.integers(), st.integers(-50, 50), st.integers(-50, 50))
def test_an_int_interval_agrees_with_the_comparison(value: int, a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    for closed, inside in [
        ("both", low <= value <= high),
        ("left", low <= value < high),
        ("right", low < value <= high),
        ("neither", low < value < high),
    ]:
        assert Interval(int, low, high, closed=closed).accepts(value) is inside  # type: ignore[arg-type]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_number_interval_refuses_nan_and_agrees_elsewhere(value: float) -> None:
    inside = not math.isnan(value) and 0 < value <= 1
    assert Interval(float, 0, 1, closed="right").accepts(value) is inside
