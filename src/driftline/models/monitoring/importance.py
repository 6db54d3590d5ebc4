"""Permutation importance: how much worse a model scores when one input column is shuffled.

Computed once at training time on the evaluation rows, and stored with the version, so that
"why did accuracy fall" can weigh how far each input moved by how much the model relies on it.
For a classifier the importance of a column is the drop in accuracy when it is shuffled; for a
regression model, the rise in RMSE. Each column is shuffled ``repeats`` times (seeded), and all
repeats are scored in one batch prediction: no loop over rows.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.linear_model import LogisticRegression
    >>> from driftline.models.loaded import LoadedModel
    >>> from driftline.models.meta import ModelMeta
    >>> from driftline.models.signature import infer_signature
    >>> from driftline.models.sklearn_flavor import SklearnFlavor
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 2))
    >>> y = (x[:, 0] > 0).astype(int)  # only "signal" matters
    >>> table = pa.table({"signal": x[:, 0], "noise": x[:, 1]})
    >>> fitted = LogisticRegression().fit(x, y)
    >>> meta = ModelMeta("sklearn", signature=infer_signature(table, y))
    >>> model = LoadedModel(fitted, SklearnFlavor(), meta)
    >>> scores = permutation_importance(model, table, y, seed=0)
    >>> scores["signal"] > 0.3, abs(scores["noise"]) < 0.05
    (True, True)

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from driftline.core.errors import InputError
from driftline.models.monitoring.agreement import agree

if TYPE_CHECKING:
    import pyarrow as pa

    from driftline.models.loaded import LoadedModel

__all__ = ["is_regression", "permutation_importance"]

_MAX_CLASSES = 200


def is_regression(truth: np.ndarray[Any, Any]) -> bool:
    """Whether labels are a regression target: floating numbers, or integers of many values.

    Examples:
        >>> is_regression(np.array([0.5, 1.5])), is_regression(np.array(["a", "b"]))
        (True, False)

    """
    kind = truth.dtype.kind
    if kind in "OUSb":
        return False
    if kind in "iu":
        return len(np.unique(truth)) > _MAX_CLASSES
    return True


def _score(truth: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any], regression: bool) -> Any:
    """Accuracy (higher is better) or minus RMSE, per block of ``len(truth)`` rows."""
    blocks = np.asarray(predicted).reshape(-1, len(truth))
    if regression:
        errors = blocks.astype(np.float64) - truth.astype(np.float64)[None, :]
        return -np.sqrt(np.mean(errors**2, axis=1))
    tiled = np.tile(truth, blocks.shape[0])
    return agree(tiled, blocks.reshape(-1)).reshape(blocks.shape).mean(axis=1)


def permutation_importance(
    model: LoadedModel,
    features: pa.Table,
    truth: np.ndarray[Any, Any],
    *,
    repeats: int = 3,
    seed: int = 0,
    max_rows: int | None = 5000,
) -> dict[str, float]:
    """The importance of each input column of ``model`` on these rows (see the module docstring).

    Args:
        model: the loaded model; only the columns of its signature are shuffled (all columns
            when it has none).
        features: the evaluation rows' inputs.
        truth: their labels.
        repeats: shuffles per column; the importance is the mean.
        seed: seeds the shuffles (and the sample of ``max_rows`` rows).
        max_rows: at most this many rows are used (a seeded sample); ``None`` for all.

    Raises:
        InputError: no rows, labels and rows of different lengths, ``repeats`` below 1.

    """
    import pyarrow as pa

    if repeats < 1:
        raise InputError(f"repeats must be at least 1, got {repeats}")
    y = np.asarray(truth).reshape(-1)
    if features.num_rows == 0:
        raise InputError("no evaluation rows to compute a permutation importance on")
    if len(y) != features.num_rows:
        raise InputError(f"{len(y)} labels but {features.num_rows} rows")
    rng = np.random.default_rng(seed)
    if max_rows is not None and features.num_rows > max_rows:
        keep = np.sort(rng.choice(features.num_rows, size=max_rows, replace=False))
        features, y = features.take(pa.array(keep)), y[keep]
    if model.signature is not None:
        names = [c for c in model.signature.column_names if c in features.column_names]
        features = features.select(names)
    regression = is_regression(y)
    base = float(_score(y, model.predict(features), regression)[0])
    n = features.num_rows
    out: dict[str, float] = {}
    for i, name in enumerate(features.column_names):
        column = features.column(i)
        shuffled = [
            features.set_column(i, name, column.take(pa.array(rng.permutation(n))))
            for _ in range(repeats)
        ]
        scores = _score(y, model.predict(pa.concat_tables(shuffled)), regression)
        out[name] = base - float(np.mean(scores))
    return out
