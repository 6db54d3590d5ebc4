"""The policy: what to train, when to retrain, what may replace the champion, how to roll out.

It is read from TOML (the workspace's ``driftline.toml``, or any file for a backtest)::

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
    hold_requests = 500

    [cooldown]
    minutes = 60

    [backtest]                     # optional: how `driftline backtest` replays data
    span_rows = 1000               # rows per span
    seed = 0
    eval_fraction = 0.2            # held out of every span; the gate scores the newest span's
    minutes_per_row = 1.0          # the replay clock for cron and cooldown (or time_column)
    label_lags = []                # extra inputs: the k-th latest label already arrived
    exclude = []                   # columns that are not inputs

Every key is checked; an error names the file, the key and the allowed values. Trigger kinds and
their keys: ``manual`` (none), ``cron`` (``schedule``), ``new_data`` (``path`` and/or
``min_rows``, ``pattern``), ``metric`` (``metric``, ``below`` or ``above``, ``min_labels``),
``drift`` (``share``, or ``detector`` = ``adwin``/``ddm``/``page_hinkley`` on the error rate).

Examples:
    >>> policy = Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                            "trigger": [{"kind": "cron", "schedule": "0 3 * * *"}]})
    >>> policy.window.spans, policy.triggers[0].kind, policy.rollout.plan
    (5, 'cron', 'canary')
    >>> Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "y"},
    ...                   "trigger": [{"kind": "sometimes"}]})
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: the policy: trigger[0].kind must be one of 'manual', \
'cron', 'new_data', 'metric', 'drift', got 'sometimes'

"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.controller.cron import CronSchedule
from driftline.core.errors import ConfigError

__all__ = [
    "BacktestSettings",
    "Cooldown",
    "Gate",
    "ModelPolicy",
    "Policy",
    "RolloutPlan",
    "Trigger",
    "TRIGGER_KINDS",
    "load_policy",
]

TRIGGER_KINDS = ("manual", "cron", "new_data", "metric", "drift")
"""The kinds of trigger."""

_TRIGGER_KEYS: dict[str, tuple[str, ...]] = {
    "manual": (),
    "cron": ("schedule",),
    "new_data": ("path", "pattern", "min_rows"),
    "metric": ("metric", "below", "above", "min_labels"),
    "drift": ("share", "detector", "delta"),
}
_DETECTORS = ("adwin", "ddm", "page_hinkley")
_PLANS = ("canary", "blue-green", "shadow", "none")
_METRICS = ("accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss", "rmse", "mae", "r2")


class _Reader:
    """Typed access to one table of the document, with errors naming the key."""

    def __init__(self, where: str, prefix: str, table: Any, allowed: tuple[str, ...]) -> None:
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{prefix}] must be a table, got {table!r}")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            listed = ", ".join(allowed) or "none"
            raise ConfigError(f"{where}: unknown key {prefix}.{unknown[0]}; allowed: {listed}")
        self.where, self.prefix, self.table = where, prefix, table

    def _fail(self, key: str, wanted: str, got: Any) -> ConfigError:
        return ConfigError(f"{self.where}: {self.prefix}.{key} must be {wanted}, got {got!r}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.table.get(key, default)
        if value is None and required:
            raise ConfigError(f"{self.where}: {self.prefix}.{key} is required")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self._fail(key, "a non-empty string", value)
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value not in allowed:
            listed = ", ".join(repr(a) for a in allowed)
            raise self._fail(key, f"one of {listed}", value)
        return str(value)

    def number(
        self,
        key: str,
        default: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> float | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a number", value)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise self._fail(key, f"a number {span}", value)
        return float(value)

    def integer(self, key: str, default: int | None, *, low: int = 0) -> int | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self._fail(key, f"a whole number of at least {low}", value)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(key, "a list of strings", value)
        return tuple(value)


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
class Trigger:
    """One ``[[trigger]]``: its kind and checked settings (``cron`` holds the parsed schedule)."""

    kind: str
    schedule: CronSchedule | None = None
    path: str | None = None
    pattern: str = "*"
    min_rows: int | None = None
    metric: str = "accuracy"
    below: float | None = None
    above: float | None = None
    min_labels: int = 100
    share: float | None = None
    detector: str | None = None
    delta: float | None = None


@dataclass(frozen=True)
class Gate:
    """``[gate]``: when a challenger may replace the champion."""

    metric: str = "accuracy"
    tolerance: float = 0.0
    first_model_min: float | None = None
    slices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolloutPlan:
    """``[rollout]``: how a blessed version reaches traffic."""

    plan: str = "canary"
    steps: tuple[float, ...] = (5.0, 25.0, 100.0)
    hold_requests: int = 500
    hold_minutes: float | None = None
    max_failed_checks: int = 1


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
    rollout: RolloutPlan = field(default_factory=RolloutPlan)
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
        m = _Reader(where, "model", doc["model"], (*ModelPolicy.__dataclass_fields__,))
        params = m.table.get("trainer_params", {})
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: model.trainer_params must be a table, got {params!r}")
        model = ModelPolicy(
            name=str(m.text("name", required=True)),
            dataset=str(m.text("dataset", required=True)),
            label=str(m.text("label", required=True)),
            trainer=str(m.text("trainer", ModelPolicy.trainer)),
            metric=m.choice("metric", _METRICS, "accuracy"),
            trainer_params=dict(params),
        )
        w = _Reader(where, "window", doc.get("window", {}), ("spans",))
        triggers = doc.get("trigger", [])
        if not isinstance(triggers, list):
            raise ConfigError(f"{where}: [[trigger]] must be an array of tables")
        g = _Reader(where, "gate", doc.get("gate", {}), (*Gate.__dataclass_fields__,))
        r = _Reader(where, "rollout", doc.get("rollout", {}), (*RolloutPlan.__dataclass_fields__,))
        c = _Reader(where, "cooldown", doc.get("cooldown", {}), ("minutes",))
        b = _Reader(
            where, "backtest", doc.get("backtest", {}), (*BacktestSettings.__dataclass_fields__,)
        )
        return cls(
            model=model,
            spans=int(w.integer("spans", 5, low=1) or 5),
            triggers=tuple(_trigger(where, i, t) for i, t in enumerate(triggers)),
            gate=Gate(
                metric=g.choice("metric", _METRICS, model.metric),
                tolerance=float(g.number("tolerance", 0.0, low=0.0) or 0.0),
                first_model_min=g.number("first_model_min", None),
                slices=g.strings("slices"),
            ),
            rollout=_rollout(r),
            cooldown=Cooldown(float(c.number("minutes", 60.0, low=0.0) or 0.0)),
            backtest=_backtest(b),
        )


@dataclass(frozen=True)
class _Window:
    spans: int


def _trigger(where: str, index: int, table: Any) -> Trigger:
    prefix = f"trigger[{index}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix} must be a table, got {table!r}")
    kind = _Reader(where, prefix, {"kind": table.get("kind")}, ("kind",))
    chosen = kind.choice("kind", TRIGGER_KINDS)
    t = _Reader(where, prefix, table, ("kind", *_TRIGGER_KEYS[chosen]))
    if chosen == "cron":
        text = str(t.text("schedule", required=True))
        try:
            schedule = CronSchedule.parse(text)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {prefix}.schedule: {exc}") from None
        return Trigger("cron", schedule=schedule)
    if chosen == "new_data":
        path, rows = t.text("path"), t.integer("min_rows", None, low=1)
        if path is None and rows is None:
            raise ConfigError(f"{where}: {prefix} (new_data) needs path or min_rows")
        return Trigger("new_data", path=path, pattern=str(t.text("pattern", "*")), min_rows=rows)
    if chosen == "metric":
        below, above = t.number("below", None), t.number("above", None)
        if (below is None) == (above is None):
            raise ConfigError(f"{where}: {prefix} (metric) needs exactly one of below or above")
        return Trigger(
            "metric",
            metric=t.choice("metric", _METRICS, "accuracy"),
            below=below,
            above=above,
            min_labels=int(t.integer("min_labels", 100, low=1) or 100),
        )
    if chosen == "drift":
        share = t.number("share", None, low=0.0, high=1.0)
        detector = t.choice("detector", (*_DETECTORS, ""), "") or None
        if (share is None) == (detector is None):
            raise ConfigError(f"{where}: {prefix} (drift) needs exactly one of share or detector")
        return Trigger("drift", share=share, detector=detector, delta=t.number("delta", None))
    return Trigger("manual")


def _rollout(r: _Reader) -> RolloutPlan:
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
    return RolloutPlan(
        plan=r.choice("plan", _PLANS, "canary"),
        steps=tuple(float(s) for s in steps),
        hold_requests=int(r.integer("hold_requests", 500, low=1) or 500),
        hold_minutes=r.number("hold_minutes", None, low=0.0),
        max_failed_checks=int(r.integer("max_failed_checks", 1, low=1) or 1),
    )


def _backtest(b: _Reader) -> BacktestSettings:
    lags = b.table.get("label_lags", [])
    ok = isinstance(lags, list) and all(
        isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in lags
    )
    if not ok or len(set(lags)) != len(lags):
        raise ConfigError(
            f"{b.where}: backtest.label_lags must be a list of distinct whole numbers of at "
            f"least 1, got {lags!r}"
        )
    fraction = float(b.number("eval_fraction", 0.2, low=0.0, high=0.9) or 0.0)
    if fraction <= 0.0:
        raise b._fail("eval_fraction", "a number above 0 and at most 0.9", fraction)
    per_row = float(b.number("minutes_per_row", 1.0, low=0.0) or 0.0)
    if per_row <= 0.0:
        raise b._fail("minutes_per_row", "a number above 0", per_row)
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
