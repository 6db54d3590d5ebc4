"""Recording and reading artifacts, executions, events and contexts (both backends)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from driftline.core.clock import ManualClock
from driftline.core.errors import (
    ArtifactNotFoundError,
    ConflictError,
    ContextNotFoundError,
    ExecutionNotFoundError,
    InputError,
    StateTransitionError,
)
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import (
    ArtifactState,
    ContextRef,
    EventKind,
    ExecutionState,
    NewArtifact,
    NewExecution,
)

MakeArtifact = Callable[..., NewArtifact]


def test_put_and_get_artifact_round_trip(
    store: MetadataStore, make_artifact: MakeArtifact, clock: ManualClock
) -> None:
    new = make_artifact("s0", properties={"rows": 10, "nested": {"a": [1, 2.5, None]}})
    made = store.put_artifact(new, contexts=[ContextRef("dataset", "elec2")])
    got = store.get_artifact(made.id)
    assert got == made
    assert (got.kind, got.uri, got.sha256, got.size, got.name) == (
        new.kind,
        new.uri,
        new.sha256,
        new.size,
        new.name,
    )
    assert got.properties == {"rows": 10, "nested": {"a": [1, 2.5, None]}}
    assert got.state is ArtifactState.LIVE
    assert got.created_at == clock.now()
    assert got.created_at.tzinfo is UTC
    listed = store.artifacts(ArtifactQuery(context=ContextRef("dataset", "elec2")))
    assert [a.id for a in listed] == [made.id]


def test_record_execution_writes_everything(
    store: MetadataStore, make_artifact: MakeArtifact, clock: ManualClock
) -> None:
    a = store.put_artifact(make_artifact("a"))
    b = store.put_artifact(make_artifact("b"))
    clock.advance(60)
    rec = store.record_execution(
        NewExecution(
            "train",
            parameters={"c": 1.0, "layers": [3, 4]},
            code_version="git:abc",
            cache_key="k1",
            properties={"host": "x"},
        ),
        inputs={"spans": [a.id, b.id], "schema": a.id},
        outputs={
            "model": make_artifact("m", kind="model"),
            "metrics": [make_artifact("e0", kind="evaluation"), make_artifact("e1", "evaluation")],
        },
        contexts=[ContextRef("pipeline", "train"), ContextRef("run", "r1", {"trigger": "cron"})],
    )
    run = rec.execution
    assert run == store.get_execution(run.id)
    assert run.state is ExecutionState.COMPLETE
    assert run.parameters == {"c": 1.0, "layers": [3, 4]}
    assert (run.code_version, run.cache_key, run.properties) == ("git:abc", "k1", {"host": "x"})
    assert run.created_at == run.started_at == run.ended_at == clock.now()
    assert dict(rec.inputs) == {"schema": (a.id,), "spans": (a.id, b.id)}
    assert [o.uri for o in rec.outputs["metrics"]] == [
        "file:///ws/artifacts/e0",
        "file:///ws/artifacts/e1",
    ]
    for port, made in rec.outputs.items():
        assert [store.get_artifact(o.id) for o in made] == list(made), port
    events = store.events(execution_id=run.id)
    assert sorted((e.kind, e.name, e.index, e.artifact_id) for e in events) == sorted(
        [
            (EventKind.INPUT, "spans", 0, a.id),
            (EventKind.INPUT, "spans", 1, b.id),
            (EventKind.INPUT, "schema", 0, a.id),
            (EventKind.OUTPUT, "model", 0, rec.outputs["model"][0].id),
            (EventKind.OUTPUT, "metrics", 0, rec.outputs["metrics"][0].id),
            (EventKind.OUTPUT, "metrics", 1, rec.outputs["metrics"][1].id),
        ]
    )
    assert [c.name for c in rec.contexts] == ["train", "r1"]
    assert rec.contexts[1].properties == {"trigger": "cron"}
    in_run = store.artifacts(ArtifactQuery(context=ContextRef("run", "r1"), ascending=True))
    assert [x.id for x in in_run] == [a.id, b.id] + [
        o.id for o in rec.outputs["metrics"] + rec.outputs["model"]
    ]
    assert [e.id for e in store.executions(ExecutionQuery(context=ContextRef("run", "r1")))] == [
        run.id
    ]


def test_contexts_are_got_or_created_and_keep_first_properties(
    store: MetadataStore, make_artifact: MakeArtifact
) -> None:
    ref = ContextRef("dataset", "elec2", {"owner": "ana"})
    first = store.put_artifact(make_artifact("a"), contexts=[ref, ref])
    store.put_artifact(make_artifact("b"), contexts=[ContextRef("dataset", "elec2", {"x": 1})])
    (ctx,) = store.contexts(ContextQuery(kind="dataset"))
    assert ctx.properties == {"owner": "ana"}
    assert store.get_context(ctx.id) == ctx == store.get_context_by_name("dataset", "elec2")
    listed = store.artifacts(ArtifactQuery(context=ref, ascending=True))
    assert [a.name for a in listed] == ["a", "b"]
    assert listed[0].id == first.id


def test_times_are_stored_in_utc_and_read_back_aware(
    store: MetadataStore, make_artifact: MakeArtifact
) -> None:
    plus_two = timezone(timedelta(hours=2))
    started = datetime(2026, 2, 1, 14, 0, tzinfo=plus_two)
    ended = datetime(2026, 2, 1, 12, 30)  # naive means UTC
    rec = store.record_execution(NewExecution("ingest", started_at=started, ended_at=ended))
    got = store.get_execution(rec.execution.id)
    assert got.started_at == datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    assert got.ended_at == datetime(2026, 2, 1, 12, 30, tzinfo=UTC)
    assert got.started_at is not None
    assert got.started_at.utcoffset() == timedelta(0)
    assert got.created_at.tzinfo is not None


def test_lifecycle_start_then_finish(
    store: MetadataStore, make_artifact: MakeArtifact, clock: ManualClock
) -> None:
    span = store.put_artifact(make_artifact("s"))
    run = store.start_execution(
        NewExecution("train", cache_key="ck"),
        inputs={"spans": [span.id]},
        contexts=[ContextRef("run", "r7")],
    )
    assert run.state is ExecutionState.RUNNING
    assert run.started_at == clock.now()
    assert run.ended_at is None
    assert store.get_execution(run.id) == run
    clock.advance(5)
    done = store.finish_execution(
        run.id, ExecutionState.COMPLETE, outputs={"model": make_artifact("m", kind="model")}
    )
    assert done.execution.state is ExecutionState.COMPLETE
    assert done.execution.ended_at == clock.now()
    assert done.execution.started_at == run.started_at
    assert dict(done.inputs) == {"spans": (span.id,)}
    assert [c.name for c in done.contexts] == ["r7"]
    model = done.outputs["model"][0]
    assert store.lineage(model.id).depth == {model.id: 0, span.id: 1}
    in_run = store.artifacts(ArtifactQuery(context=ContextRef("run", "r7"), ascending=True))
    assert [a.id for a in in_run] == [span.id, model.id]


def test_finish_twice_is_a_state_transition_error_and_changes_nothing(
    store: MetadataStore, make_artifact: MakeArtifact, dump: Callable[[], Any]
) -> None:
    run = store.start_execution(NewExecution("train"))
    store.finish_execution(run.id, ExecutionState.FAILED, error="boom")
    before = dump()
    with pytest.raises(StateTransitionError) as err:
        store.finish_execution(
            run.id, ExecutionState.COMPLETE, outputs={"m": make_artifact("m", kind="model")}
        )
    message = str(err.value)
    assert f"execution {run.id}" in message
    assert "FAILED" in message
    assert "COMPLETE" in message
    assert dump() == before
    assert store.get_execution(run.id).error == "boom"


def test_set_execution_state_follows_the_state_machine(store: MetadataStore) -> None:
    rec = store.record_execution(NewExecution("train", state=ExecutionState.NEW))
    assert rec.execution.started_at is None
    assert rec.execution.ended_at is None
    running = store.set_execution_state(rec.execution.id, ExecutionState.RUNNING)
    assert running.state is ExecutionState.RUNNING
    assert running.started_at is not None
    with pytest.raises(StateTransitionError, match="RUNNING to NEW"):
        store.set_execution_state(rec.execution.id, ExecutionState.NEW)
    canceled = store.set_execution_state(rec.execution.id, ExecutionState.CANCELED, error="stop")
    assert canceled.state is ExecutionState.CANCELED
    assert canceled.error == "stop"
    with pytest.raises(InputError, match="final state"):
        store.finish_execution(rec.execution.id, ExecutionState.RUNNING)


def test_finish_refuses_a_port_that_already_holds_outputs(
    store: MetadataStore, make_artifact: MakeArtifact, dump: Callable[[], Any]
) -> None:
    rec = store.record_execution(
        NewExecution("train", state=ExecutionState.RUNNING), outputs={"log": make_artifact("l0")}
    )
    before = dump()
    with pytest.raises(ConflictError, match="log"):
        store.finish_execution(
            rec.execution.id, ExecutionState.COMPLETE, outputs={"log": make_artifact("l1")}
        )
    assert dump() == before


def test_set_artifact_state(store: MetadataStore, make_artifact: MakeArtifact) -> None:
    a = store.put_artifact(make_artifact("a"))
    changed = store.set_artifact_state(a.id, ArtifactState.MARKED_FOR_DELETION)
    assert changed.state is ArtifactState.MARKED_FOR_DELETION
    assert store.get_artifact(a.id) == changed
    assert store.artifacts(ArtifactQuery(states=frozenset({ArtifactState.LIVE}))) == []


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda s: s.get_artifact(404), ArtifactNotFoundError, "artifact 404"),
        (lambda s: s.get_execution(405), ExecutionNotFoundError, "execution 405"),
        (lambda s: s.get_context(406), ContextNotFoundError, "context 406"),
        (lambda s: s.get_context_by_name("run", "nope"), ContextNotFoundError, "'nope'"),
        (lambda s: s.set_artifact_state(407, ArtifactState.DELETED), ArtifactNotFoundError, "407"),
        (lambda s: s.finish_execution(408, ExecutionState.FAILED), ExecutionNotFoundError, "408"),
        (lambda s: s.lineage(409), ArtifactNotFoundError, "artifact 409"),
        (lambda s: s.events(artifact_id=410), ArtifactNotFoundError, "artifact 410"),
        (lambda s: s.events(execution_id=411), ExecutionNotFoundError, "execution 411"),
    ],
)
def test_unknown_ids_raise_the_specific_not_found_error(
    store: MetadataStore, call: Callable[[MetadataStore], object], error: type, text: str
) -> None:
    with pytest.raises(error, match=text):
        call(store)


def _bad_record_calls(ids: dict[str, int], make: MakeArtifact) -> list[tuple[str, dict[str, Any]]]:
    ok_out = {"model": make("m", kind="model")}
    return [
        ("inputs[", {"inputs": {"spans": [ids["a"], 999_999]}, "outputs": ok_out}),
        ("kind", {"execution": NewExecution("Bad Kind"), "outputs": ok_out}),
        ("outputs['model'][0].kind", {"outputs": {"model": make("m", kind="NOPE!")}}),
        ("sha256", {"outputs": {"m": NewArtifact("model", "file:///m", "xyz", 1)}}),
        ("size", {"outputs": {"m": NewArtifact("model", "file:///m", "0" * 64, -1)}}),
        ("properties", {"outputs": ok_out, "execution": NewExecution("t", properties={"x": {1}})}),
        ("parameters", {"execution": NewExecution("t", parameters={"x": float("nan")})}),
        ("contexts[1].kind", {"contexts": [ContextRef("run", "r"), ContextRef("", "x")]}),
        ("contexts[0].name", {"contexts": [ContextRef("run", "")], "outputs": ok_out}),
        ("inputs['spans'][0]", {"inputs": {"spans": [True]}}),
        ("inputs['spans'][0]", {"inputs": {"spans": ["1"]}}),
        ("port name", {"inputs": {"": ids["a"]}}),
        ("outputs['m']", {"outputs": {"m": "not an artifact"}}),
        (
            "ended_at",
            {
                "execution": NewExecution(
                    "t", started_at=datetime(2026, 1, 2), ended_at=datetime(2026, 1, 1)
                )
            },
        ),
    ]


def test_bad_input_to_record_execution_writes_nothing(
    store: MetadataStore, make_artifact: MakeArtifact, dump: Callable[[], Any]
) -> None:
    a = store.put_artifact(make_artifact("a"), contexts=[ContextRef("run", "r")])
    before = dump()
    for text, kwargs in _bad_record_calls({"a": a.id}, make_artifact):
        execution = kwargs.pop("execution", NewExecution("train"))
        expected = ArtifactNotFoundError if "999999" in repr(kwargs) else InputError
        with pytest.raises(expected) as err:
            store.record_execution(execution, **kwargs)
        assert text in str(err.value) or "999999" in str(err.value), (text, str(err.value))
        assert dump() == before, text


def test_unknown_input_names_the_missing_id_and_writes_nothing(
    store: MetadataStore, make_artifact: MakeArtifact, dump: Callable[[], Any]
) -> None:
    a = store.put_artifact(make_artifact("a"))
    before = dump()
    with pytest.raises(ArtifactNotFoundError, match=r"input artifact 424242 does not exist"):
        store.record_execution(
            NewExecution("train"),
            inputs={"spans": [a.id, 424242]},
            outputs={"model": make_artifact("m", kind="model")},
            contexts=[ContextRef("run", "new-run")],
        )
    with pytest.raises(ArtifactNotFoundError, match="424242"):
        store.start_execution(NewExecution("train"), inputs={"x": 424242})
    assert dump() == before
    assert store.contexts() == []


def test_queries_filter_order_and_page(
    store: MetadataStore, make_artifact: MakeArtifact, clock: ManualClock
) -> None:
    made = []
    for i in range(6):
        made.append(store.put_artifact(make_artifact(f"a{i}", kind="span" if i % 2 else "model")))
        clock.advance(10)
    newest_first = store.artifacts()
    assert [a.id for a in newest_first] == [a.id for a in reversed(made)]
    spans = store.artifacts(ArtifactQuery(kind="span", ascending=True))
    assert [a.name for a in spans] == ["a1", "a3", "a5"]
    page = store.artifacts(ArtifactQuery(ascending=True, limit=2, offset=2))
    assert [a.name for a in page] == ["a2", "a3"]
    assert [a.name for a in store.artifacts(ArtifactQuery(name="a4"))] == ["a4"]
    assert [a.name for a in store.artifacts(ArtifactQuery(uri="file:///ws/artifacts/a0"))] == ["a0"]
    middle = store.artifacts(
        ArtifactQuery(
            created_after=made[1].created_at, created_before=made[4].created_at, ascending=True
        )
    )
    assert [a.name for a in middle] == ["a2", "a3"]
    chosen = frozenset({made[0].id, made[5].id})
    assert {a.id for a in store.artifacts(ArtifactQuery(ids=chosen))} == chosen
    assert store.artifacts(ArtifactQuery(context=ContextRef("run", "missing"))) == []


def test_execution_queries_by_cache_key_state_and_kind(store: MetadataStore) -> None:
    store.record_execution(NewExecution("train", cache_key="k1"))
    failed = store.record_execution(
        NewExecution("train", cache_key="k2", state=ExecutionState.FAILED, error="x")
    ).execution
    store.record_execution(NewExecution("profile", cache_key="k1", state=ExecutionState.CACHED))
    by_key = store.executions(ExecutionQuery(cache_key="k1", ascending=True))
    assert [(e.kind, e.state) for e in by_key] == [
        ("train", ExecutionState.COMPLETE),
        ("profile", ExecutionState.CACHED),
    ]
    assert store.executions(ExecutionQuery(states=frozenset({ExecutionState.FAILED}))) == [failed]
    assert len(store.executions(ExecutionQuery(kind="train"))) == 2


def test_counts(store: MetadataStore, make_artifact: MakeArtifact) -> None:
    assert store.counts().artifacts == {}
    a = store.put_artifact(make_artifact("a"), contexts=[ContextRef("dataset", "d")])
    for i in range(7):
        store.record_execution(
            NewExecution("profile"),
            inputs={"span": a.id},
            outputs={"p": make_artifact(f"p{i}", kind="profile")},
            contexts=[ContextRef("run", f"r{i % 3}")],
        )
    store.start_execution(NewExecution("train"))
    counts = store.counts(last=3)
    assert counts.artifacts == {"profile": 7, "span": 1}
    assert counts.executions == {ExecutionState.COMPLETE: 7, ExecutionState.RUNNING: 1}
    assert counts.contexts == {"dataset": 1, "run": 3}
    assert [e.kind for e in counts.last_executions] == ["train", "profile", "profile"]
    with pytest.raises(InputError, match="last"):
        store.counts(last=-1)


def test_closed_store_refuses_work(store_url: str) -> None:
    from driftline.store.metadata import open_metadata_store

    opened = open_metadata_store(store_url, create=True)
    opened.close()
    with pytest.raises(InputError, match="closed"):
        opened.counts()


def test_a_context_from_a_failed_write_is_created_again(
    store: MetadataStore, make_artifact: MakeArtifact
) -> None:
    ref = ContextRef("run", "retry")
    with pytest.raises(ArtifactNotFoundError):
        store.record_execution(NewExecution("train"), inputs={"x": 999}, contexts=[ref])
    assert store.contexts() == []
    rec = store.record_execution(NewExecution("train"), contexts=[ref])
    again = store.record_execution(NewExecution("train"), contexts=[ref])
    assert rec.contexts == again.contexts == (store.get_context_by_name("run", "retry"),)
    assert len(store.executions(ExecutionQuery(context=ref))) == 2
