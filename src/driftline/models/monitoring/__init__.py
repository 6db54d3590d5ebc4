"""Monitoring fits made at training time: pure fitting and scoring, importable from any layer above.

Importing this package is cheap (nothing heavy): import the modules themselves.

=====================================  ============================================================
:mod:`~.outliers`                      :func:`fit_outlier_detector`, :class:`OutlierDetector`
:mod:`~.calibration`                   :func:`fit_calibration`, :class:`Calibration` (CBPE)
:mod:`~.importance`                    :func:`permutation_importance`
:mod:`~.reference`                     :class:`MonitorReference`: all of it for one version
=====================================  ============================================================
"""
