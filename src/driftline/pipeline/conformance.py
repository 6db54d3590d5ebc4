"""The conformance check every runner must pass (a kit third-party runners can run too).

:func:`check_runner` runs a reference pipeline (a diamond with JSON, Table, Metrics and a
NamedTuple of outputs, plus a failing branch) on the runner and on the local runner, and checks
that both give the same states and the same artifact hashes on every output.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> from driftline.pipeline.runners import LocalRunner
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     hashes = check_runner(LocalRunner, ws)
    >>> sorted(hashes)[:2]
    ['numbers.numbers', 'split.high']

"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from driftline.pipeline.artifact_types import JsonArtifact, Metrics, Table
from driftline.pipeline.errors import StepFailedError
from driftline.pipeline.graph import Pipeline
from driftline.pipeline.result import RunResult
from driftline.pipeline.runners import LocalRunner, Runner
from driftline.pipeline.step_def import step
from driftline.store.records import ExecutionState

if TYPE_CHECKING:
    from driftline.store.stores import HasStores

__all__ = ["check_runner", "reference_pipeline"]


class Halves(NamedTuple):
    """Two outputs of the reference ``split`` step."""

    low: JsonArtifact
    high: JsonArtifact


@step(cache=False)
def numbers(n: int = 10) -> JsonArtifact:
    """The numbers 0..n-1."""
    return list(range(n))


@step(cache=False)
def split(numbers: JsonArtifact, at: int = 5) -> Halves:
    """The numbers below ``at`` and the rest."""
    return Halves([x for x in numbers if x < at], [x for x in numbers if x >= at])


@step(cache=False)
def table(low: JsonArtifact, high: JsonArtifact) -> Table:
    """Both halves as one table."""
    import pyarrow as pa

    table: pa.Table = pa.table({"low": low, "high": high[: len(low)]})
    return table


@step(cache=False)
def summary(table: Table) -> Metrics:
    """Row count and column sums."""
    return {
        "rows": table.num_rows,
        **{c: sum(table.column(c).to_pylist()) for c in table.schema.names},
    }


@step(cache=False)
def explode(high: JsonArtifact) -> JsonArtifact:
    """Fails on purpose."""
    raise ValueError(f"refusing {len(high)} numbers")


@step(cache=False)
def after_explode(explode: JsonArtifact) -> JsonArtifact:
    """Never runs: its input's step fails."""
    return explode


def reference_pipeline(*, failing: bool = False) -> Pipeline:
    """The pipeline :func:`check_runner` runs (with a failing branch when ``failing``)."""
    steps = [numbers, split, table, summary]
    return Pipeline("conformance", [*steps, explode, after_explode] if failing else steps)


def _hashes(result: RunResult) -> dict[str, str]:
    return {
        f"{name}.{port}": a.sha256
        for name, s in result.steps.items()
        for port, a in s.outputs.items()
    }


def check_runner(make: Callable[[], Runner], stores: HasStores) -> dict[str, str]:
    """Check a runner against the local runner; return the output hashes (``step.port``).

    Raises:
        AssertionError: naming the first difference (states, hashes, or a failure not
            reported as a FAILED step with its downstream CANCELED).

    """
    from driftline.pipeline.run import run_pipeline

    expected = run_pipeline(stores, reference_pipeline(), runner=LocalRunner(), progress=False)
    got = run_pipeline(stores, reference_pipeline(), runner=make(), progress=False)
    if got.states() != expected.states():
        raise AssertionError(f"states differ: {got.states()} != {expected.states()}")
    if _hashes(got) != _hashes(expected):
        raise AssertionError(f"output hashes differ: {_hashes(got)} != {_hashes(expected)}")
    failed: Any = None
    try:
        run_pipeline(stores, reference_pipeline(failing=True), runner=make(), progress=False)
    except StepFailedError as exc:
        failed = exc.result
    if failed is None:
        raise AssertionError("a failing step did not fail the run")
    states = failed.states()
    if states["explode"] is not ExecutionState.FAILED:
        raise AssertionError(f"the failing step is {states['explode']}, not FAILED")
    if states["after_explode"] is not ExecutionState.CANCELED:
        raise AssertionError(f"its downstream step is {states['after_explode']}, not CANCELED")
    if states["summary"] is not ExecutionState.COMPLETE:
        raise AssertionError("an independent branch did not complete after a failure")
    return _hashes(got)
