"""Finding the artifacts a reference names, whatever its form (``lineage`` and ``verify``).

The text is parsed by :mod:`driftline.core.refs`; each reading is then looked up where its thing
lives: a span in the data catalog, a model version in the registry, a run and an artifact in the
metadata store.

=========================================  =========================================================
reference                                  artifacts
=========================================  =========================================================
``#12``, ``artifact:12`` (``12``)          artifact 12 (bare digits: a warning to write ``#12``)
``elec2:3``, ``elec2``, ``elec2#3``        the ``span`` artifact of span 3 (the latest span)
``churn:1``, ``churn@champion``            the ``model_version`` artifact of that version
``churn``                                  model ``churn``'s latest version (or dataset ``churn``'s
                                           latest span)
a run id, ``run:PREFIX``, ``run:latest``   every artifact the run read or wrote, newest first
                                           (``lineage`` draws the newest: the run's last output)
any other text                             the newest artifact recorded with that name
                                           (``elec2#3/profile``)
=========================================  =========================================================

A text of several readings is tried in the order :attr:`Ref.kinds
<driftline.core.refs.Ref.kinds>` gives: a model version, a span, an artifact's recorded name,
then a run by prefix (a whole run id is tried first); the first that exists is meant.

**One name, two things.** ``NAME:N`` (and ``NAME``) reads as a model version first: when ``NAME``
is a registered model with that version, the version is meant, and when ``NAME`` is also a dataset
with that span a note names the span's ``#ID`` for the other reading. When the model has no such
version (or ``NAME`` is no model), the span is meant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from driftline.core.errors import InputError, NotFoundError
from driftline.core.refs import ALL_KINDS, Ref, RefKind, forms, parse_ref
from driftline.store.queries import ArtifactQuery
from driftline.store.records import Artifact, ContextRef

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.registry import ModelRegistry
    from driftline.store.metadata import MetadataStore

__all__ = ["ARTIFACT_KINDS", "Found", "Places", "find_artifacts"]

ARTIFACT_KINDS = ALL_KINDS - {RefKind.PATH}
"""What names artifacts: every form but a path (text with ``/`` is read as a recorded name)."""


@dataclass(frozen=True)
class Found:
    """The artifacts a reference names, and what to tell the user about how it was read.

    Attributes:
        ref: the parsed reference.
        artifacts: what it names, newest first (one, except for a run).
        notes: lines for stderr: the other reading of a name (a spelling kept one release is
            :attr:`Ref.note <driftline.core.refs.Ref.note>` of :attr:`ref`).

    """

    ref: Ref
    artifacts: tuple[Artifact, ...]
    notes: tuple[str, ...] = ()

    @property
    def artifact(self) -> Artifact:
        """The one artifact named (a run's newest, i.e. its last output)."""
        return self.artifacts[0]


@dataclass(frozen=True)
class Places:
    """Where each kind of thing is found: a workspace's stores and services.

    Attributes:
        metadata: artifacts and runs.
        registry: model versions.
        data: datasets and spans.
        workspace: the workspace, as errors name it.

    """

    metadata: MetadataStore
    registry: ModelRegistry
    data: DataCatalog
    workspace: str


def find_artifacts(ws: Places, text: str | int) -> Found:
    """The artifacts ``text`` names in ``ws`` (see the module docstring for the forms).

    Raises:
        InputError: ``text`` has none of the forms (listing them).
        NotFoundError: it names nothing here (naming it, what exists, and the forms).

    """
    ref = parse_ref(str(text), ARTIFACT_KINDS)
    notes: list[str] = []
    if ref.kind is RefKind.ARTIFACT:
        assert ref.artifact_id is not None
        return Found(ref, (ws.metadata.get_artifact(ref.artifact_id),), tuple(notes))
    misses: list[tuple[RefKind, InputError]] = []
    hits: list[tuple[RefKind, tuple[Artifact, ...]]] = []
    for kind in ref.kinds:
        if hits and kind is not RefKind.SPAN:  # a model version found: only a span may tie
            break
        try:
            found = _LOOKUPS[kind](ws, ref)
        except InputError as exc:  # not there, or a run prefix that several runs share
            misses.append((kind, exc))
            continue
        if found:
            hits.append((kind, found))
            if kind is not RefKind.MODEL:
                break
    if not hits:
        raise _nothing(ws, ref, misses)
    kind, artifacts = hits[0]
    if len(hits) > 1 and hits[1][0] is RefKind.SPAN:
        other = hits[1][1][0]
        notes.append(
            f"{ref.text!r} is read as model version {artifacts[0].name}; it is also span "
            f"{other.name} of dataset {ref.name}: write '#{other.id}' for the span"
        )
    return Found(ref, artifacts, tuple(notes))


def _model(ws: Places, ref: Ref) -> tuple[Artifact, ...]:
    assert ref.name is not None
    if ref.name not in ws.registry.models():
        return ()
    if ref.alias is not None:
        version = ws.registry.resolve(f"{ref.name}@{ref.alias}")
    else:
        version = ws.registry.version(ref.name, ref.number)
    return (ws.metadata.get_artifact(version.artifact_id),)


def _span(ws: Places, ref: Ref) -> tuple[Artifact, ...]:
    assert ref.name is not None
    if ref.name not in ws.data.datasets():
        return ()
    span = ws.data.span(ref.name, ref.number)
    return (ws.metadata.get_artifact(span.artifact_id),)


def _run(ws: Places, ref: Ref) -> tuple[Artifact, ...]:
    from driftline.pipeline.run_lookup import find_run

    assert ref.run is not None
    run = find_run(ws.metadata, ref.run)
    found = ws.metadata.artifacts(ArtifactQuery(context=ContextRef("run", run.name)))
    if not found:
        raise NotFoundError(f"run {run.name} recorded no artifacts (see `driftline runs show`)")
    return tuple(found)


def _named(ws: Places, ref: Ref) -> tuple[Artifact, ...]:
    return tuple(ws.metadata.artifacts(ArtifactQuery(name=ref.text, limit=1)))


_LOOKUPS: dict[RefKind, Callable[[Places, Ref], tuple[Artifact, ...]]] = {
    RefKind.MODEL: _model,
    RefKind.SPAN: _span,
    RefKind.RUN: _run,
    RefKind.NAME: _named,
}


def _nothing(ws: Places, ref: Ref, misses: list[tuple[RefKind, InputError]]) -> InputError:
    """The error for a reference that names nothing: the most telling miss, else a summary.

    A model without that version, or a dataset without that span, tells most; a run miss tells
    when the text has the form of a run id, or when several runs share the prefix.
    """
    for kind, miss in misses:
        if kind in (RefKind.MODEL, RefKind.SPAN) or kind is ref.kind:
            return miss
        if not isinstance(miss, NotFoundError):
            return miss
    models = ", ".join(ws.registry.models()) or "none"
    datasets = ", ".join(ws.data.datasets()) or "none"
    return NotFoundError(
        f"{ref.text!r} names no model version, span, run or artifact in workspace "
        f"{ws.workspace} (models: {models}; datasets: {datasets}); a reference is "
        f"{forms(ARTIFACT_KINDS)}"
    )
