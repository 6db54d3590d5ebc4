"""Triggers: each tick, every ``[[trigger]]`` of the policy becomes an :class:`Evaluation`.

An evaluation says whether the trigger **fired**, why (``reason``, one line) and on what
(``evidence``: the numbers, the files, the versions; ``inputs``: the artifacts it read, recorded
as the lineage of the trigger's execution). One that could not decide says so in ``skip``
(``no_champion``, ``not_enough_labels``, ``no_data``, ``no_folder``). What it must remember
between ticks (a cron's last fire, a detector's last alarm) is its ``state``, which the
controller keeps in its ``controller:MODEL`` context.

=============  =====================================================================================
``cron``       fires when the schedule's first time after the last fire (or after the controller
               first saw the trigger) has passed; fires once however many times were missed
``new_data``   ``path``: files matching ``pattern`` in the folder that no span was ingested from
               (by SHA-256) are ingested, each as the next span of the dataset (with the policy's
               label). Fires when there are spans newer than those the last retrain saw: at least
               ``min_rows`` labelled rows of them when ``min_rows`` is set, else any
``metric``     the serving champion's live ``metric`` (``accuracy``, ``rmse``, ``mae``) from its
               logged predictions joined with feedback since its promotion, once it has
               ``min_labels`` labels, is ``below`` (or ``above``) the threshold
``drift``      ``share``: the share of drifted columns between the champion's training profile
               and the newest span's profile reaches ``share`` (once per champion and span);
               ``detector``: ``adwin``, ``ddm`` or ``page_hinkley`` over the champion's live error
               stream (0/1 per labelled prediction, in label order) signals a change it has not
               fired for yet
=============  =====================================================================================

``manual`` triggers are not evaluated: ``driftline trigger`` enqueues a job directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.controller.leases import Heartbeat, Leases
from driftline.controller.policy import Policy, Trigger
from driftline.core.clock import Clock, utc
from driftline.core.errors import ConfigError, InputError, NotFoundError

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.registry import ModelVersion
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["LIVE_METRICS", "Evaluation", "TriggerEnv", "check_triggers", "evaluate", "trigger_id"]

LIVE_METRICS = ("accuracy", "rmse", "mae")
"""The metrics a ``metric`` trigger can watch: those the monitor computes from feedback."""

_MAX_REJECTED = 1000


@dataclass(frozen=True)
class Evaluation:
    """One trigger's verdict at one tick (see the module docstring)."""

    trigger: str
    kind: str
    fired: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None
    inputs: dict[str, list[int]] = field(default_factory=dict)
    state: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        """The trigger's record for a job: kind, which trigger, why, and the evidence."""
        return {
            "kind": self.kind,
            "trigger": self.trigger,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass
class TriggerEnv:
    """What an evaluation may read and use.

    Attributes:
        metadata, artifacts: the workspace's stores.
        policy: the policy being evaluated.
        clock: the controller's clock.
        base: the folder relative ``path`` settings are taken from.
        state: this trigger's state from the previous ticks.
        seen_span: the newest span number the last retrain job could train on (0: none).
        leases: to claim a file before ingesting it (two controllers never ingest it twice).
        fingerprints: a cache of files' SHA-256 by (path, size, mtime).
        log: where progress lines go.

    """

    metadata: MetadataStore
    artifacts: ArtifactStore
    policy: Policy
    clock: Clock
    base: Path
    state: Mapping[str, Any]
    seen_span: int
    leases: Leases
    fingerprints: dict[tuple[str, int, int], str] = field(default_factory=dict)
    log: Callable[[str], None] = print


def trigger_id(index: int) -> str:
    """How a trigger is named in records: ``trigger[INDEX]``, as in policy errors."""
    return f"trigger[{index}]"


def check_triggers(policy: Policy, where: str = "the policy") -> None:
    """Check what the policy reader cannot: that the controller can evaluate every trigger.

    Raises:
        ConfigError: a ``metric`` trigger on a metric the monitor does not compute live, or a
            ``delta`` on a detector without one.

    """
    for i, t in enumerate(policy.triggers):
        if t.kind == "metric" and t.metric not in LIVE_METRICS:
            raise ConfigError(
                f"{where}: {trigger_id(i)}.metric {t.metric!r} is not computed live from "
                f"feedback; live metrics: {', '.join(LIVE_METRICS)}"
            )
        if t.kind == "drift" and t.detector == "ddm" and t.delta is not None:
            raise ConfigError(
                f"{where}: {trigger_id(i)}.delta is a setting of adwin and page_hinkley, not ddm"
            )


def evaluate(trigger: Trigger, index: int, env: TriggerEnv) -> Evaluation | None:
    """Evaluate one trigger; ``None`` for a ``manual`` trigger (nothing to evaluate)."""
    tid = trigger_id(index)
    if trigger.kind == "cron":
        return _cron(trigger, tid, env)
    if trigger.kind == "new_data":
        return _new_data(trigger, tid, env)
    if trigger.kind == "metric":
        return _metric(trigger, tid, env)
    if trigger.kind == "drift":
        if trigger.detector is not None:
            return _detector(trigger, tid, env)
        return _drift_share(trigger, tid, env)
    return None


def _time(text: object) -> datetime | None:
    return utc(datetime.fromisoformat(str(text))) if text else None


# -- cron -------------------------------------------------------------------------------------


def _cron(t: Trigger, tid: str, env: TriggerEnv) -> Evaluation:
    assert t.schedule is not None  # the policy reader parsed it
    now = env.clock.now()
    expression = t.schedule.expression
    last, armed = _time(env.state.get("last_fired")), _time(env.state.get("armed_at"))
    since = last or armed
    if since is None:
        first = t.schedule.next_after(now)
        return Evaluation(
            tid,
            "cron",
            False,
            f"schedule {expression!r} armed; it first fires at {first.isoformat()}",
            {"schedule": expression, "next": first.isoformat()},
            state={"armed_at": now.isoformat()},
        )
    due = t.schedule.next_after(since)
    evidence = {
        "schedule": expression,
        "due": due.isoformat(),
        "last_fired": last.isoformat() if last else None,
        "now": now.isoformat(),
    }
    if due > now:
        return Evaluation(tid, "cron", False, f"next at {due.isoformat()}", evidence)
    return Evaluation(
        tid,
        "cron",
        True,
        f"schedule {expression!r} was due at {due.isoformat()}",
        evidence,
        state={**env.state, "last_fired": now.isoformat()},
    )


# -- new data ---------------------------------------------------------------------------------


def _catalog(env: TriggerEnv) -> DataCatalog:
    from driftline.data.catalog import DataCatalog

    return DataCatalog(env.metadata, env.artifacts)


def _fingerprint(path: Path, cache: dict[tuple[str, int, int], str]) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in cache:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        cache[key] = digest.hexdigest()
    return cache[key]


def _watched(t: Trigger, env: TriggerEnv) -> Path:
    assert t.path is not None
    folder = Path(t.path).expanduser()
    return folder if folder.is_absolute() else env.base / folder


def _ingest_new_files(
    t: Trigger, env: TriggerEnv, catalog: DataCatalog, rejected: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ingest the watched folder's new files, one span each; return (ingested, refused)."""
    dataset, label = env.policy.model.dataset, env.policy.model.label
    folder = _watched(t, env)
    files = sorted(p for p in folder.glob(t.pattern) if p.is_file() and not p.name.startswith("."))
    known = catalog.ingested_sha256(dataset)
    ingested: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for path in files:
        sha = _fingerprint(path, env.fingerprints)
        if sha in known or sha in rejected:
            continue
        lease = env.leases.claim(f"ingest:{dataset}:{sha}")
        if lease is None:
            continue  # another controller is ingesting this file now
        try:
            with Heartbeat(env.leases, lease):
                if sha in catalog.ingested_sha256(dataset):
                    continue  # ingested by the attempt before this one
                try:
                    span = catalog.ingest(dataset, str(path), label=label)
                except InputError as exc:
                    rejected.append(sha)
                    refused.append({"path": str(path), "sha256": sha, "error": str(exc)})
                    env.log(f"new_data: {path} refused, it will not be tried again: {exc}")
                    continue
            known.add(sha)
            ingested.append(
                {"path": str(path), "sha256": sha, "span": span.number, "rows": span.rows}
            )
            env.log(f"new_data: ingested {path} as span {span.name} ({span.rows} rows)")
        finally:
            env.leases.release(lease)
    return ingested, refused


def _new_data(t: Trigger, tid: str, env: TriggerEnv) -> Evaluation:
    catalog = _catalog(env)
    dataset = env.policy.model.dataset
    rejected = list(env.state.get("rejected", []))
    ingested: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    evidence: dict[str, Any] = {"dataset": dataset, "since_span": env.seen_span}
    if t.path is not None:
        folder = _watched(t, env)
        evidence.update(folder=str(folder), pattern=t.pattern)
        if not folder.is_dir():
            return Evaluation(
                tid,
                "new_data",
                False,
                f"the watched folder {folder} does not exist",
                evidence,
                skip="no_folder",
            )
        ingested, refused = _ingest_new_files(t, env, catalog, rejected)
    spans = [s for s in catalog.spans(dataset) if s.number > env.seen_span]
    labelled = sum(s.rows for s in spans if s.label)
    evidence.update(
        ingested=ingested,
        refused=refused,
        new_spans=[s.number for s in spans],
        labelled_rows=labelled,
        min_rows=t.min_rows,
    )
    state = {"rejected": rejected[-_MAX_REJECTED:]} if refused else None
    inputs = {"span": [s.artifact_id for s in spans]} if spans else {}
    listed = _spans_text([s.number for s in spans])
    if t.min_rows is not None:
        fired = labelled >= t.min_rows
        reason = (
            f"{labelled} new labelled rows in {listed} (at least {t.min_rows} wanted)"
            if spans
            else f"no new spans since span {env.seen_span}"
        )
    else:
        fired = bool(spans)
        reason = f"new data: {listed}" if spans else f"no new spans since span {env.seen_span}"
    return Evaluation(tid, "new_data", fired, reason, evidence, None, inputs, state)


def _spans_text(numbers: Sequence[int]) -> str:
    if not numbers:
        return "no spans"
    if len(numbers) == 1:
        return f"span {numbers[0]}"
    return f"spans {numbers[0]}-{numbers[-1]}"


# -- the champion's live data -----------------------------------------------------------------


def _champion(env: TriggerEnv) -> tuple[ModelVersion | None, datetime | None]:
    """The serving champion and when it was made champion (``None`` without one)."""
    from driftline.registry import ModelRegistry

    registry = ModelRegistry(env.metadata, env.artifacts)
    name = env.policy.model.name
    if name not in registry.models():
        return None, None
    champion = registry.alias(name, "champion")
    if champion is None:
        return None, None
    promoted = [
        h.at
        for h in registry.history(name)
        if h.alias == "champion" and h.version == champion.number
    ]
    return champion, (promoted[-1] if promoted else champion.created_at)


def _no_champion(tid: str, kind: str) -> Evaluation:
    return Evaluation(tid, kind, False, "no champion serves yet", {}, skip="no_champion")


def _live(env: TriggerEnv, champion: ModelVersion, since: datetime) -> Any:
    from driftline.monitor import joined

    return joined(
        env.metadata, env.artifacts, env.policy.model.name, since=since, version=champion.number
    )


def _metric(t: Trigger, tid: str, env: TriggerEnv) -> Evaluation:
    from driftline.monitor import live_metrics

    champion, since = _champion(env)
    if champion is None or since is None:
        return _no_champion(tid, "metric")
    entry = live_metrics(_live(env, champion, since), metric=t.metric).get(str(champion.number), {})
    labels = int(entry.get("rows_with_labels", 0))
    evidence: dict[str, Any] = {
        "model": champion.name,
        "version": champion.number,
        "since": since.isoformat(),
        "metric": t.metric,
        "predictions": int(entry.get("rows", 0)),
        "labels": labels,
        "min_labels": t.min_labels,
        "below": t.below,
        "above": t.above,
    }
    if labels < t.min_labels:
        return Evaluation(
            tid,
            "metric",
            False,
            f"{champion.ref} has {labels} labelled predictions since its promotion; "
            f"{t.min_labels} are needed",
            evidence,
            skip="not_enough_labels",
        )
    value = float(entry[t.metric])
    evidence["value"] = value
    if t.below is not None:
        fired, side, limit = value < t.below, "below", t.below
    else:
        assert t.above is not None
        fired, side, limit = value > t.above, "above", t.above
    verdict = side if fired else f"not {side}"
    return Evaluation(
        tid,
        "metric",
        fired,
        f"live {t.metric} of {champion.ref} is {value:.4f} on {labels} labels, {verdict} {limit:g}",
        evidence,
    )


# -- drift ------------------------------------------------------------------------------------


def _drift_share(t: Trigger, tid: str, env: TriggerEnv) -> Evaluation:
    from driftline.drift import compare

    assert t.share is not None
    champion, _ = _champion(env)
    if champion is None:
        return _no_champion(tid, "drift")
    if champion.profile_id is None:
        return Evaluation(
            tid,
            "drift",
            False,
            f"{champion.ref} was registered without a training profile",
            {"version": champion.number},
            skip="no_training_profile",
        )
    catalog = _catalog(env)
    try:
        newest = catalog.span(env.policy.model.dataset)
    except NotFoundError as exc:
        return Evaluation(tid, "drift", False, str(exc), {}, skip="no_data")
    report = compare(
        catalog.load_profile(str(champion.profile_id)),
        catalog.span_profile(newest),
        drift_share=t.share,
    )
    pair = [champion.number, newest.number]
    evidence = {
        "model": champion.name,
        "version": champion.number,
        "reference_profile": champion.profile_id,
        "span": newest.number,
        "share_drifted": report.share_drifted,
        "share": t.share,
        "compared_columns": list(report.compared_columns),
        "drifted_columns": list(report.drifted_columns),
    }
    inputs = {"reference": [champion.profile_id], "current": [newest.profile_id]}
    text = (
        f"{len(report.drifted_columns)} of {len(report.compared_columns)} columns of span "
        f"{newest.number} drifted from {champion.ref}'s training data "
        f"(share {report.share_drifted:.2f}, threshold {t.share:g})"
    )
    if report.share_drifted < t.share:
        return Evaluation(tid, "drift", False, text, evidence, None, inputs)
    if env.state.get("fired_for") == pair:
        return Evaluation(
            tid, "drift", False, f"{text}; fired for this span already", evidence, None, inputs
        )
    return Evaluation(tid, "drift", True, text, evidence, None, inputs, {"fired_for": pair})


def _detector(t: Trigger, tid: str, env: TriggerEnv) -> Evaluation:
    import numpy as np
    import pyarrow.compute as pc

    from driftline.drift.detectors import ADWIN, DDM, DriftDetector, PageHinkley

    champion, since = _champion(env)
    if champion is None or since is None:
        return _no_champion(tid, "drift")
    table = _live(env, champion, since)
    table = table.filter(pc.is_valid(table["label"])).sort_by(
        [("label_time", "ascending"), ("time", "ascending")]
    )
    predicted = table["prediction"].to_numpy(zero_copy_only=False)
    truth = table["label"].to_numpy(zero_copy_only=False)
    errors = (predicted != truth).astype(np.float64)
    detector: DriftDetector
    if t.detector == "adwin":
        detector = ADWIN() if t.delta is None else ADWIN(delta=t.delta)
    elif t.detector == "page_hinkley":
        detector = PageHinkley() if t.delta is None else PageHinkley(delta=t.delta)
    else:
        detector = DDM()
    alarms = detector.update_many(errors).tolist()
    times = table["label_time"].to_pylist()
    last = _time(env.state.get("last_alarm_at"))
    fresh = [i for i in alarms if last is None or utc(times[i]) > last]
    evidence: dict[str, Any] = {
        "model": champion.name,
        "version": champion.number,
        "since": since.isoformat(),
        "detector": t.detector,
        "delta": t.delta,
        "labels": len(errors),
        "error_rate": float(errors.mean()) if len(errors) else None,
        "alarms": [{"at": utc(times[i]).isoformat(), "position": i} for i in alarms],
    }
    if not fresh:
        why = "no change" if not alarms else "no change since the last alarm it fired for"
        return Evaluation(
            tid,
            "drift",
            False,
            f"{t.detector} on {len(errors)} labelled predictions of {champion.ref}: {why}",
            evidence,
        )
    at = utc(times[fresh[-1]])
    return Evaluation(
        tid,
        "drift",
        True,
        f"{t.detector} signalled a change in {champion.ref}'s error rate at label "
        f"{fresh[-1] + 1} of {len(errors)} ({at.isoformat()})",
        evidence,
        state={"last_alarm_at": at.isoformat()},
    )
