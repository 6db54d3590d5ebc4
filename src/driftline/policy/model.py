"""The policy: what to train, when to retrain, what may replace the champion, how to roll out.

It is read from TOML (the project's ``driftline.toml``, found by
:mod:`driftline.policy.location`, or the file ``--policy`` names)::

    [model]
    name = "elec2"                 # the registered model
    dataset = "elec2"
    label = "label"
    trainer = "sklearn:HistGradientBoostingClassifier"   # or "pipelines/train.py:fit"
    metric = "accuracy"

    [window]
    spans = 5                      # train on the last K spans

    [[trigger]]
    kind = "drift"                 # "manual", "cron", "new_data", "metric", "drift"
    share = 0.5

    [gate]
    metric = "accuracy"
    tolerance = 0.0
    first_model_min = 0.6
    slices = ["day"]

    [rollout]
    plan = "canary"                # "canary", "blue-green", "shadow", "none"
    steps = [5, 25, 100]
    hold_requests = 500            # or hold_minutes: each step is checked after this much
    max_failed_checks = 1
    tolerance = 0.0                # live accuracy may be this much lower (default: the gate's)
    error_margin = 0.01            # the error rate may be this much higher
    min_labels = 50                # labels each version needs before accuracies are compared

    [cooldown]
    minutes = 60

    [backtest]                     # optional: how `driftline backtest` replays data
    span_rows = 1000               # rows per span
    seed = 0
    eval_fraction = 0.2            # held out of every span; the gate scores the newest span's
    minutes_per_row = 1.0          # the replay clock for cron and cooldown (or time_column)
    label_lags = []                # extra inputs: the k-th latest label already arrived
    exclude = []                   # columns that are not inputs

``[rollout]`` reads into :class:`~driftline.rollout.settings.RolloutSettings`, the type the
controller records with a retrain and the rollout engine runs (in seconds: ``hold_minutes`` is
the file's only unit of minutes).

Every key is checked; an error names the file, the key and the allowed values. The model and
dataset names must be safe names and a cron schedule must be able to fire. What the keys name
outside the file (columns, the trainer and its parameters) is checked by
:mod:`driftline.policy.preflight` before anything runs. Trigger kinds and
their keys: ``manual`` (none), ``cron`` (``schedule``), ``new_data`` (``path`` and/or
``min_rows``, ``pattern``), ``metric`` (``metric``, ``below`` or ``above``, ``min_labels``;
``metric = "estimated_accuracy"`` takes ``min_rows`` instead), ``drift`` (``share``, with
``source = "spans"`` or ``"live"`` and ``min_rows``, or ``detector`` =
``adwin``/``ddm``/``page_hinkley`` on the error rate), ``outliers`` (``rate_above``,
``min_rows``); each kind is a class of :mod:`driftline.policy.triggers` that reads its own
keys. Metrics are those of
:mod:`driftline.components.metrics` (a ``metric`` trigger: those computed without probabilities).

Examples:
    >>> policy = Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                            "trigger": [{"kind": "cron", "schedule": "0 3 * * *"}]})
    >>> policy.window.spans, policy.triggers[0].kind, policy.rollout.plan.value
    (5, 'cron', 'canary')
    >>> Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                   "trigger": [{"kind": "sometimes"}]})
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: the policy: trigger[0].kind must be one of 'manual', \
'cron', 'new_data', 'metric', 'drift', 'outliers', got 'sometimes'

"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.components.gate import GateRule
from driftline.components.metrics import METRICS
from driftline.core.errors import ConfigError, InputError
from driftline.data.spans import check_dataset
from driftline.policy.reader import TableReader
from driftline.policy.triggers import TRIGGER_KINDS, Trigger, read_trigger
from driftline.registry.versions import check_model_name
from driftline.rollout.settings import Plan, RolloutSettings

__all__ = [
    "BacktestSettings",
    "Cooldown",
    "Gate",
    "ModelPolicy",
    "Policy",
    "RolloutPlan",
    "RolloutSettings",
    "Trigger",
    "TRIGGER_KINDS",
    "load_policy",
]

_PLANS = tuple(p.value for p in Plan)
_ROLLOUT_KEYS = (
    "plan",
    "steps",
    "hold_requests",
    "hold_minutes",
    "max_failed_checks",
    "tolerance",
    "error_margin",
    "min_labels",
)
_METRICS = tuple(METRICS)


@dataclass(frozen=True)
class ModelPolicy:
    """``[model]``: what is trained, on which dataset, judged by which metric."""

    name: str
    dataset: str
    label: str
    trainer: str = "sklearn:HistGradientBoostingClassifier"
    metric: str = "accuracy"
    trainer_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Gate:
    """``[gate]``: when a challenger may replace the champion."""

    metric: str = "accuracy"
    tolerance: float = 0.0
    first_model_min: float | None = None
    slices: tuple[str, ...] = ()

    def rule(self) -> GateRule:
        """The gate as the ``evaluate`` step and the backtest apply it."""
        return GateRule(self.metric, self.tolerance, self.first_model_min)


RolloutPlan = RolloutSettings
"""The type of ``[rollout]``, by its former name: :class:`RolloutSettings`."""


@dataclass(frozen=True)
class Cooldown:
    """``[cooldown]``: the least time between two retrains."""

    minutes: float = 60.0


@dataclass(frozen=True)
class BacktestSettings:
    """``[backtest]``: how a backtest replays data (only ``driftline backtest`` reads it).

    ``label_lags = [1, 48]`` adds the inputs ``label_lag_1`` and ``label_lag_48``: for each row,
    the latest and the 48th latest label that has *arrived* when the row is predicted (with a
    label delay of ``d`` rows, the labels of rows ``t-d-1`` and ``t-d-48``).
    """

    span_rows: int = 1000
    seed: int = 0
    eval_fraction: float = 0.2
    minutes_per_row: float = 1.0
    time_column: str | None = None
    label_lags: tuple[int, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A checked policy (see the module docstring)."""

    model: ModelPolicy
    spans: int = 5
    triggers: tuple[Trigger, ...] = ()
    gate: Gate = field(default_factory=Gate)
    rollout: RolloutSettings = field(default_factory=RolloutSettings)
    cooldown: Cooldown = field(default_factory=Cooldown)
    backtest: BacktestSettings = field(default_factory=BacktestSettings)

    @property
    def window(self) -> Any:
        """``[window]`` as an object with ``spans``."""
        return _Window(self.spans)

    @classmethod
    def from_dict(cls, doc: dict[str, Any], where: str = "the policy") -> Policy:
        """Check a parsed TOML document; see the module docstring.

        Raises:
            ConfigError: naming the file, the key and what is allowed.

        """
        known = ("model", "window", "trigger", "gate", "rollout", "cooldown", "store", "backtest")
        unknown = sorted(set(doc) - set(known))
        if unknown:
            raise ConfigError(f"{where}: unknown section [{unknown[0]}]; allowed: {known}")
        if "model" not in doc:
            raise ConfigError(f"{where}: the [model] section is required (name, dataset, label)")
        m = TableReader(where, "model", doc["model"], (*ModelPolicy.__dataclass_fields__,))
        params = m.table.get("trainer_params", {})
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: model.trainer_params must be a table, got {params!r}")
        model = ModelPolicy(
            name=_safe_name(m, "name", check_model_name),
            dataset=_safe_name(m, "dataset", check_dataset),
            label=str(m.text("label", required=True)),
            trainer=str(m.text("trainer", ModelPolicy.trainer)),
            metric=m.choice("metric", _METRICS, "accuracy"),
            trainer_params=dict(params),
        )
        w = TableReader(where, "window", doc.get("window", {}), ("spans",))
        triggers = doc.get("trigger", [])
        if not isinstance(triggers, list):
            raise ConfigError(f"{where}: [[trigger]] must be an array of tables")
        g = TableReader(where, "gate", doc.get("gate", {}), (*Gate.__dataclass_fields__,))
        r = TableReader(where, "rollout", doc.get("rollout", {}), _ROLLOUT_KEYS)
        c = TableReader(where, "cooldown", doc.get("cooldown", {}), ("minutes",))
        b = TableReader(
            where, "backtest", doc.get("backtest", {}), (*BacktestSettings.__dataclass_fields__,)
        )
        gate = Gate(
            metric=g.choice("metric", _METRICS, model.metric),
            tolerance=float(g.number("tolerance", 0.0, low=0.0) or 0.0),
            first_model_min=g.number("first_model_min", None),
            slices=g.strings("slices"),
        )
        return cls(
            model=model,
            spans=int(w.integer("spans", 5, low=1) or 5),
            triggers=tuple(read_trigger(where, i, t) for i, t in enumerate(triggers)),
            gate=gate,
            rollout=_rollout(r, gate),
            cooldown=Cooldown(float(c.number("minutes", 60.0, low=0.0) or 0.0)),
            backtest=_backtest(b),
        )


@dataclass(frozen=True)
class _Window:
    spans: int


def _safe_name(m: TableReader, key: str, check: Callable[[object], str]) -> str:
    """``model.name`` or ``model.dataset``, refused unless a safe name (no ``/``, no ``..``)."""
    value = str(m.text(key, required=True))
    try:
        return check(value)
    except InputError as exc:
        raise ConfigError(f"{m.where}: model.{key}: {exc}; choose another {key}") from None


def _rollout(r: TableReader, gate: Gate) -> RolloutSettings:
    steps = r.table.get("steps", [5, 25, 100])
    ok = (
        isinstance(steps, list)
        and steps
        and all(
            isinstance(s, int | float) and not isinstance(s, bool) and 0 < s <= 100 for s in steps
        )
    )
    if not ok or steps != sorted(steps) or steps[-1] != 100:
        raise ConfigError(
            f"{r.where}: rollout.steps must be increasing percentages ending at 100, got {steps!r}"
        )
    minutes = r.number("hold_minutes", None, low=0.0)
    try:
        return RolloutSettings(
            plan=Plan(r.choice("plan", _PLANS, "canary")),
            steps=tuple(float(s) for s in steps),
            hold_requests=int(r.integer("hold_requests", 500, low=1) or 500),
            hold_seconds=minutes * 60.0 if minutes is not None else None,
            max_failed_checks=int(r.integer("max_failed_checks", 1, low=1) or 1),
            tolerance=float(r.number("tolerance", gate.tolerance, low=0.0) or 0.0),
            error_margin=float(r.number("error_margin", 0.01, low=0.0) or 0.0),
            min_labels=int(r.integer("min_labels", 50, low=1) or 50),
        )
    except InputError as exc:  # what the keys cannot say alone
        raise r.error(f"is not a rollout: {exc}") from None


def _backtest(b: TableReader) -> BacktestSettings:
    lags = b.table.get("label_lags", [])
    ok = isinstance(lags, list) and all(
        isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in lags
    )
    if not ok or len(set(lags)) != len(lags):
        raise ConfigError(
            f"{b.where}: backtest.label_lags must be a list of distinct whole numbers of at "
            f"least 1, got {lags!r}"
        )
    fraction = float(b.number("eval_fraction", 0.2, low=0.0, high=0.9, closed="right") or 0.2)
    per_row = float(b.number("minutes_per_row", 1.0, low=0.0, closed="neither") or 1.0)
    return BacktestSettings(
        span_rows=int(b.integer("span_rows", 1000, low=2) or 1000),
        seed=int(b.integer("seed", 0, low=0) or 0),
        eval_fraction=fraction,
        minutes_per_row=per_row,
        time_column=b.text("time_column"),
        label_lags=tuple(sorted(lags)),
        exclude=b.strings("exclude"),
    )


def load_policy(path: str | Path) -> Policy:
    """Read and check the policy in a TOML file.

    Raises:
        ConfigError: the file is missing, not TOML, or holds a bad policy (naming the key).

    """
    file = Path(path)
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"policy file {file} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    return Policy.from_dict(doc, str(file))
