"""The backtest's eyes: the replayed stream turned into the observations the controller makes.

A span is *ingested* once its labels have all arrived (the training pipeline needs them), as the
batch-prediction pipeline turns labelled data into the next span. At each check the triggers get
an :class:`~driftline.policy.observation.Observation` with the same parts as in the controller:

* ``champion``: the model serving now, since the first row it served;
* ``live``: the rows it served whose labels have arrived, in order; a label arrives when the row
  ``delay`` rows later has been served, and that row's time is its arrival time;
* ``new_spans``: the ingested spans newer than the last retrain could see;
* ``drift``: the newest ingested span's profile against the champion's training profile (the
  merged profiles of the spans it was trained on), with the schema's index columns excluded;
* ``windows``: not replayed (the replay logs no prediction segments to profile in windows): a
  :class:`~driftline.policy.observation.Gap` ``not_replayed`` says so, and the triggers that
  read live windows (``drift`` with ``source = "live"``, ``outliers``, ``metric`` with
  ``metric = "estimated_accuracy"``) skip with it.

Span profiles are those ingest would store (every column of the span's rows), made once each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from driftline.backtest.stream import PreparedStream
from driftline.policy.observation import (
    ChampionView,
    Gap,
    LiveOutcomes,
    NewSpan,
    Observation,
    SpanDrift,
)

if TYPE_CHECKING:
    from driftline.data.profile import Profile

__all__ = ["NOT_REPLAYED", "ReplayObserver", "ServingChampion"]

NOT_REPLAYED = Gap(
    "not_replayed",
    "live windows are not replayed by the backtest (it logs no predictions to profile); "
    "triggers on live windows are evaluated by the controller only",
)
"""The gap of the ``windows`` part in every replayed observation."""


class ServingChampion:
    """The replay's champion: its model, version, training spans and first row served."""

    def __init__(
        self, model: Any, flavor: Any, version: int, spans: Sequence[int], since_row: int
    ) -> None:
        self.model, self.flavor, self.version = model, flavor, version
        self.spans = tuple(spans)
        self.since_row = since_row
        self.profile: Profile | None = None


class ReplayObserver:
    """Observations of a replayed stream (see the module docstring)."""

    def __init__(self, stream: PreparedStream, model_name: str, parts: frozenset[str]) -> None:
        self.s = stream
        self.name = model_name
        self.parts = parts
        self.profiles: dict[int, Profile] = {}

    def profile(self, span: int) -> Profile:
        """The profile of span ``span`` (0-based) as ingest stores it, made once."""
        if span not in self.profiles:
            from driftline.data import profile_table

            self.profiles[span] = profile_table(self.s.span_table(span))
        return self.profiles[span]

    def merged(self, spans: Sequence[int]) -> Profile:
        """The merged profile of some spans (a training profile)."""
        merged = self.profile(spans[0])
        for span in spans[1:]:
            merged = merged.merge(self.profile(span))
        return merged

    def _live(
        self,
        champion: ServingChampion,
        predictions: npt.NDArray[np.int64],
        served_by: npt.NDArray[np.int64],
        known: int,
        end: int,
    ) -> LiveOutcomes:
        s = self.s
        rows = np.flatnonzero(served_by[:known] == champion.version)
        arrived = np.minimum(rows + s.delay, s.rows - 1)
        stamps = np.datetime64(s.start.replace(tzinfo=None), "us") + (
            s.minutes[arrived] * 60e6
        ).astype("timedelta64[us]")
        served = int(np.count_nonzero(served_by[:end] == champion.version))
        return LiveOutcomes(s.codes[rows], predictions[rows], stamps, served)

    def _drift(
        self, champion: ServingChampion, newest: int, index: Sequence[str]
    ) -> SpanDrift | None:
        if newest < 0:
            return None
        if champion.profile is None:
            champion.profile = self.merged(champion.spans)
        return SpanDrift.between(
            champion.profile, self.profile(newest), span=newest + 1, index=index
        )

    def observe(
        self,
        *,
        end: int,
        known: int,
        seen: int,
        champion: ServingChampion | None,
        predictions: npt.NDArray[np.int64],
        served_by: npt.NDArray[np.int64],
        index: Sequence[str],
    ) -> Observation:
        """The observation once the rows before ``end`` are served, those before ``known`` labelled.

        ``seen`` is the newest span number the last retrain could see.
        """
        s = self.s
        labelled = known // s.span_rows
        view = live = drift = None
        gaps: dict[str, Gap] = {}
        if champion is not None:
            since = s.moment(champion.since_row)
            view = ChampionView(self.name, champion.version, since)
            if "live" in self.parts:
                live = self._live(champion, predictions, served_by, known, end)
            if "drift" in self.parts:
                drift = self._drift(champion, labelled - 1, index)
                if drift is None:
                    gaps["drift"] = Gap("no_data", "no span has been ingested yet")
            if "windows" in self.parts:
                gaps["windows"] = NOT_REPLAYED
        new_spans = tuple(
            NewSpan(n + 1, s.span_bounds(n)[1] - s.span_bounds(n)[0]) for n in range(seen, labelled)
        )
        return Observation(
            now=s.moment(end - 1),
            seen_span=seen,
            champion=view,
            live=live,
            new_spans=new_spans,
            drift=drift,
            gaps=gaps,
        )
