"""``record_execution(new_contexts=...)``: a context that must be new is created exactly once."""

from __future__ import annotations

import pytest

from driftline.core.errors import ConflictError
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery
from driftline.store.records import ContextRef, NewArtifact, NewExecution


def _artifact(i: int) -> NewArtifact:
    return NewArtifact("span", f"file:///s{i}", f"{i:064x}", i)


def test_a_new_context_is_created_and_linked(store: MetadataStore) -> None:
    span = ContextRef("span", "elec2#1", {"number": 1})
    rec = store.record_execution(
        NewExecution("ingest"),
        outputs={"span": _artifact(1)},
        contexts=[ContextRef("dataset", "elec2")],
        new_contexts=[span],
    )
    assert sorted((c.kind, c.name) for c in rec.contexts) == [
        ("dataset", "elec2"),
        ("span", "elec2#1"),
    ]
    assert store.get_context_by_name("span", "elec2#1").properties == {"number": 1}
    assert len(store.artifacts(ArtifactQuery(context=span))) == 1


def test_an_existing_context_is_a_conflict_and_nothing_is_written(store: MetadataStore) -> None:
    span = ContextRef("span", "elec2#1")
    store.record_execution(NewExecution("ingest"), new_contexts=[span])
    before = store.counts()
    with pytest.raises(ConflictError, match=r"span context 'elec2#1' exists already"):
        store.record_execution(
            NewExecution("ingest"),
            outputs={"span": _artifact(2)},
            contexts=[ContextRef("dataset", "other")],
            new_contexts=[span],
        )
    after = store.counts()
    assert after.artifacts == before.artifacts
    assert after.executions == before.executions
    assert after.contexts == before.contexts == {"span": 1}
