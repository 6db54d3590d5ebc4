"""The Ray runner: every step is a Ray task; artifacts travel by URI, never as objects.

:class:`RayRunner` submits :func:`~driftline.pipeline.execute.execute_step` as a Ray task. The
task reopens the artifact store on the worker from its root URI (and, for ``s3://``, the
``storage_options`` given to the runner), reads the inputs by URI with their SHA-256 checked,
calls the step and writes the outputs atomically; only the small
:class:`~driftline.pipeline.execute.StepOutcome` (URIs, hashes, sizes) comes back. The
orchestrator still does every metadata write in the driver process.

The step travels with Ray's cloudpickle. ``@step`` replaces the module attribute with the
:class:`~driftline.pipeline.step_def.Step`, so the function cannot be pickled by reference and is
shipped by value; the runner also registers the step's module for pickling by value (unless it
is part of driftline, which every worker has), so steps and their NamedTuple/dataclass outputs
from a test module or from a file loaded by
:func:`~driftline.pipeline.loading.load_pipeline_file` work on workers that cannot import it.

Artifacts must be reachable from the workers: an ``s3://`` store, or a ``file://`` folder on a
filesystem every node shares (always true for a local Ray instance). ``memory://`` stores live in
one process and are refused.

Ray is imported lazily (``pip install 'driftline[ray]'``). There is no doctest here: starting Ray
takes seconds; ``tests/pipeline/test_ray_runner.py`` runs the conformance check on it.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError
from driftline.pipeline.execute import StepCall, StepOutcome, execute_step

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore

__all__ = ["RayRunner", "run_on_worker"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_INSTALL_HINT = "the Ray runner needs Ray: pip install 'driftline[ray]'"


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise InputError(_INSTALL_HINT) from exc
    return ray


def run_on_worker(
    call: StepCall, artifacts_url: str, storage_options: Mapping[str, Any] | None
) -> StepOutcome:
    """Open the artifact store at ``artifacts_url`` and execute ``call`` (the body of a task).

    Examples:
        >>> import tempfile
        >>> from driftline.pipeline.artifact_types import JsonArtifact
        >>> from driftline.pipeline.step_def import step
        >>> from driftline.store.artifacts import ArtifactStore
        >>> @step
        ... def one() -> JsonArtifact:
        ...     return 1
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     root = ArtifactStore(folder).create().root_uri
        ...     outcome = run_on_worker(StepCall(one, "run-1", {}, {}), root, None)
        >>> outcome.ok, sorted(outcome.outputs)
        (True, ['one'])

    """
    from driftline.store.artifacts import ArtifactStore

    with ArtifactStore(artifacts_url, storage_options=storage_options) as store:
        return execute_step(call, store)


def _failure(exc: BaseException, started: float) -> StepOutcome:
    text = _ANSI.sub("", str(exc))
    first = text.strip().splitlines()[0] if text.strip() else ""
    return StepOutcome(
        {},
        time.perf_counter() - started,
        error=f"Ray task failed: {type(exc).__name__}: {first}",
        traceback=text,
    )


class RayRunner:
    """Runs each step as a Ray task, on a local Ray instance or a cluster.

    A step's own error comes back as a FAILED outcome, like every runner; a task that Ray itself
    could not run (a worker died, the step could not be unpickled) also becomes a FAILED outcome
    whose error starts with ``Ray task failed:``.

    Args:
        address: where Ray is: ``None`` to use the Ray already initialised in this process, or
            else start a local instance; ``"auto"`` (a running local cluster), ``"host:port"``
            or ``"ray://host:port"`` (Ray Client).
        num_cpus: the CPUs each step's task reserves (Ray's default, 1, when ``None``).
        storage_options: the artifact store's ``storage_options`` (``s3://`` only), passed to
            the store the worker opens; the store object does not expose its own.
        init_kwargs: more keyword arguments for ``ray.init`` (e.g. ``num_cpus`` of a local
            instance, ``runtime_env``).

    ``close()`` cancels steps still queued and shuts Ray down only if this runner started it.
    Starting Ray takes seconds, so this class has no doctest; see the module docstring.

    Raises:
        InputError: Ray is not installed ("pip install 'driftline[ray]'").

    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        storage_options: Mapping[str, Any] | None = None,
        init_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        ray = _import_ray()
        self._ray = ray
        self._storage_options = dict(storage_options) if storage_options else None
        self._started = False
        if address is not None or not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
                **dict(init_kwargs or {}),
            }
            if ray.is_initialized():
                options["ignore_reinit_error"] = True
            else:
                self._started = True
            ray.init(address=address, **options)
        remote_options: dict[str, Any] = {"max_retries": 0}
        if num_cpus is not None:
            remote_options["num_cpus"] = num_cpus
        self._task = ray.remote(**remote_options)(run_on_worker)
        self._pending: dict[Any, None] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def started_ray(self) -> bool:
        """Whether this runner started Ray (and so shuts it down in :meth:`close`)."""
        return self._started

    def _ship_code_of(self, call: StepCall) -> None:
        module_name = getattr(call.step.func, "__module__", None) or ""
        if module_name.split(".")[0] in {"driftline", "__main__", "builtins"}:
            return
        module = sys.modules.get(module_name)
        if module is not None:
            self._ray.cloudpickle.register_pickle_by_value(module)

    def submit(self, call: StepCall, artifacts: ArtifactStore) -> Future[StepOutcome]:
        """Submit ``call`` as a Ray task; the future gives its outcome (never raises).

        Raises:
            InputError: the artifact store is ``memory://`` (workers cannot see it), or the
                runner is closed.

        """
        if self._closed:
            raise InputError("this Ray runner is closed")
        root = artifacts.root_uri
        if root.startswith("memory://"):
            raise InputError(
                "the Ray runner needs an artifact store its workers can reach (a shared folder "
                f"or s3://), not {root!r}"
            )
        self._ship_code_of(call)
        started = time.perf_counter()
        ref = self._task.remote(call, root, self._storage_options)
        with self._lock:
            self._pending[ref] = None
        result: Future[StepOutcome] = Future()
        result.set_running_or_notify_cancel()

        def settle(done: Future[Any]) -> None:
            with self._lock:
                self._pending.pop(ref, None)
            try:
                outcome = done.result()
            except BaseException as exc:  # a Ray error (cancelled, worker died), not the step's
                result.set_result(_failure(exc, started))
            else:
                result.set_result(outcome)

        ref.future().add_done_callback(settle)
        return result

    def close(self) -> None:
        """Cancel steps still queued or running; shut Ray down if this runner started it."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            pending = list(self._pending)
        for ref in pending:
            self._ray.cancel(ref, force=False)
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
