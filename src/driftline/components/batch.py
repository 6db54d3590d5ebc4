"""The steps of the batch-prediction pipeline: new files → predictions → performance → span.

As in the reference system (FileListGen, BatchPredictionGen, PerformanceEvaluator,
SpanPreparator):

=====================  =======================================================================
step                   what it does
=====================  =======================================================================
:data:`new_files`      (driver) the data files under ``path`` (matching ``pattern``) that no
                       span of ``dataset`` came from yet (by SHA-256)
:data:`batch_predict`  predicts every row of the new files with the serving champion, batch by
                       batch; the predictions table keeps the label where the files have one
:data:`performance`    the champion's metrics on the rows that have a label, and whether they
                       are below ``threshold``
:data:`prepare_span`   (driver) when performance is below the threshold (or ``always``), the new
                       labelled files become the next span of ``dataset``; outputs whether
                       training should follow
=====================  =======================================================================

``batch_pipeline()`` wires them. The controller runs it, and starts the training pipeline on the
last K spans when ``prepare_span`` says so.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import numpy as np

from driftline.components.metrics import check_metric, higher_is_better, infer_task, scores
from driftline.components.models_ref import ChampionRef, champion
from driftline.core.errors import InputError
from driftline.core.hashing import sha256_file
from driftline.data.catalog import DataCatalog
from driftline.data.readers import ReadOptions, find_files, read_batches
from driftline.data.spans import check_dataset
from driftline.pipeline import JsonArtifact, Metrics, Pipeline, StepContext, Table, step

__all__ = ["batch_pipeline", "batch_predict", "new_files", "performance", "prepare_span"]


@step(name="new_files")
def new_files(ctx: StepContext, dataset: str, path: str, pattern: str = "*") -> JsonArtifact:
    """The files under ``path`` matching ``pattern`` that no span of ``dataset`` came from."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"the watched folder {path!r} does not exist")
    catalog = DataCatalog(ctx)
    seen = catalog.ingested_sha256(check_dataset(dataset))
    candidates = sorted(
        p for p in folder.iterdir() if p.is_file() and fnmatch.fnmatch(p.name, pattern)
    )
    found = []
    for file in candidates:  # one hash per file, not per row
        digest, size = sha256_file(file)
        if digest not in seen:
            found.append({"path": str(file), "sha256": digest, "size": size})
    return {"dataset": dataset, "files": found}


@step(name="batch_predict")
def batch_predict(
    new_files: JsonArtifact, champion: ChampionRef, label: str | None = None
) -> Table:
    """Predict every row of the new files with the champion, batch by batch (Parquet out)."""
    import pyarrow as pa

    model = champion.load()
    if model is None:
        raise InputError(f"model {champion.name!r} has no champion to predict with")
    files = [f["path"] for f in new_files["files"]]
    if not files:
        return pa.table({"prediction": pa.array([], pa.int64())})
    columns = list(model.signature.column_names) if model.signature is not None else None
    parts = []
    for batch in read_batches(find_files(files), ReadOptions()):
        table = pa.Table.from_batches([batch])
        features = table.select(columns) if columns is not None else table
        out = {"prediction": np.asarray(model.predict(features))}
        if label is not None and label in table.column_names:
            out["label"] = table.column(label).to_numpy(zero_copy_only=False)
        parts.append(pa.table(out))
    return pa.concat_tables(parts)


@step(name="performance")
def performance(batch_predict: Table, metric: str = "accuracy", threshold: float = 0.8) -> Metrics:
    """The champion's metrics on the labelled rows; ``below`` is 1 when past the threshold."""
    check_metric(metric)
    rows = batch_predict.num_rows
    if rows == 0 or "label" not in batch_predict.column_names:
        return {"rows": float(rows), "labelled": 0.0, "below": 0.0}
    truth = batch_predict.column("label").to_numpy(zero_copy_only=False)
    predicted = batch_predict.column("prediction").to_numpy(zero_copy_only=False)
    found = scores(truth, predicted, infer_task(truth))
    if metric not in found:
        raise InputError(f"metric {metric!r} cannot be computed on batch predictions")
    value = found[metric]
    below = value < threshold if higher_is_better(metric) else value > threshold
    return {**found, "rows": float(rows), "labelled": float(rows), "below": float(below)}


@step(name="prepare_span")
def prepare_span(
    ctx: StepContext,
    new_files: JsonArtifact,
    performance: Metrics,
    label: str | None = None,
    always: bool = False,
) -> JsonArtifact:
    """Ingest the new files as the next span when performance fell (or ``always``)."""
    files = [f["path"] for f in new_files["files"]]
    retrain = bool(files) and (always or performance.get("below", 0.0) > 0)
    outcome: dict[str, Any] = {"retrain": retrain, "files": files, "span": None}
    if retrain:
        span = DataCatalog(ctx).ingest(new_files["dataset"], files, label=label)
        ctx.use(span.artifact_id, "span")
        outcome["span"] = span.number
    return outcome


def batch_pipeline(name: str = "batch-predict") -> Pipeline:
    """``new_files → champion → batch_predict → performance → prepare_span``.

    Examples:
        >>> [s.name for s in batch_pipeline().steps]
        ['new_files', 'champion', 'batch_predict', 'performance', 'prepare_span']

    """
    return Pipeline(name, [new_files, champion, batch_predict, performance, prepare_span])
