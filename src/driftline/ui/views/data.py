"""Datasets and their spans: what the data pages list, from stored profiles only.

Drift between a span and the one before is :func:`driftline.drift.compare` on their stored
profiles. Stored bytes never change (each artifact carries its SHA-256), so decoded profiles and
comparisons are kept in memory by SHA-256: a page of spans compares each pair once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.data.spans import Span
    from driftline.drift.report import DriftReport
    from driftline.ui.context import Services
    from driftline.ui.params import Paging

__all__ = ["DatasetRow", "SpanRow", "dataset_view", "datasets_view", "load_profile", "span_drift"]


_PROFILES: dict[str, Profile] = {}
_LIMIT = 512


def _profile(services: Services, profile_id: int) -> tuple[str, Profile]:
    """The profile artifact's SHA-256 and the profile (kept by SHA-256: its bytes never change)."""
    artifact = services.metadata.get_artifact(profile_id)
    found = _PROFILES.get(artifact.sha256)
    if found is None:
        from driftline.data.profile import Profile

        data = services.artifacts.read_bytes(
            artifact.uri, artifact.sha256, label=f"profile {profile_id}"
        )
        found = Profile.from_bytes(data)
        if len(_PROFILES) >= _LIMIT:
            _PROFILES.pop(next(iter(_PROFILES)))
        _PROFILES[artifact.sha256] = found
    return artifact.sha256, found


def load_profile(services: Services, span: Span) -> Profile:
    """The stored profile of ``span`` (decoded once per process: stored bytes never change)."""
    return _profile(services, span.profile_id)[1]


_DRIFT: dict[tuple[str, str], DriftReport] = {}


def span_drift(services: Services, before: Span, after: Span) -> DriftReport:
    """The drift of ``after`` against ``before``, from their stored profiles."""
    from driftline.drift import compare

    old_sha, old = _profile(services, before.profile_id)
    new_sha, new = _profile(services, after.profile_id)
    found = _DRIFT.get((old_sha, new_sha))
    if found is None:
        found = compare(old, new)
        if len(_DRIFT) >= 4 * _LIMIT:
            _DRIFT.pop(next(iter(_DRIFT)))
        _DRIFT[(old_sha, new_sha)] = found
    return found


@dataclass(frozen=True)
class SpanRow:
    """A span in its dataset's list, with its drift against the span before."""

    number: int
    rows: int
    train_rows: int
    eval_rows: int
    time_min: Any
    time_max: Any
    created_at: datetime
    drift_share: float | None
    drifted: tuple[str, ...]
    quarantined: str | None = None

    @property
    def state(self) -> str:
        """``quarantined`` (left out of training and drift checks) or ``admitted``."""
        return "admitted" if self.quarantined is None else "quarantined"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "span": self.number,
            "rows": self.rows,
            "train_rows": self.train_rows,
            "eval_rows": self.eval_rows,
            "time_min": self.time_min,
            "time_max": self.time_max,
            "created_at": self.created_at,
            "drift_share": self.drift_share,
            "drifted": list(self.drifted),
            "state": self.state,
            "quarantine_reason": self.quarantined,
        }


def dataset_view(services: Services, dataset: str, paging: Paging) -> tuple[list[SpanRow], int]:
    """One page of ``dataset``'s spans, newest first, and how many it has.

    Raises:
        NotFoundError: no dataset has that name (a 404 naming it).

    """
    from driftline.data.quarantine import quarantined

    spans = _spans(services, dataset)
    held = quarantined(services.metadata, dataset)
    stop = len(spans) - paging.offset
    rows = []
    for index in range(stop - 1, max(stop - paging.limit, 0) - 1, -1):
        span = spans[index]
        report = span_drift(services, spans[index - 1], span) if index > 0 else None
        rows.append(
            SpanRow(
                number=span.number,
                rows=span.rows,
                train_rows=span.train_rows,
                eval_rows=span.eval_rows,
                time_min=span.time_min,
                time_max=span.time_max,
                created_at=span.created_at,
                drift_share=None if report is None else report.share_drifted,
                drifted=() if report is None else report.drifted_columns,
                quarantined=held.get(span.number),
            )
        )
    return rows, len(spans)


def _spans(services: Services, dataset: str) -> list[Span]:
    from driftline.core.errors import NotFoundError

    spans = services.data.spans(dataset)
    if not spans:
        raise NotFoundError(f"no dataset {dataset!r} (see /data for the datasets)")
    return spans


@dataclass(frozen=True)
class DatasetRow:
    """A dataset in the list: its spans, newest span and schema version."""

    name: str
    spans: int
    newest: int | None
    rows: int
    time_min: Any
    time_max: Any
    created_at: datetime | None
    schema_version: int
    anomalies: int | None
    validated_span: int | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "spans": self.spans,
            "newest_span": self.newest,
            "rows": self.rows,
            "time_min": self.time_min,
            "time_max": self.time_max,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "anomalies": self.anomalies,
            "validated_span": self.validated_span,
        }


def datasets_view(services: Services, paging: Paging) -> tuple[list[DatasetRow], int]:
    """One page of the datasets (by name), and how many there are.

    ``anomalies`` is the count in the newest validation of the dataset (``validated_span``
    names its span); ``None`` when none was recorded.
    """
    from driftline.data.spans import dataset_context
    from driftline.store.queries import ArtifactQuery

    names = sorted(services.data.datasets())
    rows = []
    for name in names[paging.offset : paging.offset + paging.limit]:
        context = dataset_context(name)
        newest = services.metadata.artifacts(ArtifactQuery(kind="span", context=context, limit=1))
        p = newest[0].properties if newest else {}  # the newest span's: one bounded query
        query = ArtifactQuery(kind="anomalies", context=context, limit=1)
        checked = services.metadata.artifacts(query)
        found = checked[0].properties if checked else {}
        rows.append(
            DatasetRow(
                name=name,
                spans=int(p.get("number", 0)),  # numbered 1, 2, 3...: the newest's is the count
                newest=int(p["number"]) if "number" in p else None,
                rows=int(p.get("rows", 0)),
                time_min=p.get("time_min"),
                time_max=p.get("time_max"),
                created_at=newest[0].created_at if newest else None,
                schema_version=services.data.schema_version(name),
                anomalies=int(found["anomalies"]) if "anomalies" in found else None,
                validated_span=int(found["span"]) if "span" in found else None,
            )
        )
    return rows, len(names)
