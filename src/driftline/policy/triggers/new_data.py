"""``kind = "new_data"``: fires on spans newer than those the last retrain could see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from driftline.policy.observation import Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict

__all__ = ["NewDataTrigger"]


def spans_text(numbers: Sequence[int]) -> str:
    """``span 3``, ``spans 3-5`` or ``no spans``."""
    if not numbers:
        return "no spans"
    if len(numbers) == 1:
        return f"span {numbers[0]}"
    return f"spans {numbers[0]}-{numbers[-1]}"


@dataclass(frozen=True)
class NewDataTrigger(Trigger):
    """Fires when there are new spans: with ``min_rows``, at least that many labelled rows of them.

    ``path`` (and ``pattern``) name a folder whose new files the controller ingests, one span each,
    before deciding (the observation's ``arrivals``); a backtest's replayed stream is the new data
    itself. At least one of ``path`` and ``min_rows`` is required.

    Examples:
        >>> from datetime import datetime, UTC
        >>> from driftline.policy.observation import NewSpan
        >>> seen = Observation(datetime(2026, 1, 1, tzinfo=UTC), seen_span=2,
        ...                    new_spans=(NewSpan(3, 600), NewSpan(4, 500, labelled=False)))
        >>> NewDataTrigger(min_rows=1000).decide(seen, {}).reason
        '600 new labelled rows in spans 3-4 (at least 1000 wanted)'
        >>> NewDataTrigger(path="incoming").decide(seen, {}).fired
        True

    """

    path: str | None = None
    pattern: str = "*"
    min_rows: int | None = None
    kind: ClassVar[str] = "new_data"
    keys: ClassVar[tuple[str, ...]] = ("path", "pattern", "min_rows")
    observes: ClassVar[frozenset[str]] = frozenset({"new_spans", "arrivals"})

    @classmethod
    def read(cls, table: TableReader) -> NewDataTrigger:
        """``path`` (a folder), ``pattern`` (default ``*``), ``min_rows``: at least one of two."""
        path, rows = table.text("path"), table.integer("min_rows", None, low=1)
        if path is None and rows is None:
            raise table.error("(new_data) needs path or min_rows")
        return cls(path=path, pattern=str(table.text("pattern", "*")), min_rows=rows)

    def decide(self, observation: Observation, state: Mapping[str, Any]) -> TriggerVerdict:
        """Count the new spans' labelled rows; fire on any new span, or on ``min_rows``."""
        evidence: dict[str, Any] = {"since_span": observation.seen_span}
        arrivals = observation.arrivals
        if arrivals is not None:
            evidence.update(
                folder=arrivals.folder,
                pattern=arrivals.pattern,
                ingested=[dict(f) for f in arrivals.ingested],
                refused=[dict(f) for f in arrivals.refused],
            )
        gap = observation.gaps.get("arrivals")
        if gap is not None:
            return TriggerVerdict(False, gap.reason, evidence, skip=gap.code)
        spans = observation.new_spans
        numbers = [s.number for s in spans]
        labelled = sum(s.rows for s in spans if s.labelled)
        evidence.update(new_spans=numbers, labelled_rows=labelled, min_rows=self.min_rows)
        if not spans:
            return TriggerVerdict(
                False, f"no new spans since span {observation.seen_span}", evidence
            )
        if self.min_rows is None:
            return TriggerVerdict(True, f"new data: {spans_text(numbers)}", evidence)
        return TriggerVerdict(
            labelled >= self.min_rows,
            f"{labelled} new labelled rows in {spans_text(numbers)} (at least {self.min_rows} "
            "wanted)",
            evidence,
        )
