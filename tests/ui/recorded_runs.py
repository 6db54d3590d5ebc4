"""A workspace with recorded runs for the run and lineage pages (``recorded``, read-only).

Once per metadata backend and session: span 1 of ``synth`` (small), the standard pipeline run
on it (model ``synth`` version 1, the champion), a small pipeline run twice (the second run's
steps are CACHED) and a pipeline whose middle step fails (FAILED, then CANCELED). Tests only
read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from driftline.pipeline import JsonArtifact, Metrics, Pipeline, StepFailedError, run_pipeline, step
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import BACKENDS, WorkspaceMaker

ERROR = "asked <b>to</b> fail"
"""The failing step's message (markup in it must be shown as text)."""


@step
def make(n: int = 3) -> JsonArtifact:
    """A list of ``n`` numbers."""
    return list(range(n))


@step
def total(make: JsonArtifact) -> Metrics:
    """Their sum, as a metric."""
    return {"total": float(sum(make))}


@step
def boom(make: JsonArtifact) -> JsonArtifact:
    """Fails."""
    raise RuntimeError(ERROR)


@step
def after(boom: JsonArtifact) -> JsonArtifact:
    """Never runs (its input failed)."""
    return 1


@dataclass(frozen=True)
class Recorded:
    """The workspace and the ids of its runs."""

    ws: Workspace
    trained: str
    first: str
    cached: str
    failed: str


@pytest.fixture(scope="session", params=BACKENDS)
def recorded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recorded]:
    """The workspace described in the module docstring, on each metadata backend."""
    from driftline.components import standard_pipeline

    backend = str(request.param)
    server = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    maker = WorkspaceMaker(backend, server)
    try:
        with maker(tmp_path_factory.mktemp("recorded-runs") / "ws") as ws:
            ws.ingest("synth", make_table(0, rows=400), label="label")
            trained = run_pipeline(ws, standard_pipeline(), params=params(), progress=False)
            small = Pipeline("small", [make, total])
            first = run_pipeline(ws, small, progress=False)
            cached = run_pipeline(ws, small, progress=False)
            with pytest.raises(StepFailedError) as caught:
                run_pipeline(ws, Pipeline("failing", [make, boom, after]), progress=False)
            assert caught.value.result is not None
            yield Recorded(
                ws, trained.run_id, first.run_id, cached.run_id, caught.value.result.run_id
            )
    finally:
        maker.close()
