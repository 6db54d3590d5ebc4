r"""The data catalog of a workspace: datasets, spans, profiles, schemas and validations.

:class:`DataCatalog` holds the two stores; the workspace's data methods (``ws.ingest``,
``ws.spans``, ``ws.load_profile``...) delegate to it.

Profile references (:meth:`DataCatalog.load_profile`, used by ``driftline profile``,
``driftline validate`` and ``driftline drift``), tried in this order:

1. ``DATASET`` — the profile of the dataset's latest span; ``DATASET:N`` — of span N;
2. a whole number — the artifact with that id: a ``profile``, or a ``span`` (its profile);
3. a path to a file — a saved profile (``driftline profile ... --save FILE``) is loaded; a CSV,
   Parquet or Arrow file (or folder, or glob) is profiled on the fly.

Examples:
    >>> import pathlib, tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = pathlib.Path(tmp) / "a.csv"
    ...     _ = csv.write_text("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(50)))
    ...     with open_metadata_store("sqlite://", create=True) as meta:
    ...         data = DataCatalog(meta, ArtifactStore(f"{tmp}/art").create())
    ...         span = data.ingest("demo", str(csv))
    ...         rows = data.read_span(span, "all").num_rows
    ...         profile = data.load_profile("demo:1")
    ...         schema = data.infer_schema("demo")
    ...         report = data.validate("demo", str(csv))
    >>> rows, profile.num_rows, schema.column("y").domain, report.blocking
    (50, 50, (0, 1, 2), False)

"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.data._codec import MAGIC
from driftline.data.anomalies import ValidationReport
from driftline.data.ingest import ingest, next_span_number
from driftline.data.profile import Profile
from driftline.data.profiling import profile_table
from driftline.data.readers import ProgressFn, ReadOptions, SourceFormat, find_files, read_batches
from driftline.data.schema import MAX_DOMAIN, Schema, infer_schema
from driftline.data.spans import (
    Span,
    SpanPart,
    check_dataset,
    dataset_context,
    parse_span_ref,
    read_span_file,
)
from driftline.data.validate import validate
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import Artifact, ContextRef, NewArtifact, NewExecution

__all__ = ["DataCatalog", "profile_source"]


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


class DataCatalog:
    """Datasets, spans, profiles, schemas and validations kept in a metadata and artifact store.

    Args:
        metadata: where executions and artifacts are recorded.
        artifacts: where span files, profiles, schemas and anomaly reports are written.

    """

    def __init__(self, metadata: MetadataStore, artifacts: ArtifactStore) -> None:
        self.metadata = metadata
        self.artifacts = artifacts

    # -- spans --------------------------------------------------------------------------------

    def ingest(
        self,
        dataset: str,
        source: Any,
        *,
        label: str | None = None,
        key: str | None = None,
        time: str | None = None,
        eval_fraction: float = 0.2,
        format: SourceFormat | str | None = None,
        encoding: str = "utf-8",
        column_types: Mapping[str, str] | None = None,
        progress: ProgressFn | None = None,
    ) -> Span:
        """Ingest ``source`` as the next span of ``dataset``; see :func:`~.ingest.ingest`."""
        return ingest(
            self.metadata,
            self.artifacts,
            dataset,
            source,
            label=label,
            key=key,
            time=time,
            eval_fraction=eval_fraction,
            format=format,
            encoding=encoding,
            column_types=column_types,
            progress=progress,
        )

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

    def _artifact_profile(self, artifact: Artifact) -> Profile:
        if artifact.kind == "span":
            number = artifact.properties.get("number")
            return self.span_profile(self.span(str(artifact.properties["dataset"]), number))
        if artifact.kind != "profile":
            raise InputError(f"artifact {artifact.id} is a {artifact.kind}, not a profile or span")
        label = f"profile artifact {artifact.id}"
        return Profile.from_bytes(
            self.artifacts.read_bytes(artifact.uri, artifact.sha256, label=label)
        )

    def load_profile(self, ref: str | Span) -> Profile:
        """The profile a reference names (see the module docstring for the forms, in order).

        Raises:
            NotFoundError: ``ref`` names no dataset, artifact or file (listing the datasets).

        """
        if isinstance(ref, Span):
            return self.span_profile(ref)
        text = str(ref).strip()
        parsed = parse_span_ref(text)
        if parsed is not None and parsed[0] in self.datasets():
            return self.span_profile(self.span(*parsed))
        if text.isdigit():
            return self._artifact_profile(self.metadata.get_artifact(int(text)))
        if Path(text).exists() or any(ch in text for ch in "*?["):
            return profile_source(text)
        known = ", ".join(self.datasets()) or "none"
        raise NotFoundError(
            f"{text!r} is not a dataset with spans (DATASET or DATASET:N), an artifact id or an "
            f"existing file (datasets: {known})"
        )

    # -- schemas ------------------------------------------------------------------------------

    def schema_artifact(self, dataset: str) -> Artifact | None:
        """The artifact of ``dataset``'s current schema (``None`` when it has none)."""
        query = ArtifactQuery(kind="schema", context=dataset_context(dataset))
        found = self.metadata.artifacts(query)
        return max(found, key=lambda a: int(a.properties.get("version", 0)), default=None)

    def schema_version(self, dataset: str) -> int:
        """The version of ``dataset``'s current schema (0 when it has none)."""
        found = self.schema_artifact(check_dataset(dataset))
        return int(found.properties.get("version", 0)) if found is not None else 0

    def schema(self, dataset: str) -> Schema:
        """The current (newest) schema of ``dataset``.

        Raises:
            NotFoundError: the dataset has no schema yet (says how to infer one).

        """
        found = self.schema_artifact(check_dataset(dataset))
        if found is None:
            raise NotFoundError(
                f"dataset {dataset!r} has no schema; infer one with "
                f"`driftline schema infer {dataset}`"
            )
        text = self.artifacts.read_bytes(found.uri, found.sha256, label=f"schema of {dataset}")
        return Schema.from_toml(text.decode("utf-8"), where=f"schema {found.name}")

    def save_schema(
        self,
        dataset: str,
        schema: Schema,
        *,
        kind: str = "schema_set",
        inputs: Mapping[str, int] | None = None,
    ) -> int:
        """Store ``schema`` as the next version of ``dataset``'s schema; return the version.

        Raises:
            InputError: the schema is of another dataset.

        """
        if schema.dataset != check_dataset(dataset):
            raise InputError(
                f"the schema is of dataset {schema.dataset!r}, not {dataset!r}; change its "
                "`dataset` key"
            )
        text = schema.to_toml().encode("utf-8")
        stored = self.artifacts.put_bytes(self.artifacts.new_key("schema", f"{dataset}.toml"), text)
        for _ in range(1000):
            version = self.schema_version(dataset) + 1
            artifact = NewArtifact(
                "schema",
                stored.uri,
                stored.sha256,
                stored.size,
                name=f"{dataset}/schema",
                properties={"dataset": dataset, "version": version, "label": schema.label},
            )
            try:
                self.metadata.record_execution(
                    NewExecution(kind, parameters={"dataset": dataset, "version": version}),
                    inputs=dict(inputs or {}),
                    outputs={"schema": artifact},
                    contexts=[dataset_context(dataset)],
                    new_contexts=[ContextRef("schema", f"{dataset}@{version}")],
                )
            except ConflictError:
                continue
            return version
        raise ConflictError(f"could not number a new schema version of {dataset!r}")

    def infer_schema(
        self, dataset: str, span: int | None = None, *, max_domain: int = MAX_DOMAIN
    ) -> Schema:
        """Infer a schema from a span's profile (the latest by default) and store it.

        The span's ``--time`` and ``--key`` columns are index columns (see :func:`infer_schema`).

        Raises:
            NotFoundError: the dataset has no spans, or not that one.

        """
        chosen = self.span(dataset, span)
        schema = infer_schema(
            self.span_profile(chosen),
            dataset=dataset,
            label=chosen.label,
            max_domain=max_domain,
            index=(chosen.time, chosen.key),
        )
        self.save_schema(
            dataset, schema, kind="schema_infer", inputs={"profile": chosen.profile_id}
        )
        return schema

    # -- validation ---------------------------------------------------------------------------

    def validate(self, dataset: str, ref: str | Span, *, record: bool = True) -> ValidationReport:
        """Validate a span or a file (a profile reference) against ``dataset``'s schema.

        A span of this workspace is recorded as a ``validate`` execution (inputs: the span, its
        profile and the schema; output: the ``anomalies`` JSON artifact) unless ``record`` is
        false. The report says whether it is :attr:`~ValidationReport.blocking`; this method
        does not raise for that (:meth:`ValidationReport.raise_for_blocking` does).

        Raises:
            NotFoundError: no schema, or ``ref`` names nothing.

        """
        schema = self.schema(dataset)
        version = self.schema_version(dataset)
        span = ref if isinstance(ref, Span) else self._as_span(dataset, str(ref))
        profile = self.span_profile(span) if span else self.load_profile(str(ref))
        subject = span.ref if span else str(ref)
        report = ValidationReport(
            dataset, subject, tuple(validate(profile, schema)), profile.num_rows, version
        )
        if span is not None and record:
            self._record_validation(span, report)
        return report

    def _as_span(self, dataset: str, ref: str) -> Span | None:
        text = ref.strip()
        if text.isdigit() and not Path(text).exists():
            return self.span(dataset, int(text))
        parsed = parse_span_ref(text)
        if parsed is not None and parsed[0] in self.datasets():
            return self.span(*parsed)
        return None

    def _record_validation(self, span: Span, report: ValidationReport) -> None:
        schema = self.schema_artifact(report.dataset)
        data = report.to_json()
        key = self.artifacts.new_key("anomalies", f"{span.dataset}.json")
        stored = self.artifacts.put_bytes(key, data)
        summary = {
            "dataset": span.dataset,
            "span": span.number,
            "blocking": report.blocking,
            "errors": len(report.errors),
            "anomalies": len(report.anomalies),
        }
        inputs = {"span": span.artifact_id, "profile": span.profile_id}
        if schema is not None:
            inputs["schema"] = schema.id
        self.metadata.record_execution(
            NewExecution(
                "validate",
                parameters={
                    "dataset": span.dataset,
                    "span": span.number,
                    "schema_version": report.schema_version,
                },
                properties=summary,
            ),
            inputs=inputs,
            outputs={
                "anomalies": NewArtifact(
                    "anomalies",
                    stored.uri,
                    stored.sha256,
                    stored.size,
                    name=f"{span.name}/anomalies",
                    properties=summary,
                )
            },
            contexts=[dataset_context(span.dataset), ContextRef("span", span.name)],
        )
