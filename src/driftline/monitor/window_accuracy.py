"""Realised accuracy per live window, from the labels recorded so far: :func:`realised_accuracy`.

Labels often come late: a window's realised accuracy counts every label recorded for its rows up
to now (:func:`driftline.monitor.predictions.joined`), so it grows as labels arrive. Only a model
with feedback is read at all; its predictions are read once for the whole time range asked for,
and scored per ``(version, window start)`` with numpy (no loop over rows).

Examples:
    >>> import tempfile
    >>> from datetime import timedelta
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     found = realised_accuracy(ws, "churn", None, None, None, timedelta(hours=1))
    >>> found
    {}

"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from driftline.core.errors import InputError
from driftline.monitor.logs.segments import (
    FEEDBACK_KIND,
    LABEL,
    PREDICTION,
    TIME,
    VERSION,
    log_context,
)
from driftline.monitor.window_rows import window_starts
from driftline.store.queries import ArtifactQuery
from driftline.store.stores import HasStores, Stores

__all__ = ["realised_accuracy"]


def realised_accuracy(
    stores: HasStores,
    model: str,
    version: str | None,
    since: datetime | None,
    until: datetime | None,
    window: timedelta,
) -> dict[tuple[str, int], tuple[int, float]]:
    """Labelled rows and accuracy per ``(version, window start in microseconds)``.

    Windows without a label are left out; so is everything for a model without feedback, or
    whose predictions are not one value per row (probabilities).
    """
    from driftline.components.metrics import matches
    from driftline.monitor.predictions import joined

    s = Stores.of(stores)
    query = ArtifactQuery(kind=FEEDBACK_KIND, context=log_context(model), limit=1)
    if not s.metadata.artifacts(query):
        return {}
    table = joined(s.metadata, s.artifacts, model, since=since, until=until, version=version)
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.num_rows == 0 or pa.types.is_nested(table.schema.field(PREDICTION).type):
        return {}
    table = table.filter(pc.is_valid(table[LABEL]))
    if table.num_rows == 0:
        return {}
    try:
        right = matches(
            table[LABEL].to_numpy(zero_copy_only=False),
            table[PREDICTION].to_numpy(zero_copy_only=False),
        )
    except InputError:
        return {}
    starts = window_starts(table[TIME], window)
    encoded = pc.dictionary_encode(table[VERSION].combine_chunks())
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = encoded.dictionary.to_pylist()
    keys, inverse = np.unique(np.stack([codes, starts]), axis=1, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    labelled = np.bincount(inverse, minlength=keys.shape[1])
    correct = np.bincount(inverse, weights=right.astype(np.float64), minlength=keys.shape[1])
    return {
        (str(names[c]), int(st)): (int(n), float(k / n))
        for (c, st), n, k in zip(keys.T.tolist(), labelled.tolist(), correct.tolist(), strict=True)
    }  # windows, not rows
