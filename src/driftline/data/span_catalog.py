"""Spans and their profiles in a workspace's stores, and the one resolver of references.

:class:`SpanCatalog` ingests, lists and reads spans, and resolves a reference (see
:mod:`driftline.data.refs` for the forms) to what it names: every command and method that takes
a reference goes through :meth:`SpanCatalog.resolve`. :class:`~driftline.data.catalog.DataCatalog`
adds schemas and validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Unpack

from driftline.core.errors import InputError, NotFoundError
from driftline.data._codec import MAGIC
from driftline.data.ingest import ingest, next_span_number
from driftline.data.ingest_options import IngestFields, IngestOptions
from driftline.data.profile import Profile
from driftline.data.profiling import profile_table
from driftline.data.readers import find_files, read_batches
from driftline.data.refs import FORMS, Reference, RefKind, Resolved, parse_reference
from driftline.data.sources import ProgressFn, ReadOptions, SourceFormat
from driftline.data.spans import Span, SpanPart, check_dataset, dataset_context, read_span_file
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import Artifact
from driftline.store.stores import HasStores, Stores

__all__ = ["SpanCatalog", "profile_source"]


def profile_source(
    source: Any, *, format: SourceFormat | str | None = None, encoding: str = "utf-8"
) -> Profile:
    """The profile of a saved profile file, or of a data source profiled on the fly.

    Raises:
        SourceError: the source cannot be read (naming the file).
        FormatError: a profile file that is corrupt.

    """
    if isinstance(source, str | Path) and Path(source).is_file():
        with open(source, "rb") as f:
            if f.read(len(MAGIC)) == MAGIC:
                return Profile.from_bytes(Path(source).read_bytes())
    options = ReadOptions(format=SourceFormat(format) if format else None, encoding=encoding)
    return profile_table(read_batches(find_files(source, options.format), options))


class SpanCatalog:
    """Datasets, their spans and the spans' profiles; references resolved to them.

    Args:
        stores: the metadata and artifact stores (a :class:`~driftline.store.stores.Stores`, a
            workspace, a step's context). ``SpanCatalog(metadata, artifacts)`` works too.

    """

    def __init__(
        self, stores: HasStores | MetadataStore, artifacts: ArtifactStore | None = None
    ) -> None:
        self.stores = Stores.of(stores, artifacts)
        self.metadata = self.stores.metadata
        self.artifacts = self.stores.artifacts

    def ingest(
        self,
        dataset: str,
        source: Any,
        options: IngestOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        **fields: Unpack[IngestFields],
    ) -> Span:
        """Ingest ``source`` as the next span of ``dataset``; see :func:`~.ingest.ingest`.

        ``fields`` (``label="y"``...) change single options of ``options``.
        """
        chosen = (options if options is not None else IngestOptions()).with_fields(**fields)
        return ingest(self.stores, dataset, source, chosen, progress=progress)

    def datasets(self) -> list[str]:
        """The names of the datasets, sorted."""
        return sorted(c.name for c in self.metadata.contexts(ContextQuery(kind="dataset")))

    def spans(self, dataset: str) -> list[Span]:
        """The spans of ``dataset``, by number (empty for an unknown dataset)."""
        ctx = dataset_context(dataset)
        spans = self.metadata.artifacts(ArtifactQuery(kind="span", context=ctx))
        profiles = {
            (p.properties.get("span"), p.name): p
            for p in self.metadata.artifacts(ArtifactQuery(kind="profile", context=ctx))
        }
        out = []
        for s in spans:
            profile = profiles.get((s.properties.get("number"), f"{s.name}/profile"))
            if profile is not None:
                out.append(Span.from_artifacts(s, profile))
        return sorted(out, key=lambda s: s.number)

    def span(self, dataset: str, number: int | None = None) -> Span:
        """Span ``number`` of ``dataset`` (the latest when ``None``).

        Raises:
            NotFoundError: the dataset has no spans, or not that one (listing the numbers).

        """
        spans = self.spans(check_dataset(dataset))
        if not spans:
            known = ", ".join(self.datasets()) or "none"
            raise NotFoundError(f"dataset {dataset!r} has no spans (datasets: {known})")
        if number is None:
            return spans[-1]
        for s in spans:
            if s.number == number:
                return s
        raise NotFoundError(
            f"dataset {dataset!r} has no span {number}; it has spans 1 to {spans[-1].number}"
        )

    def ingested_sha256(self, dataset: str) -> set[str]:
        """The SHA-256 of every file a span of ``dataset`` was ingested from."""
        query = ExecutionQuery(kind="ingest", context=dataset_context(check_dataset(dataset)))
        return {
            str(source["sha256"])
            for execution in self.metadata.executions(query)
            for source in execution.parameters.get("sources", [])
            if "sha256" in source
        }

    def next_number(self, dataset: str) -> int:
        """The number the next span of ``dataset`` would get."""
        return next_span_number(self.metadata, check_dataset(dataset))

    def read_span(self, span: Span, part: SpanPart | str = SpanPart.TRAIN) -> Any:
        """The rows of one part of a span (``"train"``, ``"eval"`` or ``"all"``), in source order.

        The file's SHA-256 is checked first. Returns a ``pyarrow.Table`` without the split column.

        Raises:
            InputError: an unknown part.
            ArtifactCorruptError, ArtifactNotFoundError: the stored file is damaged or gone.

        """
        return read_span_file(self.artifacts, span, part)

    def span_profile(self, span: Span) -> Profile:
        """The stored profile of all the span's rows (its SHA-256 checked)."""
        label = f"profile of span {span.name}"
        return Profile.from_bytes(
            self.artifacts.read_bytes(span.profile_uri, span.profile_sha256, label=label)
        )

    # -- references ---------------------------------------------------------------------------

    def resolve(self, ref: str | Span | Reference) -> Resolved:
        """What a reference names here (see :mod:`driftline.data.refs` for the forms).

        A path is not opened here; :meth:`load_profile` reads it.

        Raises:
            InputError: ``ref`` has none of the forms, or names an artifact that is neither a
                span nor a profile.
            NotFoundError: no such dataset, span or artifact (listing what exists).

        """
        if isinstance(ref, Span):
            return Resolved(Reference(ref.ref, RefKind.SPAN, ref.dataset, ref.number), span=ref)
        parsed = ref if isinstance(ref, Reference) else parse_reference(ref)
        if parsed.kind is RefKind.FILE:
            return Resolved(parsed)
        if parsed.kind is RefKind.ARTIFACT:
            assert parsed.artifact_id is not None
            artifact = self.metadata.get_artifact(parsed.artifact_id)
            if artifact.kind == "span":
                number = artifact.properties.get("number")
                span = self.span(str(artifact.properties["dataset"]), number)
                return Resolved(parsed, span=span)
            if artifact.kind != "profile":
                raise InputError(
                    f"{parsed.text!r} names artifact {artifact.id}, a {artifact.kind}, not a span "
                    f"or a profile; use {FORMS}"
                )
            return Resolved(parsed, profile=artifact)
        assert parsed.dataset is not None
        if parsed.dataset not in self.datasets():
            known = ", ".join(self.datasets()) or "none"
            raise NotFoundError(
                f"{parsed.text!r} names no dataset with spans (datasets: {known}); a reference "
                f"is {FORMS}"
            )
        return Resolved(parsed, span=self.span(parsed.dataset, parsed.number))

    def load_profile(self, ref: str | Span | Reference | Resolved) -> Profile:
        """The profile a reference names (a span's, a stored profile, or a file's).

        Raises:
            InputError, NotFoundError: as :meth:`resolve`.
            SourceError: a path that cannot be read (naming the file).

        """
        found = ref if isinstance(ref, Resolved) else self.resolve(ref)
        if found.span is not None:
            return self.span_profile(found.span)
        if found.profile is not None:
            return self._stored_profile(found.profile)
        return profile_source(found.text)

    def _stored_profile(self, artifact: Artifact) -> Profile:
        label = f"profile artifact {artifact.id}"
        return Profile.from_bytes(
            self.artifacts.read_bytes(artifact.uri, artifact.sha256, label=label)
        )
