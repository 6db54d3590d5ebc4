"""Policy files for tests: a good policy of the synthetic dataset, TOML text, and bad mutations."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["BAD_POLICIES", "good_policy", "mutated", "to_toml", "write_policy"]


def good_policy() -> dict[str, Any]:
    """A policy the synthetic dataset (``tests.components.conftest.make_table``) satisfies."""
    return {
        "model": {
            "name": "synth",
            "dataset": "synth",
            "label": "label",
            "trainer": "sklearn:LogisticRegression",
            "trainer_params": {"C": 0.5, "max_iter": 200},
        },
        "window": {"spans": 3},
        "trigger": [{"kind": "cron", "schedule": "0 0 29 2 *"}, {"kind": "drift", "share": 0.5}],
        "gate": {"metric": "accuracy", "tolerance": 0.0, "slices": ["region"]},
        "rollout": {"plan": "none"},
        "cooldown": {"minutes": 0},
    }


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"no TOML for {v!r}")


def _table(header: str, body: dict[str, Any]) -> list[str]:
    return [header, *(f"{json.dumps(k)} = {_value(v)}" for k, v in body.items()), ""]


def to_toml(doc: dict[str, Any]) -> str:
    """``doc`` (sections of scalars, lists and inline tables; ``trigger`` a list) as TOML."""
    lines: list[str] = []
    for section, body in doc.items():
        if isinstance(body, list):
            for table in body:
                lines += _table(f"[[{section}]]", table)
        elif isinstance(body, dict):
            lines += _table(f"[{section}]", body)
        else:
            lines += [f"{section} = {_value(body)}", ""]
    return "\n".join(lines)


def write_policy(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` as TOML to ``path``; return it."""
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A copy of the good policy with ``change`` applied."""
    doc = good_policy()
    change(doc)
    return doc


def _set(section: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc.setdefault(section, {})[key] = value

    return change


def _trigger(table: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["trigger"] = [table]

    return change


def _params(params: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["model"]["trainer_params"] = copy.deepcopy(params)

    return change


def _section(name: str, body: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc[name] = body

    return change


BAD_POLICIES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("an unknown section", _section("modle", {"name": "x"}), "[modle]"),
    ("an unknown model key", _set("model", "lable", "label"), "model.lable"),
    ("a name that climbs out", _set("model", "name", "../../etc/passwd"), "model.name"),
    ("a name with a slash", _set("model", "name", "team/model"), "model.name"),
    ("an empty name", _set("model", "name", ""), "model.name"),
    ("a name that is a number", _set("model", "name", 5), "model.name"),
    ("a dataset that climbs out", _set("model", "dataset", "../synth"), "model.dataset"),
    ("an unknown label", _set("model", "label", "nosuchlabel"), "model.label"),
    ("a label with a typo", _set("model", "label", "labl"), "model.label"),
    ("a feature as the label", _set("model", "label", "x0"), "model.label"),
    ("an unknown estimator", _set("model", "trainer", "sklearn:RandomForrest"), "model.trainer"),
    ("a trainer without a colon", _set("model", "trainer", "forest"), "model.trainer"),
    ("a trainer module missing", _set("model", "trainer", "nosuchmod_q:fit"), "model.trainer"),
    ("a trainer file missing", _set("model", "trainer", "missing.py:fit"), "model.trainer"),
    (
        "a transformer as trainer",
        _set("model", "trainer", "sklearn:StandardScaler"),
        "model.trainer",
    ),
    ("a parameter of a bad type", _params({"C": "lots"}), "model.trainer_params"),
    ("an unknown parameter", _params({"colour": "red"}), "model.trainer_params"),
    ("a negative parameter", _params({"max_iter": -5}), "model.trainer_params"),
    ("parameters that are no table", _params("C=1"), "model.trainer_params"),
    ("an unknown metric", _set("model", "metric", "accuracyy"), "model.metric"),
    ("no spans", _set("window", "spans", 0), "window.spans"),
    ("negative spans", _set("window", "spans", -3), "window.spans"),
    ("spans in words", _set("window", "spans", "five"), "window.spans"),
    ("an unknown trigger kind", _trigger({"kind": "sometimes"}), "trigger[0].kind"),
    ("February 30", _trigger({"kind": "cron", "schedule": "0 0 30 2 *"}), "trigger[0].schedule"),
    (
        "the 31st of April",
        _trigger({"kind": "cron", "schedule": "0 0 31 4 *"}),
        "trigger[0].schedule",
    ),
    ("minute 61", _trigger({"kind": "cron", "schedule": "61 * * * *"}), "trigger[0].schedule"),
    ("three cron fields", _trigger({"kind": "cron", "schedule": "* * *"}), "trigger[0].schedule"),
    ("a drift share over 1", _trigger({"kind": "drift", "share": 1.5}), "trigger[0].share"),
    ("a threshold in words", _trigger({"kind": "metric", "below": "high"}), "trigger[0].below"),
    ("a negative tolerance", _set("gate", "tolerance", -0.1), "gate.tolerance"),
    ("a slice with a typo", _set("gate", "slices", ["regoin"]), "gate.slices"),
    ("slices that are no list", _set("gate", "slices", "region"), "gate.slices"),
    ("steps going down", _set("rollout", "steps", [50, 25, 100]), "rollout.steps"),
    ("a negative cooldown", _set("cooldown", "minutes", -1), "cooldown.minutes"),
]
"""``(what, change, the key the refusal must name)``: each makes the good policy bad."""
