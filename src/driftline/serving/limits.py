"""Bounds on feedback: :class:`FeedbackLimits` and the per-model :class:`LabelRate`.

Feedback is stored for good, and it drives the live accuracy that triggers retrains and judges
canaries, so what one client can send is bounded three ways: the size of a request's body, the
labels in one request (413 past either), and the labels per model per minute (429, with a
``Retry-After`` header, past that). The rate is a token bucket per model: a full minute's worth may
come at once, then labels come back at the configured rate. Each server process keeps its own
buckets, so ``N`` workers accept up to ``N`` times the rate.

Examples:
    >>> from driftline.core.clock import ManualClock
    >>> from datetime import datetime, timezone
    >>> clock = ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> rate = LabelRate(per_minute=600, clock=clock)
    >>> rate.take("churn", 600)      # a full minute's worth at once
    >>> rate.take("churn", 10)
    Traceback (most recent call last):
    ...
    driftline.serving.errors.RequestError: model 'churn' takes at most 600 labels a minute: wait 1 s
    >>> clock.advance(1.0)           # 10 labels a second come back
    >>> rate.take("churn", 10)

"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from driftline.core.clock import Clock, SystemClock
from driftline.core.errors import InputError
from driftline.core.params import Interval, check_params
from driftline.serving.errors import RequestError

__all__ = ["FeedbackLimits", "LabelRate"]


@dataclass(frozen=True)
class FeedbackLimits:
    """How much feedback the server takes (see the module docstring).

    Args:
        max_labels: the most labels in one request (413 past it).
        max_body_bytes: the largest feedback body (413 past it).
        labels_per_minute: the most labels per model per minute in one server process (429).

    Raises:
        InputError: a limit that is not a positive whole number, or more labels per request
            than a minute allows.

    """

    max_labels: int = 10_000
    max_body_bytes: int = 2 * 2**20
    labels_per_minute: int = 120_000

    def __post_init__(self) -> None:
        """Check the limits."""
        limits = ("max_labels", "max_body_bytes", "labels_per_minute")
        check_params(
            "FeedbackLimits",
            {name: getattr(self, name) for name in limits},
            dict.fromkeys(limits, Interval(int, 1)),
        )
        if self.max_labels > self.labels_per_minute:
            raise InputError(
                f"max_labels ({self.max_labels}) cannot exceed labels_per_minute "
                f"({self.labels_per_minute}): such a request could never be accepted"
            )


class LabelRate:
    """A token bucket per model: ``per_minute`` labels, refilled continuously (thread-safe)."""

    def __init__(self, per_minute: int, *, clock: Clock | None = None) -> None:
        """Buckets of ``per_minute`` labels, full at first."""
        self.per_minute = per_minute
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._buckets: dict[str, tuple[float, float]] = {}  # model -> (labels left, at)
        self._lock = threading.Lock()

    def take(self, model: str, labels: int) -> None:
        """Take ``labels`` from ``model``'s bucket.

        Raises:
            RequestError: 429 when the bucket holds fewer; the message and the ``Retry-After``
                header say how many seconds until it holds enough. Nothing is taken.

        """
        rate = self.per_minute / 60.0
        now = self._clock.monotonic()
        with self._lock:
            left, at = self._buckets.get(model, (float(self.per_minute), now))
            left = min(float(self.per_minute), left + (now - at) * rate)
            if labels > left:
                self._buckets[model] = (left, now)
                wait = max(1, math.ceil((labels - left) / rate))
                raise RequestError(
                    429,
                    f"model {model!r} takes at most {self.per_minute} labels a minute: "
                    f"wait {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            self._buckets[model] = (left - labels, now)
