import inspect
from datetime import UTC, datetime, timedelta, timezone

import pytest

from driftline.core import errors
from driftline.core.clock import Clock, ManualClock, SystemClock, utc
from driftline.core.urls import redact_url, url_scheme


def test_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock(datetime(2026, 3, 1))
    clock.advance(3600)
    assert clock.now() == datetime(2026, 3, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1)


def test_utc_converts_other_zones() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert utc(datetime(2026, 1, 1, 12, tzinfo=plus_two)) == datetime(2026, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://u:pw@h:5432/d", "postgresql+psycopg://u:***@h:5432/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("s3://bucket/x", "s3://bucket/x"),
        ("/local/path", "/local/path"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert "pw" not in redact_url(url)


def test_url_scheme() -> None:
    assert url_scheme("S3://b") == "s3"
    assert url_scheme("relative/dir") == ""


def test_every_error_is_in_the_documented_tree() -> None:
    doc = errors.__doc__ or ""
    classes = [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.DriftlineError)
    ]
    assert sorted(c.__name__ for c in classes) == sorted(errors.__all__)
    for cls in classes:
        assert cls.__name__ in doc, f"{cls.__name__} missing from the tree in the docstring"
        assert cls.__doc__, f"{cls.__name__} has no docstring"
