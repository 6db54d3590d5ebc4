"""The names of drift methods, column statuses and multiple-testing corrections.

=====================  ==============  ==========  =================================================
method                 kinds           threshold   drift when
=====================  ==============  ==========  =================================================
``ks``                 numeric         0.05        p-value ``<`` threshold (Kolmogorov-Smirnov)
``chisquare``          any             0.05        p-value ``<`` threshold (chi-squared homogeneity)
``z``                  binary          0.05        p-value ``<`` threshold (two-proportion Z-test)
``wasserstein``        numeric         0.1         Wasserstein-1 / reference std ``>=`` threshold
``jensenshannon``      any             0.1         Jensen-Shannon distance ``>=`` threshold
``psi``                any             0.1         population stability index ``>=`` threshold
``hellinger``          any             0.1         Hellinger distance ``>=`` threshold
=====================  ==============  ==========  =================================================

The names and default thresholds are Evidently's (``evidently.legacy.calculations.stattests``), so a
configuration carries over. Numeric columns are binned on the reference's quantiles for the binned
methods; categorical columns use their categories.

Examples:
    >>> Method("wasserstein").default_threshold, Method.KS.uses_p_value
    (0.1, True)
    >>> Method.parse("ks", option="methods['x']")
    <Method.KS: 'ks'>

"""

from __future__ import annotations

import enum

from driftline.core.errors import InputError

__all__ = ["ColumnStatus", "Correction", "Method"]


class Method(enum.Enum):
    """A per-column drift statistic (see the table in the module docstring).

    Examples:
        >>> Method.JENSENSHANNON.uses_p_value, Method.WASSERSTEIN.needs_quantiles
        (False, True)

    """

    KS = "ks"
    CHISQUARE = "chisquare"
    Z = "z"
    WASSERSTEIN = "wasserstein"
    JENSENSHANNON = "jensenshannon"
    PSI = "psi"
    HELLINGER = "hellinger"

    @property
    def uses_p_value(self) -> bool:
        """Whether the method is a test (drift when ``p < threshold``), not a distance."""
        return self in (Method.KS, Method.CHISQUARE, Method.Z)

    @property
    def needs_quantiles(self) -> bool:
        """Whether the method needs a quantile sketch (numeric, datetime or text lengths)."""
        return self in (Method.KS, Method.WASSERSTEIN)

    @property
    def default_threshold(self) -> float:
        """0.05 for the tests, 0.1 for the distances (Evidently's defaults)."""
        return 0.05 if self.uses_p_value else 0.1

    @classmethod
    def parse(cls, value: object, *, option: str) -> Method:
        """A :class:`Method` from itself or its name; the error names ``option``.

        Raises:
            InputError: an unknown name, listing the known ones.

        """
        if isinstance(value, Method):
            return value
        if isinstance(value, str):
            try:
                return cls(value.lower())
            except ValueError:
                pass
        known = ", ".join(repr(m.value) for m in cls)
        raise InputError(f"{option} must be one of {known}, got {value!r}")


class Correction(enum.Enum):
    """A multiple-testing correction of the p-values of one comparison.

    Examples:
        >>> Correction("benjamini-hochberg")
        <Correction.BENJAMINI_HOCHBERG: 'benjamini-hochberg'>

    """

    BONFERRONI = "bonferroni"
    """``p · m`` (capped at 1) for ``m`` tests: controls the family-wise error rate."""
    BENJAMINI_HOCHBERG = "benjamini-hochberg"
    """Step-up adjusted p-values: controls the false discovery rate."""


class ColumnStatus(enum.Enum):
    """What happened to one column in a comparison.

    Examples:
        >>> ColumnStatus.MISSING.value
        'missing'

    """

    COMPARED = "compared"
    """Both profiles have values; a statistic was computed."""
    MISSING = "missing"
    """In the reference profile only."""
    NEW = "new"
    """In the current profile only."""
    KIND_MISMATCH = "kind_mismatch"
    """Different kinds in the two profiles (e.g. numeric, then categorical)."""
    EMPTY = "empty"
    """No present value in one of the profiles (all null or NaN)."""
    SKIPPED = "skipped"
    """Not compared by default (datetime and text columns); name it in ``columns=``."""
    EXCLUDED = "excluded"
    """An index (a time, an id): it grows with the stream, so it drifts by construction. The
    statistic is reported but the column never counts in the drift share."""
