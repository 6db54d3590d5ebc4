"""Probing a saved model in a fresh process: load it, score sample rows, time single-row calls.

``python -m driftline.models.probe MODEL_FOLDER SAMPLE.parquet OUT_FOLDER --requests N`` loads the
model as a server would (nothing from the parent process), predicts the whole sample once, then
``N`` single-row requests (with native thread pools limited to one thread, as a server
scoring one request per thread should), and writes ``predictions.npy`` and ``timings.json``
to ``OUT_FOLDER``.
:func:`probe_model` runs it and checks the predictions equal the parent's.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.linear_model import LogisticRegression
    >>> from driftline.models.saving import save_model, load_model
    >>> import tempfile, pathlib
    >>> sample = pa.table({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> fitted = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = save_model(fitted, pathlib.Path(tmp) / "m", sample=sample)
    ...     report = probe_model(load_model(pathlib.Path(tmp) / "m"), sample, requests=5)
    >>> report.same_predictions, report.rows, report.requests
    (True, 4, 5)

"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from driftline.core.errors import IntegrityError
from driftline.core.scratch import scratch_folder
from driftline.models.loaded import LoadedModel
from driftline.models.saving import load_model, save_model

__all__ = ["ProbeReport", "probe_model"]

_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class ProbeReport:
    """What a probe measured in the fresh process (times in milliseconds).

    ``p50_ms``/``p99_ms`` are wall times of single-row predictions; ``p50_cpu_ms``/``p99_cpu_ms``
    the CPU time the process spent on each (all its threads): what a model costs a server,
    which a busy machine does not inflate.
    """

    rows: int
    requests: int
    load_ms: float
    batch_ms: float
    p50_ms: float
    p99_ms: float
    p50_cpu_ms: float
    p99_cpu_ms: float
    same_predictions: bool

    def to_metrics(self) -> dict[str, float]:
        """The report as named numbers."""
        return {k: float(v) for k, v in asdict(self).items()}


def _run(folder: Path, sample: Path, out: Path, requests: int) -> None:
    import pyarrow.parquet as pq

    started = time.perf_counter()
    model = load_model(folder)
    loaded = time.perf_counter()
    table = pq.read_table(sample)
    t0 = time.perf_counter()
    predictions = model.predict(table)
    batch = time.perf_counter() - t0
    times = np.empty(requests)
    cpu = np.empty(requests)
    # A server scores one small request per thread: native thread pools (OpenMP) only add
    # wake-up latency there, and under load a long tail, so they are limited to one thread.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    for i in range(requests):  # one request after another, as a client would send them
        row = table.slice(i % table.num_rows, 1)
        c0 = time.process_time()
        t0 = time.perf_counter()
        model.predict(row)
        times[i] = time.perf_counter() - t0
        cpu[i] = time.process_time() - c0
    np.save(out / "predictions.npy", _plain(predictions), allow_pickle=False)
    timings = {
        "load_ms": (loaded - started) * 1e3,
        "batch_ms": batch * 1e3,
        "p50_ms": float(np.percentile(times, 50) * 1e3) if requests else 0.0,
        "p99_ms": float(np.percentile(times, 99) * 1e3) if requests else 0.0,
        "p50_cpu_ms": float(np.percentile(cpu, 50) * 1e3) if requests else 0.0,
        "p99_cpu_ms": float(np.percentile(cpu, 99) * 1e3) if requests else 0.0,
    }
    (out / "timings.json").write_text(json.dumps(timings))


def _plain(values: Any) -> np.ndarray[Any, Any]:
    """Predictions as an array numpy can save without pickle (objects become text)."""
    array = np.asarray(values)
    return array.astype(str) if array.dtype.kind == "O" else array


def _same(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=1e-9))
    return bool(np.array_equal(a, b))


def probe_model(model: LoadedModel, sample: Any, *, requests: int = 100) -> ProbeReport:
    """Save ``model``, load it in a fresh Python process, score ``sample``, time ``requests``.

    Raises:
        IntegrityError: the fresh process failed (its error output is included).

    """
    import pyarrow.parquet as pq

    with scratch_folder("probe") as root:
        save_model(model.model, root / "model", flavor=model.flavor, signature=model.signature)
        pq.write_table(sample, root / "sample.parquet")
        command = [
            sys.executable,
            "-m",
            "driftline.models.probe",
            str(root / "model"),
            str(root / "sample.parquet"),
            str(root),
            "--requests",
            str(requests),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise IntegrityError(f"the model failed to load or predict in a fresh process: {tail}")
        theirs = np.load(root / "predictions.npy", allow_pickle=False)
        timings = json.loads((root / "timings.json").read_text())
    mine = _plain(model.predict(sample))
    return ProbeReport(
        rows=sample.num_rows,
        requests=requests,
        same_predictions=_same(mine, theirs),
        **timings,
    )


def main(argv: list[str] | None = None) -> None:
    """The entry point of the fresh process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("sample", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)
    _run(args.folder, args.sample, args.out, args.requests)


if __name__ == "__main__":
    main()
