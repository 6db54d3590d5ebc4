"""What a window's profile says, against the version's references: :func:`summarise`.

A :class:`WindowSummary` holds everything of a window's metrics that comes from its profile: the
drift of each input against the training profile (:func:`driftline.drift.compare`, the same
rules and statistics as spans), the drift of the predictions against those the version made on
its evaluation rows, the prediction mix or quantiles, the outlier rate, and what could not be
compared (hashed, excluded or missing inputs, once each).

An update computes the summary of each part it stores, once, and keeps it in the part's
properties (as :meth:`WindowSummary.to_dict`), with the ids of the training profile and the
monitor reference it was measured against; a window made of that one part is then read back
without its bytes. A window of several parts (late rows, a coarser window) is summarised again
from the merge of their profiles.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> from driftline.monitor.window_versions import VersionFacts
    >>> rng = np.random.default_rng(0)
    >>> training = profile_table(pa.table({"x": rng.normal(0, 1, 200)}))
    >>> window = profile_table(pa.table({"x": rng.normal(2, 1, 50), "prediction": [1.0] * 50}))
    >>> facts = VersionFacts("1", 1, training, None, profile_id=7)
    >>> s = summarise(window, facts, hashed=(), excluded=())
    >>> [(d.feature, d.method, d.drifted) for d in s.drift], s.prediction_mix
    ([('x', 'ks', True)], {'1': 1.0})
    >>> WindowSummary.from_dict(s.to_dict()) == s
    True

"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.monitor.logs.segments import PREDICTION
from driftline.monitor.window_outputs import outlier_rate, prediction_summary
from driftline.monitor.window_rows import OUTLIER, OUTLIER_SCORE
from driftline.monitor.window_versions import VersionFacts

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.drift.column import ColumnDrift

__all__ = ["SUMMARY_FORMAT", "FeatureDrift", "WindowSummary", "summarise"]

SUMMARY_FORMAT = 1
"""The layout of a stored summary; another one is summarised again."""

_OUTPUTS = (PREDICTION, OUTLIER_SCORE, OUTLIER)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class FeatureDrift:
    """The drift of one column in one window.

    Attributes:
        feature: the column.
        method: the statistic's method (``ks``, ``wasserstein``, ``jensenshannon``...; empty when
            not compared).
        statistic: its value (``None``: not compared).
        p_value: the p-value of a test method, else ``None``.
        threshold: the threshold it is judged against (``None``: not compared).
        drifted: whether it drifted.
        status: ``compared``, or why not (``hashed``, ``excluded``, ``missing``, ``empty``...).

    """

    feature: str
    method: str
    statistic: float | None
    p_value: float | None
    threshold: float | None
    drifted: bool
    status: str

    @classmethod
    def of(cls, column: ColumnDrift) -> FeatureDrift:
        """The drift of a column of a :class:`~driftline.drift.DriftReport`."""
        return cls(
            feature=column.column,
            method="" if column.method is None else column.method.value,
            statistic=_finite(column.statistic),
            p_value=_finite(column.p_value),
            threshold=_finite(column.threshold),
            drifted=bool(column.drifted),
            status=column.status.value,
        )

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FeatureDrift:
        """The drift :meth:`to_dict` gave."""
        return cls(
            feature=str(doc["feature"]),
            method=str(doc["method"]),
            statistic=doc["statistic"],
            p_value=doc["p_value"],
            threshold=doc["threshold"],
            drifted=bool(doc["drifted"]),
            status=str(doc["status"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "feature": self.feature,
            "method": self.method,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "status": self.status,
        }


@dataclass(frozen=True)
class WindowSummary:
    """The profile-derived metrics of a window (see the module docstring).

    Attributes:
        drift: the drift of each input (empty without a training profile).
        prediction_drift: the drift of the predictions, or ``None`` without a reference.
        prediction_mix: class → share of the predictions, or ``None``.
        prediction_quantiles: quantiles of scores or regression outputs, or ``None``.
        outlier_rate: the share of rows flagged, or ``None`` when none were scored.
        notes: what could not be compared, once each.
        profile_id: the training profile it was measured against.
        reference_id: the monitor reference it was measured against.

    """

    drift: tuple[FeatureDrift, ...]
    prediction_drift: FeatureDrift | None
    prediction_mix: dict[str, float] | None
    prediction_quantiles: dict[str, float] | None
    outlier_rate: float | None
    notes: tuple[str, ...] = ()
    profile_id: int | None = None
    reference_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what a part's properties keep)."""
        return {
            "format": SUMMARY_FORMAT,
            "drift": [d.to_dict() for d in self.drift],
            "prediction_drift": None
            if self.prediction_drift is None
            else self.prediction_drift.to_dict(),
            "prediction_mix": self.prediction_mix,
            "prediction_quantiles": self.prediction_quantiles,
            "outlier_rate": self.outlier_rate,
            "notes": list(self.notes),
            "profile_id": self.profile_id,
            "reference_id": self.reference_id,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> WindowSummary:
        """The summary :meth:`to_dict` gave."""
        pred = doc["prediction_drift"]
        return cls(
            drift=tuple(FeatureDrift.from_dict(d) for d in doc["drift"]),
            prediction_drift=None if pred is None else FeatureDrift.from_dict(pred),
            prediction_mix=doc["prediction_mix"],
            prediction_quantiles=doc["prediction_quantiles"],
            outlier_rate=doc["outlier_rate"],
            notes=tuple(str(n) for n in doc["notes"]),
            profile_id=doc["profile_id"],
            reference_id=doc["reference_id"],
        )

    @classmethod
    def stored(cls, doc: Any, facts: VersionFacts) -> WindowSummary | None:
        """A part's stored summary, if it was measured against ``facts``' references."""
        if not isinstance(doc, Mapping) or doc.get("format") != SUMMARY_FORMAT:
            return None
        try:
            found = cls.from_dict(doc)
        except (KeyError, TypeError, ValueError):
            return None
        same = (found.profile_id, found.reference_id) == (facts.profile_id, facts.reference_id)
        return found if same else None


def _input_drift(
    profile: Profile,
    facts: VersionFacts,
    hashed: Sequence[str],
    excluded: Sequence[str],
    notes: list[str],
) -> tuple[FeatureDrift, ...]:
    if facts.training is None:
        return ()
    from driftline.drift import compare

    reference = facts.reference
    logged = [n for n in profile.names if n not in _OUTPUTS]
    features = list(reference.features) if reference is not None else logged
    out: dict[str, FeatureDrift] = {}
    for name in features:  # columns, not rows
        why = None
        if name in hashed:
            why = "hashed"
            notes.append(
                f"input {name!r} is hashed in the log: its hashes cannot be compared "
                "with the training values, so it is skipped"
            )
        elif name in excluded:
            why = "excluded"
            notes.append(f"input {name!r} is excluded from the log: skipped")
        elif name not in profile:
            why = "missing"
            notes.append(f"input {name!r} was not logged in this window: skipped")
        elif name not in facts.training:
            why = "new"
            notes.append(f"input {name!r} is not in the training profile: skipped")
        if why is not None:
            out[name] = FeatureDrift(name, "", None, None, None, False, why)
    compared = [n for n in features if n not in out]
    if compared:
        report = compare(facts.training, profile, columns=compared)
        out.update((c.column, FeatureDrift.of(c)) for c in report.columns)
    return tuple(out[n] for n in features)


def _prediction_drift(
    profile: Profile, facts: VersionFacts, notes: list[str]
) -> FeatureDrift | None:
    if facts.reference is None or PREDICTION not in profile:
        return None
    from driftline.drift import compare

    reference = facts.reference.predictions
    if PREDICTION not in reference:
        notes.append("the monitor reference holds no prediction profile: no output drift")
        return None
    report = compare(reference, profile, columns=[PREDICTION], detect_index=False)
    return FeatureDrift.of(report[PREDICTION])


def summarise(
    profile: Profile, facts: VersionFacts, *, hashed: Sequence[str], excluded: Sequence[str]
) -> WindowSummary:
    """The profile-derived metrics of a window of ``facts.version`` (see the module docstring).

    Args:
        profile: the window's profile.
        facts: the version's training profile and monitor reference.
        hashed: inputs the log hashed.
        excluded: inputs the log left out.

    """
    notes: list[str] = []
    drift = _input_drift(profile, facts, hashed, excluded, notes)
    prediction = _prediction_drift(profile, facts, notes)
    mix, quantiles = prediction_summary(profile)
    rate = outlier_rate(profile)
    if rate is None and facts.reference is not None and facts.reference.outliers is not None:
        notes.append("the server logged no outlier flags in this window")
    return WindowSummary(
        drift=drift,
        prediction_drift=prediction,
        prediction_mix=mix,
        prediction_quantiles=quantiles,
        outlier_rate=rate,
        notes=tuple(dict.fromkeys(notes)),
        profile_id=facts.profile_id,
        reference_id=facts.reference_id,
    )
