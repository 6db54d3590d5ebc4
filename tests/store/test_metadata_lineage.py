"""Lineage: walking the artifact ← event → execution graph (both backends)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftline.core.errors import InputError
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.records import (
    Artifact,
    ContextRef,
    EventKind,
    LineageDirection,
    NewArtifact,
    NewExecution,
)

MakeArtifact = Callable[..., NewArtifact]
UP, DOWN, BOTH = LineageDirection.UP, LineageDirection.DOWN, LineageDirection.BOTH
_labels = itertools.count()


def _artifact(kind: str = "span") -> NewArtifact:
    label = f"x{next(_labels)}"
    return NewArtifact(kind, f"file:///l/{label}", "a" * 64, 1, name=label)


def _step(store: MetadataStore, kind: str, inputs: list[int], n_out: int = 1) -> list[int]:
    rec = store.record_execution(
        NewExecution(kind),
        inputs={"in": inputs} if inputs else {},
        outputs={"out": [_artifact() for _ in range(n_out)]} if n_out else {},
    )
    return [a.id for a in rec.outputs.get("out", ())]


def test_chain_upstream_downstream_and_depth(store: MetadataStore) -> None:
    (a,) = _step(store, "ingest", [])
    (b,) = _step(store, "profile", [a])
    (c,) = _step(store, "validate", [b])
    (d,) = _step(store, "train", [c])
    up = store.lineage(d, UP)
    assert up.depth == {d: 0, c: 1, b: 2, a: 3}
    assert up.root == d
    assert up.direction is UP
    assert [store.get_execution(e).kind for e in up.executions] == [
        "ingest",
        "profile",
        "validate",
        "train",
    ]
    assert up.producers(d) == [max(up.executions)]
    assert up.inputs_of(up.producers(d)[0]) == [c]
    assert store.lineage(d, UP, depth=2).depth == {d: 0, c: 1, b: 2}
    assert store.lineage(d, UP, depth=0).depth == {d: 0}
    assert store.lineage(d, UP, depth=0).executions == {}
    down = store.lineage(a, DOWN, depth=1)
    assert down.depth == {a: 0, b: 1}
    assert {e.kind for e in down.executions.values()} == {"profile"}
    assert {e.kind for e in down.events} == {EventKind.INPUT, EventKind.OUTPUT}
    both = store.lineage(b, BOTH)
    assert both.depth == {a: 1, b: 0, c: 1, d: 2}
    assert store.lineage(b, "up").depth == {a: 1, b: 0}  # type: ignore[arg-type]


def test_diamond_is_walked_once_at_the_shortest_distance(store: MetadataStore) -> None:
    (src,) = _step(store, "ingest", [])
    (left,) = _step(store, "left", [src])
    (mid,) = _step(store, "mid", [src])
    (right,) = _step(store, "right", [mid])
    (top,) = _step(store, "join", [left, right, left])
    graph = store.lineage(top, UP)
    assert graph.depth == {top: 0, left: 1, right: 1, mid: 2, src: 2}
    join = graph.producers(top)[0]
    assert graph.inputs_of(join) == [left, left, right]
    assert len(graph.events) == len(set(graph.events))
    assert store.lineage(src, DOWN).depth == {src: 0, left: 1, mid: 1, right: 2, top: 2}


def test_executions_without_inputs_or_outputs_appear(store: MetadataStore) -> None:
    (a,) = _step(store, "ingest", [])
    running = store.start_execution(NewExecution("train"), inputs={"spans": [a]})
    graph = store.lineage(a, DOWN)
    assert running.id in graph.executions
    assert graph.consumers(a) == [running.id]
    assert graph.depth == {a: 0}


@pytest.mark.parametrize("depth", [-1, 1.5, True, "2"])
def test_bad_depth_or_direction_is_an_input_error(store: MetadataStore, depth: object) -> None:
    (a,) = _step(store, "ingest", [])
    with pytest.raises(InputError, match="depth"):
        store.lineage(a, UP, depth=depth)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="direction"):
        store.lineage(a, "sideways")  # type: ignore[arg-type]


def test_wide_frontier_is_chunked(store: MetadataStore) -> None:
    """More inputs than one IN-list holds: the walk still finds every one."""
    sources = [a.id for a in _many(store, 1200)]
    (top,) = _step(store, "merge", sources)
    graph = store.lineage(top, UP)
    assert set(graph.depth) == {top, *sources}
    assert len(store.lineage(sources[-1], DOWN).depth) == 2


def _many(store: MetadataStore, n: int) -> list[Artifact]:
    rec = store.record_execution(
        NewExecution("ingest"), outputs={"spans": [_artifact() for _ in range(n)]}
    )
    return list(rec.outputs["spans"])


# -- property: the walk equals a reference transitive closure on random DAGs ------------------


def _reference(
    edges: list[tuple[list[int], list[int]]], root: int, up: bool, depth: int | None
) -> dict[int, int]:
    """Breadth-first hop distances by pure Python, from (inputs, outputs) of each execution."""
    seen = {root: 0}
    frontier = [root]
    hop = 0
    while frontier and (depth is None or hop < depth):
        hop += 1
        nxt = []
        for node in frontier:
            for ins, outs in edges:
                near, far = (outs, ins) if up else (ins, outs)
                if node in near:
                    for other in far:
                        if other not in seen:
                            seen[other] = hop
                            nxt.append(other)
        frontier = nxt
    return seen


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[list[int], list[int]]]]:
    """A number of source artifacts and executions as (input indexes, number of outputs)."""
    n_sources = draw(st.integers(1, 4))
    steps = []
    available = n_sources
    for _ in range(draw(st.integers(1, 12))):
        inputs = draw(st.lists(st.integers(0, available - 1), min_size=1, max_size=3))
        n_out = draw(st.integers(0, 2))
        steps.append((inputs, list(range(available, available + n_out))))
        available += n_out
    return n_sources, steps


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MetadataStore]:
    """One store per backend for all hypothesis examples (each example builds a new graph)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_server").new_database()
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('lineage')) / 'm.db'}"
    with open_metadata_store(url, create=True) as opened:
        yield opened


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dag=dags(), depth=st.one_of(st.none(), st.integers(0, 4)), data=st.data())
def test_lineage_matches_reference_closure(
    shared_store: MetadataStore,
    dag: tuple[int, list[tuple[list[int], list[int]]]],
    depth: int | None,
    data: st.DataObject,
) -> None:
    store = shared_store
    n_sources, steps = dag
    ids = [a.id for a in _many(store, n_sources)]
    edges: list[tuple[list[int], list[int]]] = []
    for inputs, outs in steps:
        made = _step(store, "step", [ids[i] for i in inputs], len(outs))
        ids.extend(made)
        edges.append(([ids[i] for i in inputs], made))
    root = ids[-1 - data.draw(st.integers(0, len(ids) - 1), label="root from the newest")]
    for direction, up in ((UP, True), (DOWN, False)):
        graph = store.lineage(root, direction, depth)
        assert dict(graph.depth) == _reference(edges, root, up, depth), direction
        assert set(graph.artifacts) == set(graph.depth)
        for event in graph.events:
            assert event.execution_id in graph.executions
            assert event.artifact_id in graph.artifacts
    up_graph = store.lineage(root, UP, depth)
    down_graph = store.lineage(root, DOWN, depth)
    both = store.lineage(root, BOTH, depth)
    assert set(both.depth) == set(up_graph.depth) | set(down_graph.depth)
    assert set(both.executions) == set(up_graph.executions) | set(down_graph.executions)
    assert both.depth[root] == 0


def test_source_artifact_graph_has_only_its_producer(store: MetadataStore) -> None:
    rec = store.record_execution(
        NewExecution("ingest"), outputs={"s": _artifact()}, contexts=[ContextRef("run", "r")]
    )
    graph = store.lineage(rec.outputs["s"][0].id)
    assert list(graph.executions) == [rec.execution.id]
