"""Quarantined spans: spans that validation refused, left out of every later training window.

When the ``validate`` step finds blocking anomalies in a span (a broken contract: a column all
null, a column of another type, a declared bound broken), it records a ``quarantine`` execution
whose input is the span, with the reason and the run in its properties. The ``window`` and
``ingest`` steps then skip quarantined spans when they pick the last ``spans`` spans, so a
refused span is never trained on later (the data stays stored: nothing is deleted).

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> with open_metadata_store("sqlite://", create=True) as store:
    ...     found = quarantined(store, "sales")
    >>> found
    {}

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.data.spans import Span, dataset_context, span_context
from driftline.store.queries import ExecutionQuery
from driftline.store.records import NewExecution

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = ["QUARANTINE", "quarantine", "quarantined"]

QUARANTINE = "quarantine"
"""The kind of the execution that quarantines a span."""


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


def quarantined(metadata: MetadataStore, dataset: str) -> dict[int, str]:
    """The quarantined spans of ``dataset``: span number to the (newest) reason."""
    query = ExecutionQuery(kind=QUARANTINE, context=dataset_context(dataset), ascending=True)
    out: dict[int, str] = {}
    for execution in metadata.executions(query):
        number = execution.parameters.get("span")
        if number is not None:
            out[int(number)] = str(execution.properties.get("reason", ""))
    return out
