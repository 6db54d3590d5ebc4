"""Runners: where steps execute. The local runner (in this process) is the default.

A runner implements :class:`Runner`: ``submit(call, artifacts)`` starts executing one step and
returns a :class:`~concurrent.futures.Future` of its ``StepOutcome``. The orchestrator submits
every step whose inputs are ready, records outcomes as futures finish, and does all metadata
writes itself, so a runner only needs :func:`~driftline.pipeline.execute.execute_step` and the
artifact store. A Ray runner wraps ``execute_step`` in a task that opens
``ArtifactStore(artifacts.url)`` on the worker; inputs and outputs travel as URIs.
Every runner must pass :func:`driftline.pipeline.conformance.check_runner`.

Examples:
    >>> runner = LocalRunner()
    >>> isinstance(runner, Runner), runner.name
    (True, 'local')

"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from driftline.core.errors import InputError
from driftline.pipeline.execute import StepCall, StepOutcome, execute_step

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore

__all__ = ["LocalRunner", "Runner", "ThreadRunner", "make_runner"]


@runtime_checkable
class Runner(Protocol):
    """Where steps execute."""

    name: str

    def submit(self, call: StepCall, artifacts: ArtifactStore) -> Future[StepOutcome]:
        """Start executing ``call``; the future gives its outcome (never the step's exception)."""
        ...

    def close(self) -> None:
        """Release workers; called once when the run ends."""
        ...


class LocalRunner:
    """Runs each step in this process, when it is submitted (one at a time, in order).

    Examples:
        >>> LocalRunner().name
        'local'

    """

    name = "local"

    def submit(self, call: StepCall, artifacts: ArtifactStore) -> Future[StepOutcome]:
        """Execute ``call`` now; return a finished future."""
        future: Future[StepOutcome] = Future()
        future.set_result(execute_step(call, artifacts))
        return future

    def close(self) -> None:
        """Nothing to release."""


class ThreadRunner:
    """Runs steps on a pool of threads: independent branches of a pipeline run in parallel.

    Examples:
        >>> runner = ThreadRunner(max_workers=2)
        >>> runner.name
        'threads'
        >>> runner.close()

    """

    name = "threads"

    def __init__(self, max_workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="driftline")

    def submit(self, call: StepCall, artifacts: ArtifactStore) -> Future[StepOutcome]:
        """Queue ``call`` on the pool."""
        return self._pool.submit(execute_step, call, artifacts)

    def close(self) -> None:
        """Wait for running steps and stop the threads."""
        self._pool.shutdown(wait=True)


def make_runner(runner: Runner | str | None) -> Runner:
    """A runner from a name or a runner object (``None``: local).

    Names: ``"local"`` (in this process), ``"threads"`` (a thread pool), ``"ray"`` (a local Ray
    instance, or the one already connected), ``"ray://HOST:PORT"`` or ``"auto"`` (a Ray cluster).

    Raises:
        InputError: an unknown runner name, listing the known ones.

    Examples:
        >>> make_runner(None).name, make_runner("local").name
        ('local', 'local')

    """
    if runner is None or runner == "local":
        return LocalRunner()
    if runner == "threads":
        return ThreadRunner()
    if isinstance(runner, str) and (runner in ("ray", "auto") or runner.startswith("ray://")):
        from driftline.pipeline.ray_runner import RayRunner

        return RayRunner(None if runner == "ray" else runner)
    if isinstance(runner, str):
        raise InputError(
            f"unknown runner {runner!r}; runners: local, threads, ray, ray://HOST:PORT, auto"
        )
    if not isinstance(runner, Runner):
        raise InputError(f"runner must be a Runner or a runner name, got {runner!r}")
    return runner
