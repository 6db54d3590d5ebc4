"""How two profiles are compared: :class:`DriftOptions`, one typed value for every option.

:meth:`Workspace.drift <driftline.workspace.Workspace.drift>` and ``driftline drift`` take one;
:meth:`DriftOptions.compare` runs :func:`driftline.drift.compare` with it. Each option is checked
by ``compare``, whose errors name the option.

Examples:
    >>> options = DriftOptions(methods={"x": "psi"}, drift_share=0.3)
    >>> options.as_kwargs()["drift_share"], options.as_kwargs()["methods"]
    (0.3, {'x': 'psi'})
    >>> DriftOptions().as_kwargs()
    {'drift_share': 0.5, 'bins': 20}

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.drift.methods import Correction, Method
    from driftline.drift.report import DriftReport

__all__ = ["DriftOptions"]


@dataclass(frozen=True)
class DriftOptions:
    """The options of a comparison (every field has a default).

    Attributes:
        columns: only these columns, in this order. Default ``None``: the reference's columns,
            then those only the current profile has.
        methods: a method per column (``"ks"``, ``"chisquare"``, ``"z"``, ``"wasserstein"``,
            ``"jensenshannon"``, ``"psi"``, ``"hellinger"``). Default: none; each column gets
            the method its kind and size call for.
        thresholds: a threshold per column (a p-value level for tests, a distance otherwise).
            Default: none; each method's own.
        correction: ``"bonferroni"`` or ``"benjamini-hochberg"`` for the p-values. Default
            ``None``: no correction.
        drift_share: the dataset drifts when at least this share of compared columns drifted.
            Default ``0.5``.
        bins: reference-quantile bins of the binned methods on numeric columns (2 to 1000).
            Default ``20``.

    """

    columns: Sequence[str] | None = None
    methods: Mapping[str, str | Method] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    correction: str | Correction | None = None
    drift_share: float = 0.5
    bins: int = 20

    def as_kwargs(self) -> dict[str, Any]:
        """The options :func:`driftline.drift.compare` takes, leaving out those not set."""
        out: dict[str, Any] = {"drift_share": self.drift_share, "bins": self.bins}
        if self.columns is not None:
            out["columns"] = list(self.columns)
        if self.methods:
            out["methods"] = dict(self.methods)
        if self.thresholds:
            out["thresholds"] = dict(self.thresholds)
        if self.correction is not None:
            out["correction"] = self.correction
        return dict(sorted(out.items(), key=lambda kv: _ORDER.index(kv[0])))

    def compare(self, reference: Profile, current: Profile) -> DriftReport:
        """The drift of ``current`` against ``reference`` with these options.

        Raises:
            InputError: an option with a wrong type or value (naming it).

        """
        from driftline.drift.comparison import compare

        return compare(reference, current, **self.as_kwargs())


_ORDER = ("columns", "methods", "thresholds", "correction", "drift_share", "bins")
