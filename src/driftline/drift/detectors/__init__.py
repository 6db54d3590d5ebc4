"""Streaming drift detectors, river-style: ``update(x)``, then read ``drift_detected``.

=============================  ===================================================================
:class:`DriftDetector`         the base class: ``update``, ``update_many``, ``reset``
:class:`ADWIN`                 adaptive windowing: mean change of any numbers
:class:`DDM`                   drift detection method: error rate of 0/1 values, with a warning
:class:`PageHinkley`           Page-Hinkley CUSUM test of the mean
:mod:`~.checks`                the conformance checks every detector passes
=============================  ===================================================================

Examples:
    >>> from driftline.drift.detectors import DDM
    >>> d = DDM()
    >>> d.update_many([0] * 500 + [1] * 20).tolist()
    [500]

"""

from __future__ import annotations

from driftline.drift.detectors.adwin import ADWIN
from driftline.drift.detectors.base import DriftDetector
from driftline.drift.detectors.ddm import DDM
from driftline.drift.detectors.page_hinkley import PageHinkley

__all__ = ["ADWIN", "DDM", "DriftDetector", "PageHinkley"]
