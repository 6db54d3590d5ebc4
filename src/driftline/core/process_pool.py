"""Worker processes that run driftline's functions: :class:`ProcessPool`.

Python's :mod:`multiprocessing` starts a worker by importing the caller's ``__main__`` script
again (``spawn`` and ``forkserver``) or by copying a process that may hold other threads' locks
(``fork``). A library cannot ask its users for a ``__main__`` guard, so these workers are plain
``python -m driftline.core.process_worker`` processes: they import only the functions they are
given (by module and name), and talk to the pool over their standard input and output (pickled
calls and answers, each prefixed with its length; the worker's own output goes to its standard
error). The pool only sends work it made itself, to processes it started.

Examples:
    >>> with ProcessPool(1) as pool:
    ...     pool.submit(max, 2, 3).result()
    3

"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, Any

from driftline.core.closing import Closing
from driftline.core.errors import ServiceError

__all__ = ["ProcessPool", "read_message", "write_message"]

_LENGTH = struct.Struct("!Q")


def write_message(stream: IO[bytes], message: object) -> None:
    """Pickle ``message`` onto ``stream``, prefixed with its length."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_message(stream: IO[bytes]) -> Any:
    """The next message on ``stream`` (``EOFError`` when the other side is gone)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the other process closed the pipe")
    size = _LENGTH.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other process closed the pipe mid-message")
    return pickle.loads(data)


class ProcessPool(Closing):
    """``processes`` worker processes; :meth:`submit` runs a function in one of them.

    Args:
        processes: how many workers.
        warm: ``"module:function"`` each worker calls once when it starts (imports, caches).

    The functions submitted must be importable by module and name (module-level functions), and
    their arguments and results picklable. A worker that dies fails the call it was running
    (:class:`~driftline.core.errors.ServiceError`) and every later one.

    """

    def __init__(self, processes: int, *, warm: str | None = None) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.processes = processes
        self._jobs: queue.Queue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None]
        self._jobs = queue.Queue()
        self._workers: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []
        self._broken: str | None = None
        command = [sys.executable, "-m", "driftline.core.process_worker"]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # the same driftline
        for number in range(processes):  # workers, not rows
            worker = subprocess.Popen(
                [*command, warm or ""], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
            )
            self._workers.append(worker)
            thread = threading.Thread(
                target=self._serve, args=(worker,), name=f"driftline-pool-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    @property
    def pids(self) -> tuple[int, ...]:
        """The workers' process ids (to watch their CPU time and memory)."""
        return tuple(worker.pid for worker in self._workers)

    @property
    def usable(self) -> bool:
        """Whether calls can still be made (no worker died, not closed)."""
        return self._broken is None

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``function(*args)`` in a worker; its future answer."""
        future: Future[Any] = Future()
        if self._broken is not None:
            future.set_exception(ServiceError(self._broken))
            return future
        self._jobs.put((future, function, args))
        return future

    def ready(self) -> None:
        """Wait until every worker has started (and run ``warm``)."""
        futures = [self.submit(os.getpid) for _ in range(self.processes * 2)]
        for future in futures:
            future.result()

    def _serve(self, worker: subprocess.Popen[bytes]) -> None:
        """Hand the queued calls to ``worker``, one at a time (a thread per worker)."""
        assert worker.stdin is not None
        assert worker.stdout is not None
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                write_message(worker.stdin, (function, args))
                ok, value = read_message(worker.stdout)
            except (EOFError, OSError, pickle.PicklingError) as exc:
                code = worker.poll()
                self._broken = (
                    f"a driftline worker process stopped (exit code {code}): {exc}"
                    if not isinstance(exc, pickle.PicklingError)
                    else f"a call could not be sent to a worker process: {exc}"
                )
                future.set_exception(ServiceError(self._broken))
                self._fail_queued()
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _fail_queued(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is None:
                self._jobs.put(None)  # another worker's thread still needs its stop
                return
            job[0].set_exception(ServiceError(self._broken or "the worker pool stopped"))

    def close(self) -> None:
        """Stop the workers (calls not started fail); wait for them to exit."""
        if self._broken is None:
            self._broken = "the worker pool was closed"
        self._fail_queued()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        for worker in self._workers:
            if worker.stdin is not None:
                worker.stdin.close()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()
