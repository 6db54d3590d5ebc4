"""Trigger kinds: one small class each, with a pure ``decide(observation, state)``.

==============================  ================================================================
kind                            class (module)
==============================  ================================================================
``manual``                      :class:`~.manual.ManualTrigger`: asked for, never fires by itself
``cron``                        :class:`~.cron.CronTrigger`: a schedule came due
``new_data``                    :class:`~.new_data.NewDataTrigger`: new spans (``min_rows``
                                labelled rows)
``metric``                      :class:`~.metric.MetricTrigger`: the champion's live metric
                                crossed a line
``metric`` (estimated)          :class:`~.estimated.EstimatedAccuracyTrigger`: ``metric =
                                "estimated_accuracy"``, the label-free estimate of a live window
``drift`` + ``share``           :class:`~.drift_share.DriftShareTrigger`: the newest span drifted
``drift`` + ``source = "live"`` :class:`~.drift_live.LiveDriftTrigger`: the newest live window
                                drifted
``drift`` + detector            :class:`~.drift_detector.DriftDetectorTrigger`: the error rate
                                changed
``outliers``                    :class:`~.outliers.OutlierTrigger`: the outlier rate of the
                                newest live window
==============================  ================================================================

:func:`read_trigger` builds one from a ``[[trigger]]`` table; :mod:`.checks` holds the
conformance checks every kind passes.

Examples:
    >>> t = read_trigger("p.toml", 0, {"kind": "metric", "below": 0.8})
    >>> type(t).__name__, t.min_labels, sorted(t.observes)
    ('MetricTrigger', 100, ['champion', 'live'])
    >>> read_trigger("p.toml", 1, {"kind": "drift", "share": 0.5, "detector": "ddm"})
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: p.toml: trigger[1] (drift) needs exactly one of share or \
detector

"""

from __future__ import annotations

from typing import Any

from driftline.core.errors import ConfigError
from driftline.policy.reader import TableReader
from driftline.policy.triggers.base import Trigger, TriggerVerdict
from driftline.policy.triggers.cron import CronTrigger
from driftline.policy.triggers.drift_detector import DETECTORS, DriftDetectorTrigger
from driftline.policy.triggers.drift_live import LiveDriftTrigger
from driftline.policy.triggers.drift_share import DriftShareTrigger
from driftline.policy.triggers.estimated import ESTIMATED_ACCURACY, EstimatedAccuracyTrigger
from driftline.policy.triggers.manual import ManualTrigger
from driftline.policy.triggers.metric import MetricTrigger
from driftline.policy.triggers.new_data import NewDataTrigger
from driftline.policy.triggers.outliers import OutlierTrigger

__all__ = [
    "BUILTIN_TRIGGERS",
    "DETECTORS",
    "TRIGGER_KINDS",
    "CronTrigger",
    "DriftDetectorTrigger",
    "DriftShareTrigger",
    "EstimatedAccuracyTrigger",
    "LiveDriftTrigger",
    "ManualTrigger",
    "MetricTrigger",
    "NewDataTrigger",
    "OutlierTrigger",
    "Trigger",
    "TriggerVerdict",
    "read_trigger",
    "trigger_id",
]

BUILTIN_TRIGGERS: tuple[type[Trigger], ...] = (
    ManualTrigger,
    CronTrigger,
    NewDataTrigger,
    MetricTrigger,
    DriftShareTrigger,
    DriftDetectorTrigger,
    LiveDriftTrigger,
    OutlierTrigger,
    EstimatedAccuracyTrigger,
)
"""Every built-in trigger class."""

TRIGGER_KINDS = ("manual", "cron", "new_data", "metric", "drift", "outliers")
"""The kinds of trigger a policy may hold."""


def trigger_id(index: int) -> str:
    """How a trigger is named in records and errors: ``trigger[INDEX]``."""
    return f"trigger[{index}]"


def _class_of(kind: str, table: dict[str, Any]) -> type[Trigger]:
    if kind == "drift":
        if "detector" in table:
            return DriftDetectorTrigger
        return LiveDriftTrigger if table.get("source") == "live" else DriftShareTrigger
    if kind == "metric" and table.get("metric") == ESTIMATED_ACCURACY:
        return EstimatedAccuracyTrigger
    return next(c for c in BUILTIN_TRIGGERS if c.kind == kind)


def read_trigger(where: str, index: int, table: Any) -> Trigger:
    """Build the trigger of one ``[[trigger]]`` table.

    Raises:
        ConfigError: an unknown kind or key, or a bad value (naming the file and the key).

    """
    prefix = trigger_id(index)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix} must be a table, got {table!r}")
    kind = TableReader(where, prefix, {"kind": table.get("kind")}, ("kind",)).choice(
        "kind", TRIGGER_KINDS
    )
    chosen = _class_of(kind, table)
    return chosen.read(TableReader(where, prefix, table, ("kind", *chosen.keys)))
