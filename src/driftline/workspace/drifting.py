"""Drift between two profiles named by workspace references, recorded with its lineage.

A reference is what :meth:`driftline.data.catalog.DataCatalog.load_profile` accepts: ``DATASET``
(its latest span), ``DATASET:N``, an artifact id, or a file. When both sides are workspace
artifacts, the drift report is recorded as a ``drift_report`` artifact made by a ``drift``
execution whose inputs are the two profiles, so the report can be traced to its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftline.core.hashing import stable_json
from driftline.data.spans import Span, parse_span_ref
from driftline.store.records import ContextRef, NewArtifact, NewExecution

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.drift import DriftReport

__all__ = ["profile_artifact_id", "run_drift"]


def profile_artifact_id(catalog: DataCatalog, ref: str | Span) -> int | None:
    """The id of the stored profile a reference names, or ``None`` for a file on disk."""
    if isinstance(ref, Span):
        return ref.profile_id
    text = str(ref).strip()
    parsed = parse_span_ref(text)
    if parsed is not None and parsed[0] in catalog.datasets():
        return catalog.span(*parsed).profile_id
    if text.isdigit():
        artifact = catalog.metadata.get_artifact(int(text))
        if artifact.kind == "profile":
            return artifact.id
        if artifact.kind == "span":
            dataset = str(artifact.properties["dataset"])
            return catalog.span(dataset, artifact.properties.get("number")).profile_id
    return None


def run_drift(
    catalog: DataCatalog,
    reference: str | Span,
    current: str | Span,
    *,
    record: bool = True,
    options: Mapping[str, Any] | None = None,
) -> tuple[DriftReport, int | None]:
    """Compare the two profiles; record the report when both are stored. Returns (report, id)."""
    from driftline.drift import compare

    options = dict(options or {})
    report = compare(catalog.load_profile(reference), catalog.load_profile(current), **options)
    ids = {"reference": profile_artifact_id(catalog, reference)}
    ids["current"] = profile_artifact_id(catalog, current)
    if not record or None in ids.values():
        return report, None
    payload = report.to_json().encode("utf-8")
    stored = catalog.artifacts.put_bytes(
        catalog.artifacts.new_key("drift_report", "drift.json"), payload
    )
    summary = {
        "dataset_drift": report.dataset_drift,
        "share_drifted": report.share_drifted,
        "drifted_columns": list(report.drifted_columns),
    }
    params = {"reference": _ref_text(reference), "current": _ref_text(current)}
    params["options"] = stable_json({k: str(v) for k, v in options.items()})
    contexts = []
    parsed = parse_span_ref(params["current"])
    if parsed is not None:
        contexts.append(ContextRef("dataset", parsed[0]))
    done = catalog.metadata.record_execution(
        NewExecution(kind="drift", parameters=params),
        inputs={k: [v] for k, v in ids.items() if v is not None},
        outputs={
            "report": NewArtifact(
                kind="drift_report",
                uri=stored.uri,
                sha256=stored.sha256,
                size=stored.size,
                name="drift",
                properties=summary,
            )
        },
        contexts=contexts,
    )
    return report, done.outputs["report"][0].id


def _ref_text(ref: str | Span) -> str:
    return ref.ref if isinstance(ref, Span) else str(ref).strip()
