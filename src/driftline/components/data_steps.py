"""The data steps of the standard pipeline: ingest, window, profile, schema, validate.

=====================  =======================================================================
step                   what it does
=====================  =======================================================================
:data:`ingest`         (driver) ingests ``source`` as the next span of ``dataset``, unless a
                       span of the same files with the same settings exists already; outputs
                       the window of the last ``spans`` spans as ``window``; stops the run
                       when that span is quarantined
:data:`window`         (driver) the last ``spans`` spans of ``dataset``, as ``window``,
                       leaving out quarantined spans wherever they sit; when the dataset has a
                       schema, every span but the newest not yet validated against it is
                       validated now, and one that fails is quarantined and left out (logged,
                       and recorded as a ``quarantined_span`` input)
:data:`schema`         (driver) the dataset's current schema; when it has none, one inferred
                       from the window's profile is saved as its version 1 (observed ranges
                       and domains, index columns; see :func:`~driftline.data.infer_schema`)
:data:`validate`       (driver) every span of the window not yet validated against the schema
                       (the newest's report is ``anomalies``), and the window again as
                       ``spans`` for training; a blocking anomaly (a broken contract: corrupt
                       or incompatible data) stops the run (the step FAILS with the anomalies
                       attached, so nothing trains) and quarantines the span (later windows
                       leave it out); warnings (data outside the observed range or domain: a
                       changed world) are recorded and the run goes on
:data:`profile`        the merged profile of the validated spans (the training profile, from
                       the spans' stored profiles)
=====================  =======================================================================

A training step takes ``spans: Spans``, which is ``validate``'s output: it runs only on
validated data.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from driftline.core.errors import NotFoundError
from driftline.core.hashing import sha256_file
from driftline.core.params import Interval, check_param
from driftline.data.anomalies import ValidationReport
from driftline.data.artifact_types import Anomalies, DataProfile, DataSchema, Spans, SpanWindow
from driftline.data.catalog import DataCatalog
from driftline.data.quarantine import RELEASE, blocking_reason, quarantined, usable
from driftline.data.readers import find_files
from driftline.data.schema import infer_schema
from driftline.data.spans import Span, check_dataset, dataset_context
from driftline.data.validation import validate as validate_profile
from driftline.pipeline import StepAbort, step
from driftline.pipeline.context import StepContext
from driftline.store.queries import ExecutionQuery
from driftline.store.records import ExecutionState

log = logging.getLogger("driftline.components.data_steps")

_DONE = frozenset({ExecutionState.COMPLETE})

__all__ = ["Ingested", "Validated", "ingest", "profile", "schema", "validate", "window"]


class Ingested(NamedTuple):
    """The output of :data:`ingest`: the training window, ending with the ingested span."""

    window: Spans


class Validated(NamedTuple):
    """The outputs of :data:`validate`."""

    spans: Spans
    anomalies: Anomalies


def _validated(ctx: StepContext, dataset: str, version: int) -> set[int]:
    """The spans of ``dataset`` validated against schema ``version``, or released under it."""
    found = set()
    for kind in ("validate", RELEASE):
        query = ExecutionQuery(kind=kind, context=dataset_context(dataset), states=_DONE)
        found |= {
            int(e.parameters["span"])
            for e in ctx.metadata.executions(query)
            if e.parameters.get("schema_version") == version
            and e.parameters.get("span") is not None
        }
    return found


def _check_older(
    ctx: StepContext, catalog: DataCatalog, spans: list[Span], held: dict[int, str], done: set[int]
) -> bool:
    """Validate the spans not yet validated against the schema in force; False if one failed.

    A failing span is quarantined (by :meth:`DataCatalog.validate`) and added to ``held``.
    """
    if not spans:
        return True
    dataset = spans[0].dataset
    if catalog.schema_version(dataset) == 0:
        return True  # no schema in force yet: the schema step infers one, validate checks all
    fine = True
    for s in spans:
        if s.number in done:
            continue
        report = catalog.validate(dataset, s, run=ctx.run_id)
        done.add(s.number)
        if report.blocking:
            held[s.number] = blocking_reason(report)
            fine = False
    return fine


def _last(
    ctx: StepContext,
    catalog: DataCatalog,
    dataset: str,
    spans: int,
    upto: int | None = None,
) -> SpanWindow:
    """The last ``spans`` usable spans (up to ``upto``); older ones validated when needed."""
    check_param("the span window", "spans", spans, Interval(int, 1))
    held = quarantined(ctx.metadata, check_dataset(dataset))
    found = [s for s in catalog.spans(dataset) if upto is None or s.number <= upto]
    if upto is not None and upto in held:
        raise StepAbort(
            f"span {dataset}:{upto} is quarantined, so nothing is trained on it: {held[upto]}; "
            f"release it with `driftline spans release {dataset}:{upto}` (see docs/data.md)"
        )
    done = _validated(ctx, dataset, catalog.schema_version(dataset))
    while True:
        chosen = usable(found, held)[-spans:]
        if not chosen:
            known = ", ".join(catalog.datasets()) or "none"
            skipped = f" ({len(found)} quarantined: see docs/data.md)" if found else ""
            raise NotFoundError(
                f"dataset {dataset!r} has no spans to train on{skipped} (datasets: {known}); "
                f"ingest one with `driftline ingest {dataset} PATH`"
            )
        # the newest is judged by the validate step, which stops the run on a broken contract
        if _check_older(ctx, catalog, chosen[:-1], held, done):
            break
    first = chosen[0].number
    for s in found:  # the quarantined spans the window would have held: recorded as skipped
        if s.number in held and s.number >= first:
            ctx.use(s.artifact_id, "quarantined_span")
            log.warning(
                "the window of %s leaves out quarantined %s: %s", dataset, s.ref, held[s.number]
            )
    return SpanWindow(dataset, tuple(chosen))


def _use(ctx: StepContext, chosen: SpanWindow) -> None:
    for s in chosen.spans:
        ctx.use(s.artifact_id, "span")
        ctx.use(s.profile_id, "span_profile")


def _fingerprint(source: list[str]) -> list[str]:
    return [sha256_file(f.path)[0] for f in find_files(source)]


def _ingested_before(
    ctx: StepContext, catalog: DataCatalog, dataset: str, wanted: dict[str, Any]
) -> Span | None:
    query = ExecutionQuery(
        kind="ingest", context=dataset_context(dataset), states=frozenset({ExecutionState.COMPLETE})
    )
    for execution in ctx.metadata.executions(query):
        p = execution.parameters
        seen = {k: p.get(k) for k in wanted if k != "sha256"}
        seen["sha256"] = [s.get("sha256") for s in p.get("sources", [])]
        if seen == wanted:
            number = execution.properties.get("span")
            return catalog.span(dataset, int(number)) if number is not None else None
    return None


@step(name="ingest")
def ingest(
    ctx: StepContext,
    dataset: str,
    source: list[str],
    label: str | None = None,
    key: str | None = None,
    time: str | None = None,
    eval_fraction: float = 0.2,
    spans: int = 5,
) -> Ingested:
    """Ingest ``source`` (files, folders or globs) as the next span; output the last ``spans``.

    Ingesting is idempotent: when an earlier span of ``dataset`` came from files with the same
    SHA-256 and the same settings, that span is used and nothing is ingested again (so a rerun,
    or a resumed run, never duplicates data).
    """
    catalog = DataCatalog(ctx)
    wanted: dict[str, Any] = {
        "dataset": check_dataset(dataset),
        "label": label,
        "key": key,
        "time": time,
        "eval_fraction": float(eval_fraction),
        "sha256": _fingerprint(source),
    }
    span = _ingested_before(ctx, catalog, dataset, wanted)
    if span is None:
        span = catalog.ingest(
            dataset, source, label=label, key=key, time=time, eval_fraction=eval_fraction
        )
    chosen = _last(ctx, catalog, dataset, spans, upto=span.number)
    _use(ctx, chosen)
    return Ingested(chosen)


@step(name="window")
def window(ctx: StepContext, dataset: str, spans: int = 5) -> Spans:
    """The last ``spans`` spans of ``dataset`` that are not quarantined (the training window).

    A quarantined span (refused by :data:`validate`) is left out; the ones it skipped are
    recorded as inputs on the ``quarantined_span`` port (their ``quarantine`` executions say why).
    """
    chosen = _last(ctx, DataCatalog(ctx), dataset, spans)
    _use(ctx, chosen)
    return chosen


@step(name="schema")
def schema(ctx: StepContext, window: Spans) -> DataSchema:
    """The dataset's current schema, or one inferred from the window and saved as version 1."""
    catalog = DataCatalog(ctx)
    dataset = window.dataset
    if catalog.schema_version(dataset) == 0:
        latest = window.latest
        inferred = infer_schema(
            window.profile(), dataset=dataset, label=window.label, index=(latest.time, latest.key)
        )
        inputs = {"profile": latest.profile_id}
        catalog.save_schema(dataset, inferred, kind="schema_infer", inputs=inputs)
    stored = catalog.schema_artifact(dataset)
    if stored is not None:
        ctx.use(stored, "schema")
    return catalog.schema(dataset)


@step(name="validate")
def validate(ctx: StepContext, window: Spans, schema: DataSchema) -> Validated:
    """Validate every span of the window not yet validated against the schema in force.

    The newest span's report is the ``anomalies`` output. A span with blocking anomalies is
    quarantined (see :mod:`driftline.data.quarantine`), with the reason and the run, and stops
    the run: nothing trains. A span a user released after a failed validation is not judged
    again until the schema changes.
    """
    catalog = DataCatalog(ctx)
    dataset = window.dataset
    done = _validated(ctx, dataset, catalog.schema_version(dataset))
    failed: list[tuple[Span, ValidationReport]] = []
    reports: dict[int, ValidationReport] = {}
    for s in window.spans:
        if s.number in done:
            continue
        report = catalog.validate(dataset, s, run=ctx.run_id)
        reports[s.number] = report
        if report.blocking:
            failed.append((s, report))
    newest = window.latest
    report = reports.get(newest.number) or ValidationReport(
        dataset,
        newest.ref,
        tuple(validate_profile(window.profile(latest_only=True), schema)),
        newest.rows,
        catalog.schema_version(dataset),
    )
    if failed:
        message = " | ".join(blocking_reason(r) for _, r in failed)
        shown = failed[-1][1] if newest.number not in reports else report
        raise StepAbort(message, attach={"anomalies": (Anomalies, shown)})
    return Validated(window, report)


@step(name="profile")
def profile(spans: Spans) -> DataProfile:
    """The merged profile of the validated spans: the model's training profile (no rows read)."""
    return spans.profile()
