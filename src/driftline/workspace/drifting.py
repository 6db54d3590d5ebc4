"""Drift between two profiles named by workspace references, recorded with its lineage.

Each side is a reference (:mod:`driftline.data.refs`: ``DATASET``, ``DATASET:N``, an artifact
id, a path) or a :class:`~driftline.data.spans.Span`, resolved once by
:meth:`DataCatalog.resolve <driftline.data.catalog.DataCatalog.resolve>`: the profile, the
lineage's inputs and the dataset context all come from that one resolution. When both sides are
stored profiles, the report is recorded as a ``drift_report`` artifact made by a ``drift``
execution whose inputs are the two profiles, so the report can be traced to its data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.errors import InputError
from driftline.core.hashing import stable_json
from driftline.drift.options import DriftOptions
from driftline.store.records import ContextRef, NewArtifact, NewExecution

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.data.refs import Resolved
    from driftline.data.spans import Span
    from driftline.drift import DriftReport

__all__ = ["run_drift"]


def run_drift(
    catalog: DataCatalog,
    reference: str | Span,
    current: str | Span,
    *,
    record: bool = True,
    options: DriftOptions | None = None,
) -> tuple[DriftReport, int | None]:
    """Compare the two profiles; record the report when both are stored. Returns (report, id).

    Raises:
        InputError, NotFoundError: a reference that has none of the forms, or names nothing
            (see :meth:`~driftline.data.catalog.DataCatalog.resolve`); a bad option; two
            profiles with no column that could be compared (nothing is recorded then); a
            reference that names a quarantined span (``DATASET`` alone skips those).

    """
    chosen = options if options is not None else DriftOptions()
    from driftline.data.quarantine import usable_reference

    sides = {
        "reference": usable_reference(catalog, catalog.resolve(reference)),  # never quarantined
        "current": catalog.resolve(current),
    }
    report = chosen.compare(
        catalog.load_profile(sides["reference"]), catalog.load_profile(sides["current"])
    )
    if not report.compared_columns:
        raise InputError(
            f"no column of {_name(reference)} and {_name(current)} could be compared: "
            f"{_why(report)}; "
            "drift needs at least one column the two profiles share, with values in both"
        )
    ids = {port: side.profile_id for port, side in sides.items()}
    if not record or None in ids.values():
        return report, None
    return report, _record(catalog, report, sides, chosen)


def _name(side: str | Span) -> str:
    return side if isinstance(side, str) else f"{side.dataset}:{side.number}"


def _why(report: DriftReport) -> str:
    """Each column's status, grouped: ``missing from the current profile: a, b; ...``."""
    words = {
        "missing": "only in the reference",
        "new": "only in the current",
        "kind_mismatch": "of different kinds",
        "excluded": "index columns, left out",
        "empty": "without values in one profile",
        "skipped": "text or dates, compared only when named in columns=",
    }
    groups: dict[str, list[str]] = {}
    for column in report.columns:
        label = words.get(column.status.value, column.status.value.replace("_", " "))
        groups.setdefault(label, []).append(column.column)
    if not groups:
        return "neither profile has a column"
    return "; ".join(f"{label}: {', '.join(names)}" for label, names in groups.items())


def _record(
    catalog: DataCatalog, report: DriftReport, sides: dict[str, Resolved], options: DriftOptions
) -> int:
    payload = report.to_json().encode("utf-8")
    stored = catalog.artifacts.put_bytes(
        catalog.artifacts.new_key("drift_report", "drift.json"), payload
    )
    summary = {
        "dataset_drift": report.dataset_drift,
        "share_drifted": report.share_drifted,
        "drifted_columns": list(report.drifted_columns),
    }
    params = {port: side.text for port, side in sides.items()}
    params["options"] = stable_json({k: str(v) for k, v in options.as_kwargs().items()})
    dataset = sides["current"].dataset
    inputs = {port: [i] for port, side in sides.items() if (i := side.profile_id) is not None}
    done = catalog.metadata.record_execution(
        NewExecution(kind="drift", parameters=params),
        inputs=inputs,
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
        contexts=[ContextRef("dataset", dataset)] if dataset is not None else [],
    )
    return done.outputs["report"][0].id
