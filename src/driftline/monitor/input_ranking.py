"""Which inputs moved, weighted by how much the model relies on them: :func:`rank_inputs`.

Each input is compared between the version's training profile and one window's profile with the
same distance for every kind of column, the Jensen-Shannon distance (numeric inputs binned at
the training quantiles; 0: the same, sqrt(ln 2) ~ 0.83: nothing in common), so that inputs of
different kinds rank on one scale. The score is ``distance * max(importance, 0)``, the
importance being the version's permutation importance on its evaluation rows; without one, the
distance alone.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> rng = np.random.default_rng(0)
    >>> train = profile_table(pa.table({"a": rng.normal(0, 1, 5000), "b": rng.normal(0, 1, 5000)}))
    >>> now = profile_table(pa.table({"a": rng.normal(2, 1, 500), "b": rng.normal(2, 1, 500)}))
    >>> ranked, notes = score_inputs(train, now, ["a", "b"], {"a": 0.01, "b": 0.3}, {"a", "b"})
    >>> [c.feature for c in ranked], notes
    (['b', 'a'], [])

"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.data.kinds import ColumnKind

if TYPE_CHECKING:
    from driftline.data.profile import Profile

__all__ = ["InputChange", "score_inputs"]

_COMPARABLE = (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


@dataclass(frozen=True)
class InputChange:
    """How far one input moved in the window where accuracy fell, and how much that matters.

    Attributes:
        feature: the input's name.
        statistic: the Jensen-Shannon distance between its training profile and the window
            (0: the same, about 0.83: nothing in common), or ``None`` when it could not be
            compared.
        importance: its permutation importance on the evaluation rows (1.0 when unknown).
        score: ``statistic * max(importance, 0)``: what the ranking sorts by.
        drifted: whether the monitor flagged it in that window.

    Examples:
        >>> InputChange("x0", 0.4, 0.2, 0.08, True).to_dict()["score"]
        0.08

    """

    feature: str
    statistic: float | None
    importance: float
    score: float
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "feature": self.feature,
            "statistic": self.statistic,
            "importance": self.importance,
            "score": self.score,
            "drifted": self.drifted,
        }


def _distances(
    training: Profile, current: Profile, features: Sequence[str]
) -> tuple[dict[str, float], list[str]]:
    """The Jensen-Shannon distance of each comparable input, and the inputs left out."""
    from driftline.drift import compare

    names = set(training.names) & set(current.names)
    usable = [
        f
        for f in features
        if f in names
        and training[f].kind in _COMPARABLE
        and current[f].kind is training[f].kind
        and training[f].count > 0
        and current[f].count > 0
    ]
    left_out = [f for f in features if f not in usable]
    if not usable:
        return {}, left_out
    report = compare(
        training,
        current,
        columns=usable,
        methods=dict.fromkeys(usable, "jensenshannon"),
        detect_index=False,
    )
    found = {c.column: c.statistic for c in report.columns if c.statistic is not None}
    return {k: float(v) for k, v in found.items()}, left_out + [f for f in usable if f not in found]


def score_inputs(
    training: Profile,
    current: Profile,
    features: Sequence[str],
    importance: Mapping[str, float] | None,
    drifted: Collection[str],
) -> tuple[list[InputChange], list[str]]:
    """Rank ``features`` by how far they moved from ``training`` to ``current``, weighted.

    Args:
        training: the version's training profile.
        current: the window's profile (inputs under their own names).
        features: the inputs to rank.
        importance: permutation importance per input; ``None`` or empty: unweighted.
        drifted: the inputs the monitor flagged in the window.

    Returns:
        Every input, the highest score first (ties: the larger distance, then the name), and
        notes on what was left out or unweighted.

    """
    notes: list[str] = []
    distances, left_out = _distances(training, current, features)
    if left_out:
        notes.append(
            f"not compared (absent, hashed or excluded when logged, empty, or of a kind with no "
            f"distance): {', '.join(left_out)}"
        )
    weights = dict(importance or {})
    if not weights or all(v <= 0 for v in weights.values()):
        notes.append("no permutation importance for this version: inputs ranked unweighted")
        weights = {}
    changes = []
    for feature in features:  # inputs, not rows
        statistic = distances.get(feature)
        weight = float(weights.get(feature, 0.0)) if weights else 1.0
        score = 0.0 if statistic is None else statistic * max(weight, 0.0)
        changes.append(InputChange(feature, statistic, weight, score, feature in drifted))
    changes.sort(key=lambda c: (-c.score, -(c.statistic or 0.0), c.feature))
    return changes, notes
