"""What the triggers on live windows share: the window they judge, its evidence, once per window.

A live-window trigger (``drift`` with ``source = "live"``, ``outliers``, ``metric`` with
``metric = "estimated_accuracy"``) judges the newest window of the champion's version with at
least ``min_rows`` rows (:meth:`~driftline.policy.observation.LiveWindows.newest`), and fires at
most once per version and window (state ``fired_for``: ``[version, window start]``).

Examples:
    >>> from datetime import datetime, UTC
    >>> from driftline.policy.observation import Observation
    >>> judged(Observation(datetime(2026, 1, 1, tzinfo=UTC)), 100).skip
    'no_champion'

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftline.core.clock import utc
from driftline.policy.observation import ChampionView, Observation
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import TriggerVerdict, champion_evidence, no_champion

if TYPE_CHECKING:
    from driftline.monitor.window_metrics import WindowMetrics

__all__ = [
    "DEFAULT_MIN_ROWS",
    "judged",
    "min_rows",
    "once_per_window",
    "window_evidence",
    "window_name",
]

DEFAULT_MIN_ROWS = 100
"""Rows a window needs before a live-window trigger judges it, unless ``min_rows`` says."""


def min_rows(table: TableReader) -> int:
    """``min_rows``: an int of at least 1 (default :data:`DEFAULT_MIN_ROWS`)."""
    return int(table.integer("min_rows", DEFAULT_MIN_ROWS, low=1) or DEFAULT_MIN_ROWS)


def judged(
    observation: Observation, rows: int
) -> tuple[ChampionView, WindowMetrics] | TriggerVerdict:
    """The champion and the window to judge, or the verdict that says why there is none.

    Skips: ``no_champion``; the gap of the ``windows`` part (its code); ``no_windows`` (nothing
    logged since the champion serves); ``not_enough_rows`` (no window has ``rows`` rows yet).
    """
    champion = observation.champion
    if champion is None:
        return no_champion()
    gap = observation.gaps.get("windows")
    evidence: dict[str, Any] = {**champion_evidence(champion), "min_rows": rows}
    if gap is not None:
        return TriggerVerdict(False, gap.reason, evidence, skip=gap.code)
    live = observation.windows
    if live is None or not live.windows:
        why = f"{champion.ref} has no live window since it serves (nothing logged yet)"
        return TriggerVerdict(False, why, evidence, skip="no_windows")
    window = live.newest(rows)
    if window is None:
        most = max(w.rows for w in live.windows)
        why = (
            f"none of the {len(live.windows)} live windows of {champion.ref} has {rows} rows "
            f"yet (the fullest has {most})"
        )
        return TriggerVerdict(False, why, {**evidence, "rows": most}, skip="not_enough_rows")
    return champion, window


def window_name(window: WindowMetrics) -> str:
    """``the window from 2026-05-01 10:00 UTC (1,200 rows)``: how a reason names a window."""
    return f"the window from {utc(window.start):%Y-%m-%d %H:%M} UTC ({window.rows:,} rows)"


def window_evidence(champion: ChampionView, window: WindowMetrics, rows: int) -> dict[str, Any]:
    """The evidence naming the champion and the window judged (JSON-ready)."""
    return {
        **champion_evidence(champion),
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "rows": window.rows,
        "min_rows": rows,
    }


def once_per_window(
    fired: bool,
    text: str,
    evidence: dict[str, Any],
    champion: ChampionView,
    window: WindowMetrics,
    state: Mapping[str, Any],
) -> TriggerVerdict:
    """The verdict, firing at most once per version and window (state ``fired_for``)."""
    if not fired:
        return TriggerVerdict(False, text, evidence)
    pair = [champion.version, window.start.isoformat()]
    if list(state.get("fired_for") or ()) == pair:
        return TriggerVerdict(False, f"{text}; fired for this window already", evidence)
    return TriggerVerdict(True, text, evidence, state={"fired_for": pair})
