"""Where live windows are kept: their kinds, their context, and finding what is new to profile.

The parts of a model's live windows are artifacts of kind :data:`WINDOW_PROFILE_KIND`, written by
executions of kind :data:`UPDATE_KIND` (inputs: the prediction segments read; outputs: the parts)
attributed to the context :data:`WINDOWS_CONTEXT_KIND`/MODEL (:func:`windows_context`).

Updates of one model and window length form a chain: each creates the context
:data:`CHAIN_CONTEXT_KIND` named after the update it follows (:func:`chain_context`), in the same
transaction as its parts. Two updates that start from the same one race for that name and exactly
one wins: the other stores nothing (:class:`~driftline.core.errors.ConflictError`), so no rows are
ever counted twice, however many processes update at once.

Examples:
    >>> windows_context("churn")
    ContextRef(kind='live_windows', name='churn', properties={})
    >>> chain_context("churn", 3600, None).name
    'churn/3600s/after/0'

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.monitor.logs.segments import PREDICTIONS_KIND, log_context
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import (
    ArtifactState,
    ContextRef,
    ExecutionState,
    NewArtifact,
    NewExecution,
)

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore
    from driftline.store.records import Artifact
    from driftline.store.stores import Stores

__all__ = [
    "CHAIN_CONTEXT_KIND",
    "LISTING_SLACK",
    "UPDATE_KIND",
    "WINDOWS_CONTEXT_KIND",
    "WINDOW_PROFILE_KIND",
    "Listing",
    "chain_context",
    "new_segments",
    "record_parts",
    "stored_parts",
    "windows_context",
]

WINDOW_PROFILE_KIND = "window_profile"
"""The artifact kind of a part of a live window (the profile of some of its rows)."""

UPDATE_KIND = "update_windows"
"""The execution kind of one update: its inputs are segments, its outputs parts."""

WINDOWS_CONTEXT_KIND = "live_windows"
"""The kind of the context (named after the model) the updates and parts are attributed to."""

CHAIN_CONTEXT_KIND = "window_update"
"""The kind of the contexts that chain the updates of a model (see the module docstring)."""

LISTING_SLACK = timedelta(hours=1)
"""How far before the last update's mark segments are listed again (late writers, clock skew)."""

_LIVE = frozenset({ArtifactState.LIVE})


def windows_context(model: str, seconds: int | None = None) -> ContextRef:
    """The context that the live windows of ``model`` are attributed to.

    With ``seconds``, the context of its windows of that length only (each update is associated
    with both, so the last update of one length is found with one query).
    """
    name = model if seconds is None else f"{model}/{seconds}s"
    return ContextRef(WINDOWS_CONTEXT_KIND, name)


def chain_context(model: str, seconds: int, previous: int | None) -> ContextRef:
    """The context an update of ``model``'s ``seconds``-long windows creates.

    It is named after the update it follows, ``previous`` (an execution id; ``None``: the first).
    """
    return ContextRef(CHAIN_CONTEXT_KIND, f"{model}/{seconds}s/after/{previous or 0}")


@dataclass(frozen=True)
class Listing:
    """What an update starts from.

    Attributes:
        segments: the segments to read, oldest first.
        mark: the creation time of the newest segment the last update read (``None``: none yet).
        previous: the last update (an execution id; ``None``: none yet).

    """

    segments: list[Artifact]
    mark: datetime | None
    previous: int | None


def stored_parts(
    metadata: MetadataStore,
    model: str,
    *,
    created_after: datetime | None = None,
    starts: tuple[datetime | None, datetime | None] = (None, None),
) -> list[Artifact]:
    """The stored parts of ``model``'s live windows, oldest first.

    ``starts``: only parts whose window starts in ``[low, high)`` (either end open when
    ``None``), selected by the database on the parts' ``start`` (UTC ISO 8601 text).
    """
    low, high = (None if t is None else t.astimezone(UTC).isoformat() for t in starts)
    query = ArtifactQuery(
        kind=WINDOW_PROFILE_KIND,
        context=windows_context(model),
        states=_LIVE,
        created_after=created_after,
        ascending=True,
        text_from=() if low is None else (("start", low),),
        text_before=() if high is None else (("start", high),),
    )
    return list(metadata.artifacts(query))


def _last_update(
    metadata: MetadataStore, model: str, seconds: int
) -> tuple[datetime | None, int | None]:
    query = ExecutionQuery(
        kind=UPDATE_KIND,
        context=windows_context(model, seconds),
        states=frozenset({ExecutionState.COMPLETE}),
        limit=1,
    )
    for run in metadata.executions(query):  # the last update, if any
        mark = run.properties.get("listed_through")
        return (datetime.fromisoformat(str(mark)) if mark else None), run.id
    return None, None


def new_segments(metadata: MetadataStore, model: str, seconds: int) -> Listing:
    """The segments of ``model`` no ``seconds``-long part covers yet, and the last update's mark.

    Segments come oldest first; the mark is the creation time of the newest segment the last
    update read. Only segments and parts created from :data:`LISTING_SLACK` before the mark
    are listed.
    """
    mark, previous = _last_update(metadata, model, seconds)
    after = None if mark is None else mark - LISTING_SLACK
    covered: set[int] = set()
    for part in stored_parts(metadata, model, created_after=after):  # parts, not rows
        if part.properties.get("window_seconds") == seconds:
            covered.update(int(i) for i in part.properties.get("segments", ()))
    query = ArtifactQuery(
        kind=PREDICTIONS_KIND,
        context=log_context(model),
        states=_LIVE,
        created_after=after,
        ascending=True,
    )
    seen: set[str] = set()
    fresh = []
    for segment in metadata.artifacts(query):  # segments, not rows
        if segment.id in covered or segment.uri in seen:
            continue
        if segment.properties.get("model", model) != model:
            continue
        seen.add(segment.uri)  # a segment recorded twice is read once
        fresh.append(segment)
    return Listing(fresh, mark, previous)


def record_parts(
    stores: Stores,
    model: str,
    seconds: int,
    parts: Sequence[tuple[bytes, Mapping[str, Any]]],
    segments: Sequence[Artifact],
    mark: datetime | None,
    previous: int | None,
    *,
    until: datetime | None = None,
) -> tuple[int, datetime, int]:
    """Store the parts' bytes, then record them in one execution with the segments as inputs.

    The update's new mark is the creation time of the newest segment read (or the old mark),
    but at most ``until``: the oldest segment the update has still to record, when it records
    segments out of their order.

    Returns:
        How many parts were recorded, the new mark, and the update's execution id.

    Raises:
        ConflictError: another update followed ``previous`` first; nothing is recorded.

    """
    made = []
    for data, properties in parts:  # parts, not rows
        key = stores.artifacts.new_key(WINDOW_PROFILE_KIND, f"{model}.profile")
        stored = stores.artifacts.put_bytes(key, data)
        made.append(
            NewArtifact(
                kind=WINDOW_PROFILE_KIND,
                uri=stored.uri,
                sha256=stored.sha256,
                size=stored.size,
                properties=dict(properties),
            )
        )
    newest = max(s.created_at for s in segments)
    through = newest if mark is None or newest > mark else mark
    if until is not None and until < through:
        through = until
    recorded = stores.metadata.record_execution(
        NewExecution(
            UPDATE_KIND,
            parameters={"model": model, "window_seconds": seconds},
            properties={
                "window_seconds": seconds,
                "listed_through": through.isoformat(),
                "segments": len(segments),
                "rows": int(sum(int(p.get("rows", 0)) for _, p in parts)),
            },
        ),
        inputs={"segments": [s.id for s in segments]},
        outputs={"windows": made},
        contexts=[windows_context(model), windows_context(model, seconds)],
        new_contexts=[chain_context(model, seconds, previous)],
    )
    return len(made), through, recorded.execution.id
