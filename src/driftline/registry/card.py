"""Model cards: what the workspace recorded about one registered version, in one document.

A :class:`ModelCard` holds the pieces (:mod:`~driftline.registry.card_parts`) that
:func:`~driftline.registry.card_facts.model_card` gathers from the workspace (exported as
``driftline.registry.model_card``), and writes itself as JSON (:meth:`ModelCard.to_dict`,
:meth:`ModelCard.to_json`), Markdown (:mod:`~driftline.registry.card_markdown`) or one
self-contained HTML page (:mod:`~driftline.registry.card_html`); Markdown and HTML say the same,
as both write out :meth:`ModelCard.sections`.

Nothing is inferred or filled in: a piece that was not recorded is ``None`` (or empty) in
:meth:`ModelCard.to_dict` and reads "not recorded" in the Markdown and HTML.

Examples:
    >>> from datetime import datetime, timezone
    >>> from driftline.registry.versions import ModelVersion
    >>> version = ModelVersion(name="churn", number=1, artifact_id=10, model_id=9,
    ...     uri="file:///m.tar.gz", sha256="0" * 64, flavor=None, metrics={},
    ...     evaluation_id=None, profile_id=None, description="", registered_by="ana",
    ...     reason="by hand", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> card = ModelCard(version, None, (), None, None, None, ())
    >>> card.ref, card.to_dict()["evaluation"], card.to_markdown().splitlines()[0]
    ('churn:1', None, '# Model card: churn:1')

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from driftline.registry.card_html import html
from driftline.registry.card_markdown import markdown
from driftline.registry.card_parts import (
    NOT_RECORDED,
    ColumnSummary,
    EvaluationSummary,
    TrainingProfile,
    TrainingRun,
    TrainingSpan,
)
from driftline.registry.card_sections import (
    Section,
    evaluation_section,
    history_section,
    lineage_section,
    model_section,
    run_metrics_section,
    signature_section,
    training_section,
)
from driftline.registry.versions import ModelVersion, Transition

if TYPE_CHECKING:
    from driftline.models.signature import ModelSignature

__all__ = [
    "NOT_RECORDED",
    "ColumnSummary",
    "EvaluationSummary",
    "ModelCard",
    "TrainingProfile",
    "TrainingRun",
    "TrainingSpan",
]


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

    def sections(self) -> list[Section]:
        """The card as titled sections of blocks, what both Markdown and HTML write out."""
        problem = self.problems.get
        return [
            Section("Model", model_section(self.version)),
            Section("Signature", signature_section(self.signature, problem("signature"))),
            Section(
                "Training data",
                training_section(
                    self.training_spans, self.time_range, self.profile, problem("profile")
                ),
            ),
            Section("Evaluation", evaluation_section(self.evaluation, problem("evaluation"))),
            Section("Lineage", lineage_section(self.training_run, self.version.model_id)),
            Section("Training run metrics", run_metrics_section(self.training_run)),
            Section("Alias history", history_section(self.history)),
        ]

    def to_markdown(self) -> str:
        """The card as Markdown."""
        return markdown(f"Model card: {self.ref}", self.sections())

    def to_html(self) -> str:
        """The card as one self-contained HTML page (no scripts, no external files)."""
        return html(f"Model card: {self.ref}", self.sections())
