"""A model card as sections of blocks, the same for every format.

A card is written from one list of :class:`Section`, each a list of blocks: a paragraph (a
string), key/value lines (:class:`Fields`) or a table (:class:`Grid`). Markdown
(:mod:`~driftline.registry.card_markdown`) and HTML (:mod:`~driftline.registry.card_html`)
only differ in how they write these out, so they always say the same. Each function here builds
one section from the pieces of a card (:mod:`~driftline.registry.card_parts`); a piece that is
``None`` reads "not recorded", or why it could not be read.

Examples:
    >>> history_section(())
    ['not recorded']
    >>> evaluation_section(None, "gone")
    ['recorded, but could not be read: gone']

"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from driftline.registry.card_parts import (
    NOT_RECORDED,
    ColumnSummary,
    EvaluationSummary,
    TrainingProfile,
    TrainingRun,
    TrainingSpan,
)
from driftline.registry.versions import Action, ModelVersion, Transition

if TYPE_CHECKING:
    from driftline.models.signature import ModelSignature

__all__ = [
    "Block",
    "Fields",
    "Grid",
    "Section",
    "evaluation_section",
    "history_section",
    "lineage_section",
    "model_section",
    "run_metrics_section",
    "signature_section",
    "training_section",
]


@dataclass(frozen=True)
class Fields:
    """Key/value lines (a definition list in HTML, a bullet list in Markdown)."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Grid:
    """A table with an optional caption; every cell is text."""

    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


Block = str | Fields | Grid
"""A paragraph, key/value lines or a table."""


@dataclass(frozen=True)
class Section:
    """A titled part of the card.

    Examples:
        >>> Section("Lineage", ["not recorded"]).title
        'Lineage'

    """

    title: str
    blocks: Sequence[Block]


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def _when(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _missing(problem: str | None) -> str:
    return f"recorded, but could not be read: {problem}" if problem else NOT_RECORDED


def model_section(v: ModelVersion) -> list[Block]:
    """The version: name, number, flavor, who registered it and why, aliases, metrics."""
    metrics = ", ".join(f"{k} = {_fmt(x)}" for k, x in sorted(v.metrics.items()))
    return [
        Fields(
            [
                ("name", v.name),
                ("version", str(v.number)),
                ("flavor", v.flavor or NOT_RECORDED),
                ("registered", f"{_when(v.created_at)} by {v.registered_by or NOT_RECORDED}"),
                ("reason", v.reason or NOT_RECORDED),
                ("description", v.description or NOT_RECORDED),
                ("aliases", ", ".join(v.aliases) or "none"),
                ("metrics at registration", metrics or NOT_RECORDED),
                ("model artifact", f"{v.model_id} (sha256 {v.sha256})"),
                ("version artifact", str(v.artifact_id)),
            ]
        )
    ]


def signature_section(sig: ModelSignature | None, problem: str | None = None) -> list[Block]:
    """The input columns and their types, and the output."""
    if sig is None:
        return [_missing(problem)]
    shape = "(" + ", ".join("rows" if d is None else str(d) for d in sig.output_shape) + ")"
    return [
        Grid("inputs", ["column", "type"], [[c.name, c.dtype] for c in sig.inputs]),
        Fields([("output", f"{sig.output_dtype}, shape {shape}")]),
    ]


def training_section(
    spans: Sequence[TrainingSpan],
    time_range: tuple[str | float, str | float] | None,
    profile: TrainingProfile | None,
    problem: str | None = None,
) -> list[Block]:
    """The spans trained on, their time range, and the training profile's columns."""
    blocks: list[Block] = []
    if spans:
        rows = [
            [
                s.dataset,
                str(s.number),
                *map(_fmt, (s.rows, s.train_rows, s.eval_rows)),
                *map(_fmt, (s.time_min, s.time_max)),
            ]
            for s in spans
        ]
        header = ["dataset", "span", "rows", "train rows", "eval rows", "from", "to"]
        blocks.append(Grid("spans", header, rows))
        when = NOT_RECORDED if time_range is None else f"{time_range[0]} to {time_range[1]}"
        blocks.append(Fields([("time range", when)]))
    else:
        blocks.append(f"spans: {NOT_RECORDED}")
    if profile is None:
        blocks.append(f"training profile: {_missing(problem)}")
        return blocks
    header = ["column", "type", "count", "missing", "mean", "min", "max", "top values"]
    rows = [
        [c.name, c.type, str(c.count), str(c.missing), *map(_fmt, (c.mean, c.min, c.max)), _top(c)]
        for c in profile.columns
    ]
    caption = f"training profile (artifact {profile.artifact_id}, {profile.rows} rows)"
    blocks.append(Grid(caption, header, rows))
    return blocks


def _top(column: ColumnSummary) -> str:
    return ", ".join(f"{_fmt(v)} ({n})" for v, n in column.top) or "-"


def evaluation_section(e: EvaluationSummary | None, problem: str | None = None) -> list[Block]:
    """The verdict and its reason, challenger against champion on every metric, the slices."""
    if e is None:
        return [_missing(problem)]
    verdict = NOT_RECORDED if e.blessed is None else ("blessed" if e.blessed else "not blessed")
    blocks: list[Block] = [
        Fields(
            [
                ("verdict", verdict),
                ("reason", e.reason or NOT_RECORDED),
                ("gating metric", e.metric or NOT_RECORDED),
                ("margin", _fmt(e.margin)),
                ("rows", _fmt(e.rows)),
                ("spans", ", ".join(str(n) for n in e.spans) or NOT_RECORDED),
                ("evaluation artifact", str(e.artifact_id)),
            ]
        )
    ]
    champion = e.champion or {}
    against = "champion" if e.champion_version is None else f"champion (v{e.champion_version})"
    names = sorted({*e.challenger, *champion})
    rows = [[m, _fmt(e.challenger.get(m)), _fmt(champion.get(m))] for m in names]
    blocks.append(Grid("metrics", ["metric", "challenger", against], rows))
    if e.champion is None:
        blocks.append("no champion was evaluated on these rows")
    if e.slices:
        header = ["column", "value", "rows", "challenger", against]
        rows = [
            [_fmt(s.get(k)) for k in ("column", "value", "rows", "challenger", "champion")]
            for s in e.slices
        ]
        blocks.append(Grid(f"slices ({e.metric or 'metric'})", header, rows))
    return blocks


def lineage_section(r: TrainingRun | None, model_id: int) -> list[Block]:
    """The run, pipeline and step that wrote model artifact ``model_id``, with its parameters."""
    if r is None:
        return [f"the execution that wrote model artifact {model_id}: {NOT_RECORDED}"]
    params = json.dumps(dict(r.parameters), sort_keys=True, default=str)
    return [
        Fields(
            [
                ("run", r.run_id or NOT_RECORDED),
                ("pipeline", r.pipeline or NOT_RECORDED),
                ("step", f"{r.step} (execution {r.execution_id}, {r.state})"),
                ("trainer", r.trainer or NOT_RECORDED),
                ("parameters", params),
                ("code version", r.code_version or NOT_RECORDED),
                ("ended", NOT_RECORDED if r.ended_at is None else _when(r.ended_at)),
            ]
        )
    ]


def run_metrics_section(r: TrainingRun | None) -> list[Block]:
    """The metrics the steps of the training run recorded (``ctx.log_metric``, ``Metrics``).

    Examples:
        >>> run_metrics_section(None)
        ['not recorded']

    """
    if r is None:
        return [NOT_RECORDED]
    rows = [
        [step, name, _fmt(value)]
        for step, metrics in r.step_metrics.items()
        for name, value in sorted(metrics.items())
    ]
    if not rows:
        return [f"no step of run {r.run_id or '?'} recorded metrics"]
    return [Grid("", ["step", "metric", "value"], rows)]


def history_section(history: Sequence[Transition]) -> list[Block]:
    """The registration and every alias change of the version, oldest first."""
    if not history:
        return [NOT_RECORDED]
    rows = [
        [
            _when(t.at),
            t.action.value,
            t.alias or "-",
            _fmt(t.version),
            "-" if t.action is Action.REGISTER else _fmt(t.previous),
            t.by or "-",
            t.reason or "-",
        ]
        for t in history
    ]
    header = ["when", "action", "alias", "version", "previous", "by", "reason"]
    return [Grid("", header, rows)]
