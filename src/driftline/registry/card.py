"""Model cards: what the workspace recorded about one registered version, in one document.

:func:`model_card` gathers, for a :class:`~driftline.registry.versions.ModelVersion`:

* the version itself: name and number, flavour, who registered it, when and why, its aliases
  and the metrics given at registration;
* the signature: the input columns and their types, read from ``model.json`` in the model's
  archive (the bytes checked against their SHA-256);
* the training data: the spans the model was trained on, found by walking the lineage up from
  the model artifact (dataset, span numbers, rows, time range), and the per-column summary of
  the training profile when the version names one;
* the evaluation, when the version names one: challenger against champion on every metric, the
  slices, the verdict and its reason (read as plain JSON);
* the run that trained it: the execution that wrote the model artifact, with its pipeline run,
  step, trainer and parameters;
* the alias history of this version.

Nothing is inferred or filled in: a piece that was not recorded (a model registered by hand has
no evaluation, and no training data unless its lineage reaches some spans) is ``None`` (or
empty) in :meth:`ModelCard.to_dict` and reads "not recorded" in the Markdown and HTML.

Examples:
    >>> import tempfile
    >>> from driftline.registry import ModelRegistry
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.records import NewArtifact
    >>> with tempfile.TemporaryDirectory() as tmp, open_metadata_store(
    ...     "sqlite://", create=True
    ... ) as meta:
    ...     registry = ModelRegistry(meta, ArtifactStore(tmp).create())
    ...     model = meta.put_artifact(NewArtifact("model", "file:///m.tar.gz", "0" * 64, 9))
    ...     version = registry.register("churn", model.id, by="ana", reason="by hand")
    ...     card = model_card(registry, version)
    >>> card.ref, card.evaluation is None, card.training_spans
    ('churn:1', True, ())
    >>> card.to_markdown().split("## Evaluation")[1].split()[:2]
    ['not', 'recorded']

"""

from __future__ import annotations

import html
import json
import math
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from driftline.core.errors import DriftlineError
from driftline.registry.versions import Action, ModelVersion, Transition
from driftline.store.records import (
    Artifact,
    Execution,
    ExecutionState,
    LineageDirection,
    LineageGraph,
)

if TYPE_CHECKING:
    from driftline.models.signature import ModelSignature
    from driftline.registry.reader import RegistryReader

__all__ = [
    "NOT_RECORDED",
    "ColumnSummary",
    "EvaluationSummary",
    "ModelCard",
    "TrainingProfile",
    "TrainingRun",
    "TrainingSpan",
    "model_card",
]

NOT_RECORDED = "not recorded"
"""What a card says where the workspace holds nothing."""

_TOP_VALUES = 3


# -- the pieces of a card ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSpan:
    """One span a model was trained on, as recorded when it was ingested."""

    artifact_id: int
    dataset: str
    number: int
    rows: int | None
    train_rows: int | None
    eval_rows: int | None
    time_min: str | float | None
    time_max: str | float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "dataset": self.dataset,
            "span": self.number,
            "rows": self.rows,
            "train_rows": self.train_rows,
            "eval_rows": self.eval_rows,
            "time_min": self.time_min,
            "time_max": self.time_max,
        }


@dataclass(frozen=True)
class ColumnSummary:
    """One column of the training profile: counts, and moments or top values."""

    name: str
    type: str
    kind: str
    count: int
    missing: int
    mean: Any = None
    min: Any = None
    max: Any = None
    top: tuple[tuple[Any, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "name": self.name,
            "type": self.type,
            "kind": self.kind,
            "count": self.count,
            "missing": self.missing,
            "mean": self.mean,
            "min": self.min,
            "max": self.max,
            "top": [{"value": v, "count": n} for v, n in self.top],
        }


@dataclass(frozen=True)
class TrainingProfile:
    """The training profile a version was registered with."""

    artifact_id: int
    rows: int
    columns: tuple[ColumnSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
        }


@dataclass(frozen=True)
class EvaluationSummary:
    """The evaluation a version was registered with, as the ``evaluate`` step wrote it."""

    artifact_id: int
    metric: str | None
    blessed: bool | None
    reason: str
    margin: float | None
    rows: int | None
    spans: tuple[int, ...]
    challenger: Mapping[str, float]
    champion: Mapping[str, float] | None
    champion_version: int | None
    slices: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "artifact_id": self.artifact_id,
            "metric": self.metric,
            "blessed": self.blessed,
            "reason": self.reason,
            "margin": self.margin,
            "rows": self.rows,
            "spans": list(self.spans),
            "challenger": dict(self.challenger),
            "champion": None if self.champion is None else dict(self.champion),
            "champion_version": self.champion_version,
            "slices": [dict(s) for s in self.slices],
        }


@dataclass(frozen=True)
class TrainingRun:
    """The execution that wrote the model artifact: its run, step, trainer and parameters."""

    execution_id: int
    step: str
    state: str
    run_id: str | None
    pipeline: str | None
    trainer: str | None
    parameters: Mapping[str, Any]
    code_version: str
    started_at: datetime | None
    ended_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "execution_id": self.execution_id,
            "step": self.step,
            "state": self.state,
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "trainer": self.trainer,
            "parameters": dict(self.parameters),
            "code_version": self.code_version,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
        }


@dataclass(frozen=True)
class ModelCard:
    """What the workspace recorded about one registered version (see the module docstring).

    Attributes:
        version: the version, with its aliases now.
        signature: the model's input and output signature, or ``None`` if none was saved.
        training_spans: the spans the model was trained on (empty: not recorded).
        profile: the training profile's per-column summary, or ``None``.
        evaluation: the evaluation, or ``None``.
        training_run: the execution that wrote the model artifact, or ``None``.
        history: the registration of this version and every alias change to or from it.
        problems: for a piece that was recorded but could not be read, why (by section:
            ``signature``, ``profile``, ``evaluation``).

    """

    version: ModelVersion
    signature: ModelSignature | None
    training_spans: tuple[TrainingSpan, ...]
    profile: TrainingProfile | None
    evaluation: EvaluationSummary | None
    training_run: TrainingRun | None
    history: tuple[Transition, ...]
    problems: Mapping[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """``NAME:N``."""
        return self.version.ref

    @property
    def time_range(self) -> tuple[str | float, str | float] | None:
        """The earliest and latest event time over the training spans, if every span has one."""
        lows = [s.time_min for s in self.training_spans if s.time_min is not None]
        highs = [s.time_max for s in self.training_spans if s.time_max is not None]
        n = len(self.training_spans)
        if n == 0 or len(lows) != n or len(highs) != n:
            return None
        if len({type(v) for v in (*lows, *highs)}) != 1:
            return None  # text and numbers do not compare
        return min(lows), max(highs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; what was not recorded is ``None`` (or empty)."""
        v = self.version
        time_range = self.time_range
        return {
            "ref": v.ref,
            "name": v.name,
            "version": v.number,
            "flavor": v.flavor,
            "registered_by": v.registered_by,
            "registered_at": v.created_at.isoformat(),
            "reason": v.reason,
            "description": v.description,
            "aliases": list(v.aliases),
            "metrics": dict(v.metrics),
            "model_id": v.model_id,
            "artifact_id": v.artifact_id,
            "sha256": v.sha256,
            "signature": None if self.signature is None else self.signature.to_dict(),
            "training_data": {
                "spans": [s.to_dict() for s in self.training_spans],
                "time_range": None if time_range is None else list(time_range),
                "profile": None if self.profile is None else self.profile.to_dict(),
            },
            "evaluation": None if self.evaluation is None else self.evaluation.to_dict(),
            "training_run": None if self.training_run is None else self.training_run.to_dict(),
            "history": [t.to_dict() for t in self.history],
            "problems": dict(self.problems),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str)

    def to_markdown(self) -> str:
        """The card as Markdown."""
        out = [f"# Model card: {_md(self.ref)}", ""]
        for title, blocks in _sections(self):
            out += [f"## {_md(title)}", ""]
            for block in blocks:
                out += [*_markdown_block(block), ""]
        return "\n".join(out).rstrip() + "\n"

    def to_html(self) -> str:
        """The card as one self-contained HTML page (no scripts, no external files)."""
        title = html.escape(f"Model card: {self.ref}")
        body = [f"<h1>{title}</h1>"]
        for name, blocks in _sections(self):
            body.append(f"<h2>{html.escape(name)}</h2>")
            body += [_html_block(b) for b in blocks]
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body)
            + "\n</body>\n</html>\n"
        )


# -- gathering -----------------------------------------------------------------------------------


def model_card(registry: RegistryReader, version: ModelVersion) -> ModelCard:
    """The card of ``version``, from what the registry's workspace recorded.

    Reads the version's history, the lineage above its model artifact, ``model.json`` in the
    model's archive, and (when the version names them) the training profile and the
    evaluation. A piece that was recorded but cannot be read (bytes gone or changed) is left
    out, with the reason in :attr:`ModelCard.problems`.

    Raises:
        ModelNotFoundError: the version's model is not registered in this workspace.

    """
    metadata, artifacts = registry.metadata, registry.artifacts
    history = tuple(
        t for t in registry.history(version.name) if version.number in (t.version, t.previous)
    )
    problems: dict[str, str] = {}

    signature: ModelSignature | None = None
    try:
        signature = _read_signature(artifacts, version)
    except DriftlineError as exc:
        problems["signature"] = str(exc)

    graph = metadata.lineage(version.model_id, LineageDirection.UP)
    producer = _producer(graph, version.model_id)
    spans = _training_spans(graph, producer)
    run = None if producer is None else _training_run(producer)

    profile: TrainingProfile | None = None
    if version.profile_id is not None:
        try:
            profile = _read_profile(registry, version.profile_id)
        except (DriftlineError, ValueError) as exc:
            problems["profile"] = str(exc)
    evaluation: EvaluationSummary | None = None
    if version.evaluation_id is not None:
        try:
            evaluation = _read_evaluation(registry, version.evaluation_id)
        except (DriftlineError, ValueError, TypeError) as exc:
            problems["evaluation"] = str(exc)
    return ModelCard(version, signature, spans, profile, evaluation, run, history, problems)


def _read_signature(artifacts: Any, version: ModelVersion) -> ModelSignature | None:
    """The signature in ``model.json`` of the version's archive (``None`` if it has none)."""
    from driftline.models.meta import META_FILE, ModelMeta

    label = f"model version {version.ref}"
    with (
        artifacts.open(version.uri, version.sha256, label=label) as reader,
        tarfile.open(fileobj=reader, mode="r|gz") as tar,
    ):
        for member in tar:
            if member.name == META_FILE and member.isfile():
                handle = tar.extractfile(member)
                if handle is None:  # pragma: no cover - a regular file always has a handle
                    break
                data = json.loads(handle.read().decode("utf-8"))
                return ModelMeta.from_dict(data).signature
    return None


def _producer(graph: LineageGraph, artifact_id: int) -> Execution | None:
    """The execution that wrote ``artifact_id``: the first that completed, else the first."""
    found = [graph.executions[i] for i in graph.producers(artifact_id) if i in graph.executions]
    done = [e for e in found if e.state is ExecutionState.COMPLETE]
    return min(done or found, key=lambda e: e.id, default=None)


def _training_spans(graph: LineageGraph, producer: Execution | None) -> tuple[TrainingSpan, ...]:
    """The ``span`` artifacts upstream of the model, narrowed to the windows the trainer read."""
    if producer is None:
        return ()
    spans = [a for a in graph.artifacts.values() if a.kind == "span"]
    inputs = [graph.artifacts[i] for i in graph.inputs_of(producer.id) if i in graph.artifacts]
    windows = {
        (str(a.properties.get("dataset")), int(n))
        for a in inputs
        if a.kind == "spans"
        for n in a.properties.get("spans") or []
    }
    if windows:
        spans = [a for a in spans if _span_key(a) in windows]
    return tuple(sorted((_span(a) for a in spans), key=lambda s: (s.dataset, s.number)))


def _span_key(artifact: Artifact) -> tuple[str, int]:
    p = artifact.properties
    return str(p.get("dataset")), int(p.get("number") or 0)


def _span(artifact: Artifact) -> TrainingSpan:
    p = artifact.properties
    return TrainingSpan(
        artifact_id=artifact.id,
        dataset=str(p.get("dataset")),
        number=int(p.get("number") or 0),
        rows=_int_or_none(p.get("rows")),
        train_rows=_int_or_none(p.get("train_rows")),
        eval_rows=_int_or_none(p.get("eval_rows")),
        time_min=p.get("time_min"),
        time_max=p.get("time_max"),
    )


def _training_run(execution: Execution) -> TrainingRun:
    p, params = execution.properties, execution.parameters
    trainer = params.get("trainer")
    return TrainingRun(
        execution_id=execution.id,
        step=execution.kind,
        state=execution.state.value,
        run_id=None if p.get("run") is None else str(p["run"]),
        pipeline=None if p.get("pipeline") is None else str(p["pipeline"]),
        trainer=None if trainer is None else str(trainer),
        parameters=dict(params),
        code_version=execution.code_version,
        started_at=execution.started_at,
        ended_at=execution.ended_at,
    )


def _read_profile(registry: RegistryReader, artifact_id: int) -> TrainingProfile:
    from driftline.data.profile import Profile

    artifact = registry.metadata.get_artifact(artifact_id)
    data = registry.artifacts.read_bytes(
        artifact.uri, artifact.sha256, label=f"training profile (artifact {artifact_id})"
    )
    summary = Profile.from_bytes(data).to_dict(top=_TOP_VALUES)
    columns = []
    for c in summary["columns"]:
        top: tuple[tuple[Any, int], ...] = ()
        if c["kind"] in ("categorical", "boolean", "text"):
            top = tuple((t["value"], int(t["count"])) for t in c.get("top") or [])
        columns.append(
            ColumnSummary(
                name=str(c["name"]),
                type=str(c["type"]),
                kind=str(c["kind"]),
                count=int(c["count"]),
                missing=int(c["null_count"]) + int(c["nan_count"]),
                mean=c.get("mean"),
                min=c.get("min"),
                max=c.get("max"),
                top=top,
            )
        )
    return TrainingProfile(artifact_id, int(summary["num_rows"]), tuple(columns))


def _read_evaluation(registry: RegistryReader, artifact_id: int) -> EvaluationSummary:
    artifact = registry.metadata.get_artifact(artifact_id)
    data = registry.artifacts.read_bytes(
        artifact.uri, artifact.sha256, label=f"evaluation (artifact {artifact_id})"
    )
    found = json.loads(data.decode("utf-8"))
    if not isinstance(found, dict):
        raise ValueError(f"evaluation (artifact {artifact_id}) is not a JSON object")
    champion = found.get("champion")
    blessed = found.get("blessed")
    return EvaluationSummary(
        artifact_id=artifact_id,
        metric=None if found.get("metric") is None else str(found["metric"]),
        blessed=None if blessed is None else bool(blessed),
        reason=str(found.get("reason") or ""),
        margin=None if found.get("margin") is None else float(found["margin"]),
        rows=_int_or_none(found.get("rows")),
        spans=tuple(int(n) for n in found.get("spans") or []),
        challenger=_scores(found.get("challenger")),
        champion=None if champion is None else _scores(champion),
        champion_version=_int_or_none(found.get("champion_version")),
        slices=tuple(dict(s) for s in found.get("slices") or [] if isinstance(s, dict)),
    )


def _scores(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if v is not None}


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


# -- rendering -----------------------------------------------------------------------------------
#
# A card is rendered from one list of sections, each a list of blocks: a paragraph (a string), a
# list of key/value lines (a _Fields), or a table (a _Grid). Markdown and HTML only differ in
# how they write these out, so they always say the same.


@dataclass(frozen=True)
class _Fields:
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class _Grid:
    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


_Block = str | _Fields | _Grid


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


def _sections(card: ModelCard) -> list[tuple[str, list[_Block]]]:
    return [
        ("Model", _model_section(card.version)),
        ("Signature", _signature_section(card)),
        ("Training data", _training_section(card)),
        ("Evaluation", _evaluation_section(card)),
        ("Lineage", _lineage_section(card)),
        ("Alias history", _history_section(card)),
    ]


def _missing(card: ModelCard, piece: str) -> str:
    problem = card.problems.get(piece)
    return f"recorded, but could not be read: {problem}" if problem else NOT_RECORDED


def _model_section(v: ModelVersion) -> list[_Block]:
    metrics = ", ".join(f"{k} = {_fmt(x)}" for k, x in sorted(v.metrics.items()))
    return [
        _Fields(
            [
                ("name", v.name),
                ("version", str(v.number)),
                ("flavour", v.flavor or NOT_RECORDED),
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


def _signature_section(card: ModelCard) -> list[_Block]:
    sig = card.signature
    if sig is None:
        return [_missing(card, "signature")]
    shape = "(" + ", ".join("rows" if d is None else str(d) for d in sig.output_shape) + ")"
    return [
        _Grid("inputs", ["column", "type"], [[c.name, c.dtype] for c in sig.inputs]),
        _Fields([("output", f"{sig.output_dtype}, shape {shape}")]),
    ]


def _training_section(card: ModelCard) -> list[_Block]:
    blocks: list[_Block] = []
    if card.training_spans:
        rows = [
            [
                s.dataset,
                str(s.number),
                *map(_fmt, (s.rows, s.train_rows, s.eval_rows)),
                *map(_fmt, (s.time_min, s.time_max)),
            ]
            for s in card.training_spans
        ]
        header = ["dataset", "span", "rows", "train rows", "eval rows", "from", "to"]
        blocks.append(_Grid("spans", header, rows))
        span_range = card.time_range
        when = NOT_RECORDED if span_range is None else f"{span_range[0]} to {span_range[1]}"
        blocks.append(_Fields([("time range", when)]))
    else:
        blocks.append(f"spans: {NOT_RECORDED}")
    profile = card.profile
    if profile is None:
        blocks.append(f"training profile: {_missing(card, 'profile')}")
        return blocks
    header = ["column", "type", "count", "missing", "mean", "min", "max", "top values"]
    rows = [
        [c.name, c.type, str(c.count), str(c.missing), *map(_fmt, (c.mean, c.min, c.max)), _top(c)]
        for c in profile.columns
    ]
    caption = f"training profile (artifact {profile.artifact_id}, {profile.rows} rows)"
    blocks.append(_Grid(caption, header, rows))
    return blocks


def _top(column: ColumnSummary) -> str:
    return ", ".join(f"{_fmt(v)} ({n})" for v, n in column.top) or "-"


def _evaluation_section(card: ModelCard) -> list[_Block]:
    e = card.evaluation
    if e is None:
        return [_missing(card, "evaluation")]
    verdict = NOT_RECORDED if e.blessed is None else ("blessed" if e.blessed else "not blessed")
    blocks: list[_Block] = [
        _Fields(
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
    blocks.append(_Grid("metrics", ["metric", "challenger", against], rows))
    if e.champion is None:
        blocks.append("no champion was evaluated on these rows")
    if e.slices:
        header = ["column", "value", "rows", "challenger", against]
        rows = [
            [_fmt(s.get(k)) for k in ("column", "value", "rows", "challenger", "champion")]
            for s in e.slices
        ]
        blocks.append(_Grid(f"slices ({e.metric or 'metric'})", header, rows))
    return blocks


def _lineage_section(card: ModelCard) -> list[_Block]:
    r = card.training_run
    if r is None:
        return [f"the execution that wrote model artifact {card.version.model_id}: {NOT_RECORDED}"]
    params = json.dumps(dict(r.parameters), sort_keys=True, default=str)
    return [
        _Fields(
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


def _history_section(card: ModelCard) -> list[_Block]:
    if not card.history:
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
        for t in card.history
    ]
    header = ["when", "action", "alias", "version", "previous", "by", "reason"]
    return [_Grid("", header, rows)]


def _md(text: str) -> str:
    """Text safe inside a Markdown line or table cell."""
    out = " ".join(text.split())
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _markdown_block(block: _Block) -> list[str]:
    if isinstance(block, str):
        return [_md(block)]
    if isinstance(block, _Fields):
        return [f"- **{_md(k)}**: {_md(v)}" for k, v in block.rows]
    lines = [f"**{_md(block.caption)}**", ""] if block.caption else []
    lines.append("| " + " | ".join(_md(h) for h in block.header) + " |")
    lines.append("|" + "|".join("---" for _ in block.header) + "|")
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
    return lines


def _html_block(block: _Block) -> str:
    esc = html.escape
    if isinstance(block, str):
        return f"<p>{esc(block)}</p>"
    if isinstance(block, _Fields):
        items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in block.rows)
        return f"<dl>{items}</dl>"
    caption = f"<caption>{esc(block.caption)}</caption>" if block.caption else ""
    head = "".join(f"<th>{esc(h)}</th>" for h in block.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}"
    "h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:1.6em}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}"
    "dd{margin:0;overflow-wrap:anywhere}table{border-collapse:collapse;margin:.8em 0}"
    "caption{text-align:left;font-weight:600;padding:.3em 0}"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left}th{background:#f3f3f3}"
)
