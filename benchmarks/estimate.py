"""Benchmark: the label-free accuracy estimate (CBPE) on Elec2, replayed with late labels.

Run: ``python benchmarks/estimate.py [--data PATH] [--train-rows N] [--window ROWS]
[--label-delay ROWS] [--fail-at GAP]`` (``--data`` defaults to ``../shared/data/elec2.csv.gz``
relative to the repository; the file is read in place).

1. The first ``--train-rows`` rows (default 10,000) become span 1 of a fresh workspace, and the
   standard pipeline trains on it as it does in production (HistGradientBoosting; the ``date``
   column, a counter of days, is left out with ``train.exclude``): its ``monitor_reference`` step
   fits the calibration of the model's probabilities on the span's evaluation rows, and ``push``
   registers it with the version. Both are read back from the registry.
2. The rest of the stream is replayed in windows of ``--window`` rows (default 1,000). For each
   window the estimate (the mean calibrated confidence of the model on its rows) is available at
   once; its realised accuracy once its labels have arrived, ``--label-delay`` rows (default
   1,000) after each row. With a delay of one window, at the end of window ``w`` the newest
   window whose labels are all in is ``w - 1``.
3. Printed: per window, the estimate, the realised accuracy, their gap, the baseline a user has
   without the estimate (the newest realised accuracy: window ``w - 1``'s, taken as window
   ``w``'s), the *shift* (``driftline.drift.compare``'s statistic for the model's most important
   input, by the reference's permutation importance, window against training profile) and the
   share of rows the version's outlier detector flags; the mean, median and largest absolute
   error of the estimate and of the baseline, and their ratio; how the gap follows the shift; and
   the windows where the estimate fails (gap over ``--fail-at``, default 0.10), saying which way
   and whether the inputs had moved further than where the estimate holds (the rows left the
   region the calibration knows) or not (``P(y | x)`` changed: concept drift, which no
   label-free estimate from the inputs can see). The estimate's cost per window (median), the
   machine's cores and its load are printed too.

The windows are computed here from the replayed rows (the model and its reference are the
registry's); the monitor's live windows read the same model and reference from prediction logs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "elec2.csv.gz"


def _train(ws: Any, table: Any, train_rows: int) -> tuple[Any, Any, Any]:
    """Train with the standard pipeline; return the model, its reference, the training profile."""
    from driftline.components import standard_pipeline
    from driftline.data.profile import Profile
    from driftline.pipeline import run_pipeline
    from driftline.registry import ModelRegistry

    ws.ingest("elec2", table.slice(0, train_rows), label="label")
    params = {
        "dataset": "elec2",
        "model_name": "elec2",
        "requests": 20,
        "train.exclude": ["date"],
    }
    result = run_pipeline(ws, standard_pipeline(), params=params, progress=False)
    if result.status.value != "COMPLETE":
        raise SystemExit(f"the standard pipeline did not complete: {result.status}")
    registry = ModelRegistry(ws)
    version = registry.version("elec2", 1)
    reference = registry.monitor_reference("elec2", 1)
    if reference is None or reference.calibration is None:
        raise SystemExit(f"no calibration was registered: {reference and reference.notes}")
    stored = ws.metadata.get_artifact(version.profile_id)
    training = Profile.from_bytes(ws.artifacts.read_bytes(stored.uri, stored.sha256))
    return registry.load(version), reference, training


def _windows(
    table: Any, start: int, size: int, model: Any, reference: Any, training: Any
) -> list[dict[str, Any]]:
    import numpy as np

    from driftline.data.profiling import profile_table
    from driftline.drift import compare
    from driftline.models.monitoring.agreement import agree
    from driftline.models.monitoring.calibration import estimated_accuracy

    calibration = reference.calibration
    features = list(reference.features)
    top = max(features, key=lambda c: reference.importance.get(c, 0.0))
    out = []
    for at in range(start, table.num_rows, size):
        rows = table.slice(at, size)
        inputs = rows.select(features)
        t0 = time.perf_counter()
        estimate = estimated_accuracy(calibration.confidence(model.predict_proba(inputs)))
        seconds = time.perf_counter() - t0
        truth = rows.column("label").to_numpy()
        realised = float(agree(truth, model.predict(inputs)).mean())
        report = compare(training, profile_table(inputs), columns=features)
        drift = next(c for c in report.columns if c.column == top)
        shift = drift.statistic or 0.0
        detector = reference.outliers
        outliers = None if detector is None else float(detector.flag(detector.score(inputs)).mean())
        out.append(
            {
                "first": at,
                "rows": rows.num_rows,
                "estimate": estimate,
                "realised": realised,
                "drift_share": report.share_drifted,
                "shift": shift,
                "top": f"{top} ({drift.method.value if drift.method else '?'})",
                "outliers": outliers,
                "seconds": seconds,
                "up": float(np.mean(truth == 1)),
            }
        )
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _why(w: dict[str, Any], typical: float) -> str:
    if w["estimate"] < w["realised"]:
        return "too low"
    return "too high, inputs moved" if w["shift"] > 2 * typical else "too high, concept"


def _report(windows: list[dict[str, Any]], eval_accuracy: float, top: str, args: Any) -> None:
    import numpy as np

    delay = max(1, -(-args.label_delay // args.window))  # windows until a window's labels are in
    print(
        f"{'window':>6} {'rows':>13} {'estimate':>9} {'realised':>9} {'gap':>7} "
        f"{'baseline':>9} {'shift':>6} {'outliers':>9} {'labels at':>10}"
    )
    gaps, base_gaps = [], []
    for i, w in enumerate(windows):
        known = windows[i - delay]["realised"] if i >= delay else eval_accuracy
        gap = w["estimate"] - w["realised"]
        gaps.append(abs(gap))
        base_gaps.append(abs(known - w["realised"]))
        span = f"{w['first']}-{w['first'] + w['rows'] - 1}"
        labels_at = w["first"] + w["rows"] - 1 + args.label_delay
        print(
            f"{i:>6} {span:>13} {w['estimate']:>9.3f} {w['realised']:>9.3f} {gap:>+7.3f} "
            f"{known:>9.3f} {w['shift']:>6.2f} {_pct(w['outliers']):>9} {labels_at:>10}"
        )
    print(
        f"(baseline: the newest realised accuracy a user has, labels {args.label_delay} rows "
        f"late; shift: the drift statistic of the most important input, {top}, against the "
        "training profile; outliers: rows the version's detector flags)"
    )
    mae, base = statistics.mean(gaps), statistics.mean(base_gaps)
    print()
    print(f"{'absolute error per window':<44} {'mean':>7} {'median':>7} {'max':>7}")
    for name, values in (("CBPE estimate (no labels needed)", gaps), ("baseline", base_gaps)):
        print(
            f"{name:<44} {statistics.mean(values):>7.3f} {statistics.median(values):>7.3f} "
            f"{max(values):>7.3f}"
        )
    print(f"ratio CBPE / baseline (mean absolute error): {mae / base:.2f}")
    shifts = np.array([w["shift"] for w in windows])
    signed = np.array([w["estimate"] - w["realised"] for w in windows])
    r = float(np.corrcoef(shifts, signed)[0, 1])
    print(f"correlation of the gap with the shift of {top}: r = {r:.2f}")
    holding = [w["shift"] for w, g in zip(windows, gaps, strict=True) if g <= args.fail_at]
    typical = statistics.median(holding) if holding else float(np.median(shifts))
    failing = [
        (i, w) for i, w in enumerate(windows) if abs(w["estimate"] - w["realised"]) > args.fail_at
    ]
    print()
    print(
        f"where the estimate fails (|gap| > {args.fail_at:g}): {len(failing)} of {len(windows)} "
        f"windows (the shift of {top} where it holds: median {typical:.2f})"
    )
    for i, w in failing:
        print(
            f"  window {i:>2}: estimate {w['estimate']:.3f}, realised {w['realised']:.3f}, "
            f"shift {w['shift']:.2f} ({w['shift'] / typical:.1f}x): {_why(w, typical)}"
        )
    kinds = [_why(w, typical) for _, w in failing]
    print(
        f"  too high, inputs moved ({kinds.count('too high, inputs moved')}): the top input moved "
        "over 2x as far as where the estimate holds; the rows left the region the calibration "
        "was fitted on, and P(y | x) there is not what the model extrapolates"
    )
    print(
        f"  too high, concept ({kinds.count('too high, concept')}): the inputs moved no further "
        "than that; P(y | x) changed (concept drift), which no estimate from the inputs can see"
    )
    print(f"  too low ({kinds.count('too low')}): the model was right more often than it was sure")
    cost = statistics.median(w["seconds"] for w in windows) * 1000
    print()
    print(f"estimate cost per {args.window}-row window (median): {cost:.1f} ms")


def _through_the_monitor(
    ws: Any, table: Any, start: int, size: int, model: Any, features: list[str]
) -> list[Any]:
    """Log each window's rows (an hour apart, labels too) and read the monitor's windows back."""
    from datetime import UTC, datetime, timedelta

    from driftline.monitor.batch_log import log_batch
    from driftline.monitor.window_metrics import window_metrics

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for n, at in enumerate(range(start, table.num_rows, size)):
        rows = table.slice(at, size)
        inputs = rows.select(features)
        when = t0 + timedelta(hours=n, minutes=30)
        labels = rows.column("label")
        log_batch(ws, "elec2", 1, inputs, model.predict(inputs), at=when, labels=labels)
    return window_metrics(ws, "elec2")


def _agreement(windows: list[dict[str, Any]], metrics: list[Any]) -> None:
    """Print how far the monitor's windows are from the windows computed here."""
    if len(metrics) != len(windows):
        print(f"the monitor has {len(metrics)} windows, not {len(windows)}")
        return
    pairs = [
        (w["estimate"], m.estimated_accuracy, w["realised"], m.realised_accuracy)
        for w, m in zip(windows, metrics, strict=True)
    ]
    missing = [i for i, p in enumerate(pairs) if p[1] is None or p[3] is None]
    if missing:
        notes = sorted({n for m in metrics for n in m.notes})
        print(f"the monitor has no estimate or realised accuracy in windows {missing}: {notes}")
        return
    estimated = max(abs(a - b) for a, b, _, _ in pairs)
    realised = max(abs(c - d) for _, _, c, d in pairs)
    print(
        f"the monitor's hourly windows (log_batch, then window_metrics) agree: largest "
        f"difference {estimated:.2g} in the estimate, {realised:.2g} in the realised accuracy"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="elec2.csv.gz")
    parser.add_argument("--train-rows", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=1000)
    parser.add_argument("--label-delay", type=int, default=1000)
    parser.add_argument("--fail-at", type=float, default=0.10)
    parser.add_argument(
        "--direct-only", action="store_true", help="skip the replay through the monitor's log"
    )
    args = parser.parse_args()

    from pyarrow import csv

    from driftline.workspace import Workspace

    table = csv.read_csv(args.data)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder, Workspace.init(Path(folder) / "ws") as ws:
        model, reference, training = _train(ws, table, args.train_rows)
        windows = _windows(table, args.train_rows, args.window, model, reference, training)
        metrics = []
        if not args.direct_only:
            features = list(reference.features)
            metrics = _through_the_monitor(ws, table, args.train_rows, args.window, model, features)
    calibration = reference.calibration
    print(
        f"CBPE on {args.data.name}: {table.num_rows} rows; trained on the first "
        f"{args.train_rows} (standard pipeline), calibrated on {calibration.rows} evaluation "
        f"rows (accuracy {calibration.accuracy:.3f}); {len(windows)} windows of "
        f"{args.window} rows; labels {args.label_delay} rows late"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} at the start"
    )
    print()
    _report(windows, calibration.accuracy, windows[0]["top"], args)
    if not args.direct_only:
        _agreement(windows, metrics)


if __name__ == "__main__":
    main()
