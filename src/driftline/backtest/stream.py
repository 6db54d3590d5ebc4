"""A labelled table made ready for a backtest: inputs, label codes, spans, eval split and clock.

Everything here is computed once, with whole-column operations, before any method replays it:

* **inputs**: every column but the label, ``[backtest] exclude`` and date/time columns (as the
  trainers choose them), plus ``label_lag_K`` for each ``[backtest] label_lags`` entry: the
  ``K``-th latest label that has *arrived* when a row is predicted. With a label delay of ``d``
  rows that is the label of row ``t - d - K`` (``-1`` before any has arrived), so no input ever
  holds a label that was not there yet.
* **label codes**: the label's distinct values in sorted order; code ``-1`` means "no prediction".
* **eval split**: as ingest splits a span, a row is held out for evaluation when
  ``unit_interval(stable_hash64(position)) < eval_fraction``, its position counted from the start
  of its span (so a span holds out the same rows here as when it is ingested as one file).
* **scored rows**: the first rows, before the first span's labels have all arrived and a first
  model can serve (the first span boundary at or after ``span_rows + delay``), are *excluded* from
  every method's accuracy; every later row counts, and a method without a prediction for it is
  wrong there.
* **clock**: minutes since the first row, from ``[backtest] time_column`` or ``minutes_per_row``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from driftline.components.metrics import Task, infer_task
from driftline.components.trainers import split_features
from driftline.core.errors import InputError
from driftline.data.hashing import stable_hash64, unit_interval
from driftline.data.profile import listing
from driftline.policy.model import BacktestSettings

__all__ = ["CLOCK_EPOCH", "PreparedStream", "prepare_stream"]

CLOCK_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""Where the replay clock starts when the data has no time column."""

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PreparedStream:
    """A table ready to replay (see the module docstring)."""

    table: Any
    inputs: Any
    label: str
    labels: npt.NDArray[Any]
    codes: I64
    classes: npt.NDArray[Any]
    task: Task
    eval_mask: Bools
    minutes: F64
    start: datetime
    span_rows: int
    delay: int

    @property
    def rows(self) -> int:
        """How many rows the stream has."""
        return len(self.codes)

    @property
    def spans(self) -> int:
        """How many spans (the last may be shorter)."""
        return -(-self.rows // self.span_rows)

    @property
    def first_scored(self) -> int:
        """The first row that counts towards accuracy (see the module docstring)."""
        s = self.span_rows
        return min(self.rows, s * -(-(s + self.delay) // s))

    def span_bounds(self, index: int) -> tuple[int, int]:
        """The rows ``[start, end)`` of span ``index`` (0-based)."""
        start = index * self.span_rows
        return start, min(start + self.span_rows, self.rows)

    def moment(self, row: int) -> datetime:
        """The replay clock's time of ``row`` (UTC)."""
        return self.start + timedelta(minutes=float(self.minutes[row]))

    def span_table(self, index: int) -> Any:
        """The rows of span ``index`` as they would be ingested: every column of the data."""
        start, end = self.span_bounds(index)
        return self.table.slice(start, end - start)

    def to_codes(self, values: npt.NDArray[Any]) -> I64:
        """Codes of predicted label values (values never seen as labels get ``-1``)."""
        values = np.asarray(values)
        if values.dtype != self.classes.dtype:
            try:
                values = values.astype(self.classes.dtype)
            except (TypeError, ValueError):
                return np.full(len(values), -1, dtype=np.int64)
        at = np.searchsorted(self.classes, values)
        at = np.clip(at, 0, len(self.classes) - 1)
        hit = self.classes[at] == values
        return np.where(hit, at, -1).astype(np.int64)


def _label_values(column: Any) -> npt.NDArray[Any]:
    values: npt.NDArray[Any] = np.asarray(column.to_numpy(zero_copy_only=False))
    return values.astype(np.int64) if values.dtype.kind == "b" else values


def _clock(table: Any, settings: BacktestSettings) -> tuple[F64, datetime]:
    import pyarrow as pa

    rows = table.num_rows
    name = settings.time_column
    if name is None:
        return np.arange(rows, dtype=np.float64) * settings.minutes_per_row, CLOCK_EPOCH
    if name not in table.column_names:
        raise InputError(
            f"backtest.time_column {name!r} does not exist; columns: {listing(table.column_names)}"
        )
    column = table.column(name)
    if not pa.types.is_timestamp(column.type) and not pa.types.is_date(column.type):
        raise InputError(
            f"backtest.time_column {name!r} must hold dates or times, not {column.type}"
        )
    if column.null_count:
        raise InputError(f"backtest.time_column {name!r} has {column.null_count} missing values")
    stamps = column.cast(pa.timestamp("us")).to_numpy().astype("datetime64[us]")
    minutes = (stamps - stamps[0]).astype(np.float64) / 60e6
    if rows > 1 and bool(np.any(np.diff(minutes) < 0)):
        raise InputError(f"backtest.time_column {name!r} must not go back in time")
    start = datetime.fromisoformat(str(stamps[0])).replace(tzinfo=UTC)
    return minutes, start


def _lags(codes: I64, delay: int, lags: tuple[int, ...]) -> dict[str, F64]:
    out: dict[str, F64] = {}
    for k in lags:
        shift = delay + k
        column = np.full(len(codes), -1.0)
        if shift < len(codes):
            column[shift:] = codes[: len(codes) - shift]
        out[f"label_lag_{k}"] = column
    return out


def prepare_stream(
    table: Any, label: str, settings: BacktestSettings, *, delay: int, span_rows: int
) -> PreparedStream:
    """Check ``table`` and compute what every method replays (see the module docstring).

    Raises:
        InputError: a missing label or excluded column (listing the columns), a label that is
            not a classification target, missing labels, or too few rows for one scored span.

    """
    import pyarrow as pa

    if label not in table.column_names:
        raise InputError(
            f"label column {label!r} does not exist; columns: {listing(table.column_names)}"
        )
    if table.column(label).null_count:
        raise InputError(
            f"label column {label!r} has {table.column(label).null_count} missing values"
        )
    exclude = [c for c in settings.exclude if c != label]
    if settings.time_column and settings.time_column not in exclude:
        exclude.append(settings.time_column)
    inputs, _ = split_features(table, label, exclude)
    labels = _label_values(table.column(label))
    task = infer_task(labels)
    if task != "classification":
        raise InputError(
            f"label column {label!r} looks like a regression target ({labels.dtype}); a backtest "
            f"measures prequential accuracy, so the label must be classes"
        )
    classes, codes = np.unique(labels, return_inverse=True)
    codes = codes.astype(np.int64)
    for name, column in _lags(codes, delay, settings.label_lags).items():
        if name in inputs.column_names:
            raise InputError(f"column {name!r} exists already; it is the name of a label lag")
        inputs = inputs.append_column(name, pa.array(column))
    positions = np.arange(table.num_rows, dtype=np.int64) % span_rows
    eval_mask = unit_interval(stable_hash64(positions)) < settings.eval_fraction
    minutes, start = _clock(table, settings)
    stream = PreparedStream(
        table=table,
        inputs=inputs,
        label=label,
        labels=labels,
        codes=codes,
        classes=classes,
        task=task,
        eval_mask=eval_mask,
        minutes=minutes,
        start=start,
        span_rows=span_rows,
        delay=delay,
    )
    if stream.first_scored >= stream.rows:
        raise InputError(
            f"{stream.rows} rows are too few to score anything with spans of {span_rows} rows and "
            f"a label delay of {delay}: the first {stream.first_scored} rows are warm-up"
        )
    return stream
