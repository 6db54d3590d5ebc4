"""Reused outputs (CACHED executions) and mutable context properties (both backends)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from driftline.core.errors import ArtifactNotFoundError, ContextNotFoundError, InputError
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import (
    ContextRef,
    EventKind,
    ExecutionState,
    NewArtifact,
    NewExecution,
)
from tests.store.conftest import Dump


def test_cached_execution_reuses_existing_outputs(
    store: MetadataStore, make_artifact: Callable[..., NewArtifact]
) -> None:
    span = store.put_artifact(make_artifact("s0"))
    first = store.record_execution(
        NewExecution("train", cache_key="key-1"),
        inputs={"spans": span.id},
        outputs={"model": make_artifact("m0", kind="model")},
        contexts=[ContextRef("run", "r1")],
    )
    model = first.outputs["model"][0]
    again = store.record_execution(
        NewExecution("train", cache_key="key-1", state=ExecutionState.CACHED),
        inputs={"spans": span.id},
        output_ids={"model": [model.id]},
        contexts=[ContextRef("run", "r2")],
    )
    assert again.outputs["model"] == (model,)
    assert again.execution.state is ExecutionState.CACHED
    assert len(store.artifacts(ArtifactQuery(kind="model"))) == 1
    outputs = [
        e for e in store.events(execution_id=again.execution.id) if e.kind is EventKind.OUTPUT
    ]
    assert [(e.name, e.artifact_id) for e in outputs] == [("model", model.id)]
    in_r2 = store.artifacts(ArtifactQuery(context=ContextRef("run", "r2")))
    assert {a.id for a in in_r2} == {span.id, model.id}
    found = store.executions(ExecutionQuery(cache_key="key-1"))
    assert {e.state for e in found} == {ExecutionState.COMPLETE, ExecutionState.CACHED}
    assert sorted(store.lineage(model.id).producers(model.id)) == sorted(
        [first.execution.id, again.execution.id]
    )


def test_reused_output_must_exist_and_nothing_is_written(
    store: MetadataStore, dump: Callable[[], Dump], make_artifact: Callable[..., NewArtifact]
) -> None:
    before = dump()
    with pytest.raises(ArtifactNotFoundError, match="999"):
        store.record_execution(
            NewExecution("train", state=ExecutionState.CACHED), output_ids={"model": 999}
        )
    with pytest.raises(InputError, match=r"both new and reused.*model"):
        store.record_execution(
            NewExecution("train"),
            outputs={"model": make_artifact("m", kind="model")},
            output_ids={"model": 1},
        )
    with pytest.raises(InputError, match=r"output_ids\['model'\]"):
        store.record_execution(NewExecution("train"), output_ids={"model": "x"})  # type: ignore[dict-item]
    assert dump() == before


def test_put_context_and_set_properties(store: MetadataStore, dump: Callable[[], Dump]) -> None:
    run = store.put_context(ContextRef("run", "r1", {"status": "RUNNING", "params": {"c": 1}}))
    assert store.put_context(ContextRef("run", "r1", {"status": "ignored"})) == run
    merged = store.set_context_properties(run.id, {"status": "COMPLETE"})
    assert dict(merged.properties) == {"status": "COMPLETE", "params": {"c": 1}}
    assert store.get_context_by_name("run", "r1") == merged
    replaced = store.set_context_properties(run.id, {"only": True}, merge=False)
    assert dict(replaced.properties) == {"only": True}
    before = dump()
    with pytest.raises(ContextNotFoundError, match="12345"):
        store.set_context_properties(12345, {"a": 1})
    with pytest.raises(InputError, match="context properties"):
        store.set_context_properties(run.id, {"a": object()})
    assert dump() == before
