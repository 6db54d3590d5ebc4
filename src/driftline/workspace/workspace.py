"""The workspace: where one deployment keeps its state (a metadata database and an artifact store).

A workspace is a folder holding ``driftline.toml``. By default it also holds the SQLite metadata
database and the artifact folder; its settings can point both elsewhere (PostgreSQL, S3).

Examples:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with Workspace.init(pathlib.Path(tmp) / "ws") as ws:
    ...         stored = ws.artifacts.put_bytes("notes/hello.txt", b"hello")
    ...         a = ws.metadata.put_artifact(ws.new_artifact("file", stored, name="hello"))
    ...         ws.status().counts.artifacts["file"]
    1

"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.core.clock import Clock, SystemClock
from driftline.core.closing import Closing
from driftline.core.errors import (
    ArtifactCorruptError,
    ArtifactNotFoundError,
    WorkspaceExistsError,
    WorkspaceNotFoundError,
)
from driftline.core.settings import DEFAULT_WORKSPACE, SETTINGS_FILE, Settings
from driftline.core.urls import redact_url
from driftline.store.records import (
    Artifact,
    LineageDirection,
    LineageGraph,
    NewArtifact,
)
from driftline.workspace.reports import VerifyResult, WorkspaceStatus

if TYPE_CHECKING:
    from driftline.data.anomalies import ValidationReport
    from driftline.data.catalog import DataCatalog
    from driftline.data.profile import Profile
    from driftline.data.readers import ProgressFn
    from driftline.data.schema import Schema
    from driftline.data.spans import Span
    from driftline.drift import DriftReport
    from driftline.pipeline import Pipeline, RunResult
    from driftline.store.artifacts import ArtifactStore, StoredObject
    from driftline.store.metadata import MetadataStore

__all__ = ["Workspace"]


def _settings_text(metadata_url: str | None, artifacts_url: str | None) -> str:
    lines = [
        "# driftline workspace settings; see `driftline --help` and docs/workspace.md",
        "[store]",
    ]
    if metadata_url:
        lines.append(f"metadata = {_toml_string(metadata_url)}")
    else:
        lines.append('# metadata = "postgresql+psycopg://user:password@host:5432/driftline"')
    if artifacts_url:
        lines.append(f"artifacts = {_toml_string(artifacts_url)}")
    else:
        lines.append('# artifacts = "s3://bucket/prefix"')
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class Workspace(Closing):
    """An open workspace: its settings, its metadata store and its artifact store.

    Open one with :meth:`open` (an existing workspace) or :meth:`init` (a new one); close it with
    :meth:`close` or a ``with`` block.
    """

    def __init__(
        self, settings: Settings, metadata: MetadataStore, artifacts: ArtifactStore
    ) -> None:
        self.settings = settings
        self.metadata = metadata
        self.artifacts = artifacts

    @classmethod
    def init(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        metadata_url: str | None = None,
        artifacts_url: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> Workspace:
        """Create a workspace in ``path`` (default ``./.driftline``) and open it.

        Raises:
            WorkspaceExistsError: ``path`` already holds a workspace (nothing is changed).
            URLError, ServiceError: a store URL is malformed or its service cannot be reached;
                whatever this call created is removed again.

        """
        folder = Path(path if path is not None else DEFAULT_WORKSPACE).expanduser().absolute()
        marker = folder / SETTINGS_FILE
        if marker.exists():
            raise WorkspaceExistsError(
                f"{folder} already holds a driftline workspace ({SETTINGS_FILE} exists); "
                "nothing was changed"
            )
        if folder.exists() and not folder.is_dir():
            raise WorkspaceExistsError(f"{folder} exists and is not a folder")
        created_folder = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        created: list[Path] = []
        try:
            settings = Settings.defaults(folder)
            settings = Settings(
                workspace=folder,
                metadata_url=metadata_url or settings.metadata_url,
                artifacts_url=artifacts_url or settings.artifacts_url,
                sources=settings.sources,
            )
            if settings.metadata_url.startswith("sqlite:///") and not metadata_url:
                created.append(folder / "metadata.db")
            ws = cls._connect(settings, create=True, storage_options=storage_options, clock=clock)
            tmp = marker.with_suffix(".toml.tmp")
            tmp.write_text(_settings_text(metadata_url, artifacts_url), encoding="utf-8")
            os.replace(tmp, marker)
            return ws
        except BaseException:
            if created_folder:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                for leftover in created:
                    for suffix in ("", "-wal", "-shm"):
                        Path(str(leftover) + suffix).unlink(missing_ok=True)
            raise

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        storage_options: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> Workspace:
        """Open an existing workspace.

        Args:
            path: the workspace folder; else ``DRIFTLINE_WORKSPACE`` in ``env``; else
                ``.driftline``.
            env: environment variables to read settings from (the CLI passes ``os.environ``).
            storage_options: passed to the artifact store (e.g. an S3 endpoint).
            clock: the clock the stores use.

        Raises:
            WorkspaceNotFoundError: the folder is not a workspace.
            SchemaVersionError: the workspace was written by a newer driftline.

        """
        settings = Settings.load(path, env=env)
        if not (settings.workspace / SETTINGS_FILE).is_file():
            raise WorkspaceNotFoundError(
                f"{settings.workspace} is not a driftline workspace (no {SETTINGS_FILE}); "
                f"create one with `driftline init {settings.workspace}`"
            )
        return cls._connect(settings, create=False, storage_options=storage_options, clock=clock)

    @classmethod
    def _connect(
        cls,
        settings: Settings,
        *,
        create: bool,
        storage_options: Mapping[str, Any] | None,
        clock: Clock | None,
    ) -> Workspace:
        from driftline.store.artifacts import ArtifactStore
        from driftline.store.metadata import open_metadata_store

        artifacts = ArtifactStore(settings.artifacts_url, storage_options=storage_options)
        metadata = open_metadata_store(
            settings.metadata_url, create=create, clock=clock or SystemClock()
        )
        try:
            if create:
                artifacts.create()
        except BaseException:
            metadata.close()
            artifacts.close()
            raise
        return cls(settings, metadata, artifacts)

    @staticmethod
    def new_artifact(
        kind: str,
        stored: StoredObject,
        *,
        name: str | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> NewArtifact:
        """Describe an object written to the artifact store, ready to be recorded."""
        return NewArtifact(
            kind=kind,
            uri=stored.uri,
            sha256=stored.sha256,
            size=stored.size,
            name=name,
            properties=dict(properties or {}),
        )

    def find_artifact(self, ref: str | int) -> Artifact:
        """The artifact named by an id (``42``), or by a name (the newest artifact with it).

        Raises:
            ArtifactNotFoundError: naming the reference and the workspace.

        """
        from driftline.store.queries import ArtifactQuery

        text = str(ref).strip()
        if text.isdigit():
            return self.metadata.get_artifact(int(text))
        found = self.metadata.artifacts(ArtifactQuery(name=text, limit=1))
        if not found:
            raise ArtifactNotFoundError(
                f"no artifact with id or name {text!r} in workspace {self.settings.workspace}"
            )
        return found[0]

    def lineage(
        self,
        ref: str | int,
        direction: LineageDirection = LineageDirection.BOTH,
        depth: int | None = None,
    ) -> LineageGraph:
        """The lineage graph around an artifact (by id or name), to ``depth`` hops (all if None)."""
        return self.metadata.lineage(self.find_artifact(ref).id, direction=direction, depth=depth)

    def verify(self, refs: list[str] | None = None) -> VerifyResult:
        """Check artifacts' bytes against their recorded SHA-256 (all LIVE artifacts if None).

        Raises:
            ArtifactNotFoundError: a reference names no artifact.

        """
        from driftline.store.queries import ArtifactQuery
        from driftline.store.records import ArtifactState

        if refs is None:
            targets = self.metadata.artifacts(
                ArtifactQuery(states=frozenset({ArtifactState.LIVE}), ascending=True)
            )
        else:
            targets = [self.find_artifact(ref) for ref in refs]
        failures: list[tuple[int, str]] = []
        for artifact in targets:
            label = f"artifact {artifact.id} ({artifact.kind} {artifact.name or artifact.uri})"
            try:
                self.artifacts.verify(artifact.uri, artifact.sha256, label=label)
            except (ArtifactCorruptError, ArtifactNotFoundError) as exc:
                failures.append((artifact.id, str(exc)))
        return VerifyResult(checked=len(targets), failures=tuple(failures))

    def status(self, last: int = 5) -> WorkspaceStatus:
        """What the workspace holds."""
        return WorkspaceStatus(
            workspace=str(self.settings.workspace),
            metadata_url=redact_url(self.settings.metadata_url),
            artifacts_url=redact_url(self.settings.artifacts_url),
            schema_version=self.metadata.schema_version(),
            counts=self.metadata.counts(last=last),
            temp_files=len(self.artifacts.temp_files()),
        )

    # -- data: each method delegates to driftline.data.catalog.DataCatalog ----------------------

    @property
    def data(self) -> DataCatalog:
        """Datasets, spans, profiles, schemas, validations: :mod:`driftline.data.catalog`."""
        from driftline.data.catalog import DataCatalog

        return DataCatalog(self.metadata, self.artifacts)

    def ingest(
        self,
        dataset: str,
        source: Any,
        *,
        label: str | None = None,
        key: str | None = None,
        time: str | None = None,
        eval_fraction: float = 0.2,
        format: str | None = None,
        encoding: str = "utf-8",
        column_types: Mapping[str, str] | None = None,
        progress: ProgressFn | None = None,
    ) -> Span:
        """Ingest ``source`` (files, a folder, a glob, a table) as the next span of ``dataset``.

        See :func:`driftline.data.ingest.ingest` for the arguments and errors.
        """
        return self.data.ingest(
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

    def spans(self, dataset: str) -> list[Span]:
        """The spans of ``dataset``, by number."""
        return self.data.spans(dataset)

    def span(self, dataset: str, number: int | None = None) -> Span:
        """Span ``number`` of ``dataset`` (the latest when ``None``)."""
        return self.data.span(dataset, number)

    def read_span(self, span: Span, part: str = "train") -> Any:
        """The rows (a ``pyarrow.Table``) of a span's ``"train"``, ``"eval"`` or ``"all"`` part."""
        return self.data.read_span(span, part)

    def span_profile(self, span: Span) -> Profile:
        """The stored profile of a span."""
        return self.data.span_profile(span)

    def load_profile(self, ref: str | Span) -> Profile:
        """The profile ``DATASET``, ``DATASET:N``, an artifact id or a file names (in that order).

        See :meth:`driftline.data.catalog.DataCatalog.load_profile`.
        """
        return self.data.load_profile(ref)

    def infer_schema(self, dataset: str, span: int | None = None) -> Schema:
        """Infer ``dataset``'s schema from a span (the latest by default) and store it."""
        return self.data.infer_schema(dataset, span)

    def schema(self, dataset: str) -> Schema:
        """The current schema of ``dataset``."""
        return self.data.schema(dataset)

    def validate(self, dataset: str, ref: str | Span, *, record: bool = True) -> ValidationReport:
        """Validate a span or a file against ``dataset``'s schema (recorded for a span)."""
        return self.data.validate(dataset, ref, record=record)

    def drift(
        self,
        reference: str | Span,
        current: str | Span,
        *,
        record: bool = True,
        **options: Any,
    ) -> DriftReport:
        """Drift of ``current`` against ``reference``, from their profiles alone.

        Both are references as :meth:`load_profile` takes them (``DATASET``, ``DATASET:N``, a
        :class:`Span`, an artifact id, a file). ``options`` go to :func:`driftline.drift.compare`
        (``methods``, ``thresholds``, ``correction``, ``drift_share``, ``columns``, ``bins``).
        When both sides are stored profiles and ``record`` is true, the report is stored as a
        ``drift_report`` artifact with its lineage.
        """
        from driftline.workspace.drifting import run_drift

        report, _ = run_drift(self.data, reference, current, record=record, options=options)
        return report

    def run(
        self,
        pipeline: Pipeline,
        *,
        params: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        runner: str | None = None,
        resume: str | None = None,
    ) -> RunResult:
        """Run a pipeline in this workspace (see :func:`driftline.pipeline.run_pipeline`)."""
        from driftline.pipeline import run_pipeline

        return run_pipeline(
            self, pipeline, params=params, inputs=inputs, runner=runner, resume=resume
        )

    def close(self) -> None:
        """Release the database connections and the artifact store's sessions."""
        try:
            self.metadata.close()
        finally:
            self.artifacts.close()
