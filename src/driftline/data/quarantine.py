"""Quarantined spans: spans that failed validation, used by nothing until a user releases them.

A span is quarantined when

* it was stored with ``allow_schema_change`` although its columns do not fit the dataset's
  schema (or its previous span): the ``quarantine`` property of the span artifact, written with
  the span itself, says why (see :mod:`driftline.data.admission`);
* validation found blocking anomalies in it (a broken contract: a column all null, a column of
  another kind, a declared bound broken), at ingest or in the ``window`` or ``validate`` step:
  a ``quarantine`` execution, whose input is the span, holds the reason and the run.

A quarantined span is left out of every training window, every drift check of the controller
and every drift reference, wherever it sits in the order; its data stays stored. ``driftline
spans release DATASET:N`` records a ``release`` execution (who and why) and the span is used
again; a later quarantine holds it again. The newest of these records decides.

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> with open_metadata_store("sqlite://", create=True) as store:
    ...     found = quarantined(store, "sales")
    >>> found
    {}

"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from driftline.data.spans import Span, dataset_context, span_context
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import ExecutionState, NewExecution

if TYPE_CHECKING:
    from driftline.data.anomalies import ValidationReport
    from driftline.data.refs import Resolved
    from driftline.store.metadata import MetadataStore

__all__ = [
    "QUARANTINE",
    "RELEASE",
    "blocking_reason",
    "quarantine",
    "quarantined",
    "release",
    "usable",
    "usable_reference",
]

QUARANTINE = "quarantine"
"""The kind of the execution that quarantines a span."""

RELEASE = "release"
"""The kind of the execution that releases a quarantined span."""

_DONE = frozenset({ExecutionState.COMPLETE})


def blocking_reason(report: ValidationReport) -> str:
    """Why a span with blocking anomalies is quarantined, naming the first five columns."""
    listed = "; ".join(f"{a.column}: {a.message}" for a in report.errors[:5])
    return (
        f"span {report.subject} has {len(report.errors)} blocking anomalies, so nothing is "
        f"trained on it (it is quarantined: later windows leave it out): {listed}"
    )


def quarantine(metadata: MetadataStore, span: Span, reason: str, run: str | None = None) -> None:
    """Record ``span`` as quarantined (refused by validation) for ``reason``, by ``run``."""
    metadata.record_execution(
        NewExecution(
            QUARANTINE,
            parameters={"dataset": span.dataset, "span": span.number},
            properties={"reason": reason, "run": run or ""},
        ),
        inputs={"span": span.artifact_id},
        contexts=[dataset_context(span.dataset), span_context(span.dataset, span.number)],
    )


def release(
    metadata: MetadataStore, span: Span, reason: str, by: str, schema_version: int = 0
) -> None:
    """Record that ``by`` released ``span`` from quarantine for ``reason``: it is used again.

    The release stands for a validation against ``schema_version`` (the schema in force): the
    span is not judged again until the dataset's schema changes.
    """
    metadata.record_execution(
        NewExecution(
            RELEASE,
            parameters={
                "dataset": span.dataset,
                "span": span.number,
                "schema_version": schema_version,
            },
            properties={"reason": reason, "by": by},
        ),
        inputs={"span": span.artifact_id},
        contexts=[dataset_context(span.dataset), span_context(span.dataset, span.number)],
    )


def quarantined(metadata: MetadataStore, dataset: str) -> dict[int, str]:
    """The spans of ``dataset`` quarantined now: span number to the (newest) reason."""
    context = dataset_context(dataset)
    out: dict[int, str] = {}
    for artifact in metadata.artifacts(ArtifactQuery(kind="span", context=context)):
        reason = artifact.properties.get("quarantine")
        if reason:
            out[int(artifact.properties["number"])] = str(reason)
    records = [
        execution
        for kind in (QUARANTINE, RELEASE)
        for execution in metadata.executions(
            ExecutionQuery(kind=kind, context=context, states=_DONE)
        )
    ]
    for execution in sorted(records, key=lambda e: e.id):
        number = execution.parameters.get("span")
        if number is None:
            continue
        if execution.kind == RELEASE:
            out.pop(int(number), None)
        else:
            out[int(number)] = str(execution.properties.get("reason", ""))
    return out


def usable(spans: Iterable[Span], held: dict[int, str]) -> list[Span]:
    """The spans of ``spans`` that are not in ``held`` (see :func:`quarantined`), in order.

    Examples:
        >>> usable([], {2: "schema change"})
        []

    """
    return [s for s in spans if s.number not in held]


class _SpanSource(Protocol):
    """What :func:`usable_reference` reads: a catalog's metadata store and spans."""

    @property
    def metadata(self) -> MetadataStore: ...

    def spans(self, dataset: str) -> list[Span]: ...


def usable_reference(catalog: _SpanSource, found: Resolved) -> Resolved:
    """``found`` as a reference to compare against: never a quarantined span.

    ``DATASET`` (no number) moves to the newest span that is not quarantined.

    Raises:
        InputError: ``found`` names a quarantined span by number or id (saying why it is held),
            or every span of the dataset is quarantined.

    """
    from dataclasses import replace

    from driftline.core.errors import InputError
    from driftline.data.refs import RefKind

    span = found.span
    if span is None:
        return found
    held = quarantined(catalog.metadata, span.dataset)
    if span.number not in held:
        return found
    if found.reference.kind is RefKind.SPAN and found.reference.number is None:
        kept = usable(catalog.spans(span.dataset), held)
        if kept:
            return replace(found, span=kept[-1])
        raise InputError(
            f"every span of {span.dataset!r} is quarantined, so none can be a reference; "
            f"release one with `driftline spans release {span.dataset}:N`"
        )
    raise InputError(
        f"{found.text!r} names span {span.ref}, which is quarantined, so it cannot be a "
        f"reference ({held[span.number]}); release it with `driftline spans release {span.ref}` "
        "or name another span"
    )
