"""The controller's eyes: the workspace's stores turned into observations for the triggers.

One :class:`StoreObserver` serves one tick. It reads only the parts a trigger declares it
observes (``Trigger.observes``), once per tick:

* ``champion``: the registry's ``champion`` of the policy's model and when it was promoted;
* ``live``: its logged predictions since then joined with feedback labels
  (:func:`driftline.monitor.joined`), the labelled ones in the order their labels arrived;
* ``arrivals``: a ``new_data`` trigger's watched folder, whose new files are ingested first
  (:mod:`~driftline.controller.watch`);
* ``new_spans``: the dataset's spans newer than the last retrain could see;
* ``drift``: the newest span's profile against the champion's training profile, with the
  schema's index columns excluded;
* ``windows``: the metrics of the champion's live windows since its promotion
  (:func:`driftline.monitor.window_metrics.window_metrics`, which first profiles what was logged
  since the last tick).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.controller.leases import Leases
from driftline.controller.watch import MAX_REJECTED, Fingerprints, ingest_folder, watched_folder
from driftline.core.clock import Clock, utc
from driftline.core.errors import NotFoundError
from driftline.policy.model import Policy
from driftline.policy.observation import (
    Arrivals,
    ChampionView,
    Gap,
    LiveOutcomes,
    LiveWindows,
    NewSpan,
    Observation,
    SpanDrift,
)
from driftline.policy.triggers import NewDataTrigger, Trigger

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["Observed", "StoreObserver"]


@dataclass(frozen=True)
class Observed:
    """An observation for one trigger, with what the controller records beside it.

    Attributes:
        observation: what the trigger decides on.
        inputs: the artifacts read (the lineage of the trigger's execution).
        context: evidence to record beside the trigger's own (e.g. the dataset).
        state: what the observer itself must remember (files refused), or ``None``.

    """

    observation: Observation
    inputs: dict[str, list[int]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] | None = None


_UNSET: Any = object()


class StoreObserver:
    """Observations from the workspace's stores for one tick (see the module docstring)."""

    def __init__(
        self,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        policy: Policy,
        *,
        clock: Clock,
        base: Path,
        seen_span: int,
        leases: Leases,
        fingerprints: Fingerprints,
        log: Callable[[str], None],
    ) -> None:
        self.metadata, self.artifacts, self.policy = metadata, artifacts, policy
        self.clock, self.base, self.seen_span = clock, base, seen_span
        self.leases, self.fingerprints, self.log = leases, fingerprints, log
        self._champion: Any = _UNSET
        self._live: Any = _UNSET
        self._drift: Any = _UNSET
        self._windows: Any = _UNSET

    def _catalog(self) -> DataCatalog:
        from driftline.data.catalog import DataCatalog

        return DataCatalog(self)

    # -- the parts ----------------------------------------------------------------------------

    def champion(self) -> ChampionView | None:
        """The serving champion and since when it serves (``None`` without one)."""
        if self._champion is _UNSET:
            self._champion = self._find_champion()
        return self._champion  # type: ignore[no-any-return]

    def _find_champion(self) -> ChampionView | None:
        from driftline.registry import ModelRegistry
        from driftline.registry.versions import CHAMPION

        registry = ModelRegistry(self)
        name = self.policy.model.name
        if name not in registry.models():
            return None
        champion = registry.alias(name, CHAMPION)
        if champion is None:
            return None
        promoted = [
            h.at
            for h in registry.history(name)
            if h.alias == CHAMPION and h.version == champion.number
        ]
        since = utc(promoted[-1] if promoted else champion.created_at)
        profile = int(champion.profile_id) if champion.profile_id is not None else None
        return ChampionView(name, champion.number, since, profile)

    def live(self) -> LiveOutcomes | None:
        """The champion's labelled predictions since its promotion, in label order."""
        if self._live is _UNSET:
            self._live = self._read_live()
        return self._live  # type: ignore[no-any-return]

    def _read_live(self) -> LiveOutcomes | None:
        import pyarrow.compute as pc

        from driftline.monitor import joined

        champion = self.champion()
        if champion is None:
            return None
        table = joined(
            self.metadata,
            self.artifacts,
            champion.name,
            since=champion.since,
            version=champion.version,
        )
        predictions = table.num_rows
        table = table.filter(pc.is_valid(table["label"])).sort_by(
            [("label_time", "ascending"), ("time", "ascending")]
        )
        times = table["label_time"].to_numpy().astype("datetime64[us]")
        return LiveOutcomes(
            truth=np.asarray(table["label"].to_numpy(zero_copy_only=False)),
            predicted=np.asarray(table["prediction"].to_numpy(zero_copy_only=False)),
            label_times=times,
            predictions=predictions,
        )

    def drift(self) -> tuple[SpanDrift | None, Gap | None, dict[str, list[int]]]:
        """The newest span against the champion's training profile: (drift, gap, inputs)."""
        if self._drift is _UNSET:
            self._drift = self._compare()
        return self._drift  # type: ignore[no-any-return]

    def _compare(self) -> tuple[SpanDrift | None, Gap | None, dict[str, list[int]]]:
        champion = self.champion()
        if champion is None:
            return None, None, {}
        if champion.profile_id is None:
            why = f"{champion.ref} was registered without a training profile"
            return None, Gap("no_training_profile", why), {}
        catalog = self._catalog()
        dataset = self.policy.model.dataset
        from driftline.data.quarantine import quarantined, usable

        try:
            found = usable(catalog.spans(dataset), quarantined(self.metadata, dataset))
            newest = found[-1] if found else catalog.span(dataset)  # all held: says so
        except NotFoundError as exc:
            return None, Gap("no_data", str(exc)), {}
        if not found:
            why = f"every span of {dataset!r} is quarantined (see `driftline spans {dataset}`)"
            return None, Gap("no_data", why), {}
        index: tuple[str, ...] = ()
        if catalog.schema_version(dataset) > 0:
            index = catalog.schema(dataset).index_columns
        drift = SpanDrift.between(
            catalog.load_profile(str(champion.profile_id)),
            catalog.span_profile(newest),
            span=newest.number,
            index=index,
            reference_profile=champion.profile_id,
        )
        return drift, None, {"reference": [champion.profile_id], "current": [newest.profile_id]}

    def windows(self) -> LiveWindows | None:
        """The metrics of the champion's live windows since its promotion (``None``: none)."""
        if self._windows is _UNSET:
            self._windows = self._read_windows()
        return self._windows  # type: ignore[no-any-return]

    def _read_windows(self) -> LiveWindows | None:
        from driftline.monitor.window_metrics import window_metrics
        from driftline.monitor.windows import DEFAULT_WINDOW
        from driftline.store.stores import Stores

        champion = self.champion()
        if champion is None:
            return None
        found = window_metrics(
            Stores(self.metadata, self.artifacts),
            champion.name,
            version=champion.version,
            since=champion.since,
        )
        return LiveWindows(tuple(found), DEFAULT_WINDOW)

    def arrivals(
        self, trigger: NewDataTrigger, state: Mapping[str, Any]
    ) -> tuple[Arrivals | None, Gap | None, dict[str, Any] | None]:
        """Ingest the watched folder's new files: (arrivals, gap, state to remember)."""
        if trigger.path is None:
            return None, None, None
        folder = watched_folder(trigger.path, self.base)
        if not folder.is_dir():
            why = f"the watched folder {folder} does not exist"
            return Arrivals(str(folder), trigger.pattern), Gap("no_folder", why), None
        rejected = [str(s) for s in state.get("rejected", [])]
        ingested, refused = ingest_folder(
            folder,
            trigger.pattern,
            catalog=self._catalog(),
            dataset=self.policy.model.dataset,
            label=self.policy.model.label,
            leases=self.leases,
            rejected=rejected,
            fingerprints=self.fingerprints,
            log=self.log,
        )
        remember = {"rejected": rejected[-MAX_REJECTED:]} if refused else None
        arrivals = Arrivals(str(folder), trigger.pattern, tuple(ingested), tuple(refused))
        return arrivals, None, remember

    def new_spans(self) -> tuple[tuple[NewSpan, ...], list[int]]:
        """The spans newer than the last retrain could see, and their artifact ids.

        Quarantined spans are left out: they are no new data to train on.
        """
        from driftline.data.quarantine import quarantined, usable

        dataset = self.policy.model.dataset
        held = quarantined(self.metadata, dataset)
        spans = [
            s for s in usable(self._catalog().spans(dataset), held) if s.number > self.seen_span
        ]
        found = tuple(NewSpan(s.number, s.rows, bool(s.label)) for s in spans)
        return found, [s.artifact_id for s in spans]

    # -- one trigger's observation ------------------------------------------------------------

    def observe(self, trigger: Trigger, state: Mapping[str, Any]) -> Observed:
        """What ``trigger`` observes, now."""
        parts = trigger.observes
        gaps: dict[str, Gap] = {}
        inputs: dict[str, list[int]] = {}
        context: dict[str, Any] = {}
        remember: dict[str, Any] | None = None
        arrivals = None
        if "arrivals" in parts and isinstance(trigger, NewDataTrigger):
            arrivals, gap, remember = self.arrivals(trigger, state)
            if gap is not None:
                gaps["arrivals"] = gap
        spans: tuple[NewSpan, ...] = ()
        if "new_spans" in parts and "arrivals" not in gaps:
            spans, ids = self.new_spans()
            context["dataset"] = self.policy.model.dataset
            if ids:
                inputs["span"] = ids
        drift = None
        if "drift" in parts:
            drift, gap, read = self.drift()
            inputs.update(read)
            if gap is not None:
                gaps["drift"] = gap
        wants_champion = bool(parts & {"champion", "live", "drift", "windows"})
        observation = Observation(
            now=self._now(),
            seen_span=self.seen_span,
            champion=self.champion() if wants_champion else None,
            live=self.live() if "live" in parts else None,
            new_spans=spans,
            arrivals=arrivals,
            drift=drift,
            gaps=gaps,
            windows=self.windows() if "windows" in parts else None,
        )
        return Observed(observation, inputs, context, remember)

    def _now(self) -> datetime:
        return utc(self.clock.now())
