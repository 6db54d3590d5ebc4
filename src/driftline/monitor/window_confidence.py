"""The label-free accuracy estimate of a group of logged rows: :func:`confidence_sum`.

For a version whose monitor reference holds a calibration (a classifier with probabilities,
see :mod:`driftline.models.monitoring.calibration`), the rows of a window are scored again with
the version's model, in one batch, and the calibrated confidences summed: their mean over a
window is the accuracy to expect there (CBPE). Stored sums add up across the parts of a window.

A group of more than :data:`SCORED_ROWS` rows is estimated from a seeded uniform sample of that
many of them (the sum is the sample's mean times the group's rows): the mean of 20,000
confidences is within about 0.007 of the whole group's (two standard errors of a share), so
scoring costs what a window costs, not what its rows do.

Nothing here raises for a part that is missing: the answer is ``None`` with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftline.core.errors import DriftlineError
from driftline.monitor.window_versions import VersionLookup

__all__ = ["SCORED_ROWS", "confidence_sum"]

SCORED_ROWS = 20_000
"""The most rows of a group scored again (a seeded sample beyond it)."""


def confidence_sum(
    lookup: VersionLookup, version: str, rows: Any, hashed: frozenset[str], *, seed: int = 0
) -> tuple[float | None, str | None]:
    """The sum of the calibrated confidences of ``rows`` (``None`` and why, when there is none).

    Args:
        lookup: finds the version's reference and model.
        version: the version that answered the rows.
        rows: a window's rows as profiled (inputs under their own names).
        hashed: the inputs the log hashed (the model cannot be given them).
        seed: seeds the sample of a group of more than :data:`SCORED_ROWS` rows.

    """
    reference = lookup.facts(version).reference
    if reference is None:
        why = "; ".join(lookup.facts(version).notes) or "none was registered"
        return None, f"version {version} has no monitor reference ({why}): no estimated accuracy"
    calibration = reference.calibration
    if calibration is None:
        return None, (
            f"version {version} gives no probabilities (no calibration in its monitor "
            "reference): no estimated accuracy"
        )
    features = list(reference.features)
    unusable = sorted(set(features) & hashed)
    if unusable:
        return None, (
            f"the log hashes the input(s) {', '.join(unusable)} of version {version}: its rows "
            "cannot be scored again, so no estimated accuracy"
        )
    missing = [f for f in features if f not in rows.column_names]
    if missing:
        return None, (
            f"the log lacks the input(s) {', '.join(missing)} of version {version} (excluded "
            "or never sent): no estimated accuracy"
        )
    model = lookup.loaded(version)
    if model is None:
        return None, f"the model of version {version} cannot be loaded: no estimated accuracy"
    chosen, total = rows.select(features), rows.num_rows
    if total > SCORED_ROWS:
        import pyarrow as pa

        keep = np.random.default_rng(seed).choice(total, size=SCORED_ROWS, replace=False)
        chosen = chosen.take(pa.array(np.sort(keep)))
    try:
        probabilities = model.predict_proba(_as_signature(model, chosen))
        confidence = calibration.confidence(np.asarray(probabilities))
    except (DriftlineError, ValueError, TypeError, AttributeError, NotImplementedError) as exc:
        return None, f"the rows of version {version} could not be scored again: {exc}"
    return float(np.mean(confidence)) * total, None


def _as_signature(model: Any, table: Any) -> Any:
    """``table`` with each column in the type the model's signature expects.

    Windows keep numbers as float64; the model may take integers.
    """
    import pyarrow as pa

    signature = model.signature
    if signature is None:
        return table
    for column in signature.inputs:  # columns, not rows
        if column.name not in table.column_names:
            continue
        wanted = pa.type_for_alias(column.dtype)
        at = table.column_names.index(column.name)
        if table.schema.field(at).type != wanted:
            table = table.set_column(at, column.name, table[column.name].cast(wanted, safe=False))
    return table
