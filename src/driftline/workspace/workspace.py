"""The workspace: where one deployment keeps its state (a metadata database and an artifact store).

A workspace is a folder holding ``driftline.toml``. By default it also holds the SQLite metadata
database and the artifact folder; its settings can point both elsewhere (PostgreSQL, S3). Its
services (``ws.data``, ``ws.registry``, ``ws.rollouts``, ``ws.monitor``) are in
:mod:`driftline.workspace.services`; the shortcuts here (``ws.ingest``, ``ws.drift``...) call them.

Examples:
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with Workspace.init(pathlib.Path(tmp) / "ws") as ws:
    ...         stored = ws.artifacts.put_bytes("notes/hello.txt", b"hello")
    ...         a = ws.metadata.put_artifact(ws.new_artifact("file", stored, name="hello"))
    ...         count = ws.status().counts.artifacts["file"]
    ...         same = ws.registry is ws.registry and ws.data.metadata is ws.metadata
    >>> count, same
    (1, True)

"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from driftline.core.clock import Clock, SystemClock
from driftline.core.errors import WorkspaceExistsError, WorkspaceNotFoundError
from driftline.core.settings import DEFAULT_WORKSPACE, SETTINGS_FILE, Settings, portable_url
from driftline.workspace.services import WorkspaceServices

if TYPE_CHECKING:
    from driftline.data.anomalies import ValidationReport
    from driftline.data.ingest_options import IngestFields, IngestOptions
    from driftline.data.profile import Profile
    from driftline.data.schema import Schema
    from driftline.data.sources import ProgressFn
    from driftline.data.spans import Span
    from driftline.drift import DriftReport
    from driftline.drift.options import DriftOptions
    from driftline.pipeline import Pipeline, RunResult
    from driftline.policy.model import Policy

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


class Workspace(WorkspaceServices):
    """An open workspace: its settings, its two stores and the services over them.

    Open one with :meth:`open` (an existing workspace) or :meth:`init` (a new one); close it with
    :meth:`close` or a ``with`` block. The services: :attr:`data`, :attr:`registry`,
    :attr:`rollouts`, :attr:`monitor` (see :mod:`driftline.workspace.services`).
    """

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

        A relative ``artifacts_url`` folder or ``sqlite:///`` file is read from the current
        folder; one inside the workspace folder is recorded in ``driftline.toml`` relative to it,
        so that the workspace can be moved or copied.

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
            text = _settings_text(
                metadata_url and portable_url(metadata_url, folder),
                artifacts_url and portable_url(artifacts_url, folder),
            )
            tmp.write_text(text, encoding="utf-8")
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

        With ``DRIFTLINE_METADATA_URL`` and ``DRIFTLINE_ARTIFACTS_URL`` in ``env`` and no
        ``driftline.toml`` in the folder, the environment alone defines the workspace
        (:attr:`Settings.from_env <driftline.core.settings.Settings.from_env>`): its metadata
        database must hold one already, or ``DRIFTLINE_INIT=1`` creates it on first use.

        Raises:
            WorkspaceNotFoundError: the folder is not a workspace, or the metadata database of a
                workspace defined by the environment holds none (naming the command to run).
            SchemaVersionError: the workspace was written by a newer driftline.

        """
        settings = Settings.load(path, env=env)
        if settings.from_env:
            from driftline.workspace.from_env import open_from_env

            return open_from_env(
                lambda chosen, create: cls._connect(
                    chosen, create=create, storage_options=storage_options, clock=clock
                ),
                settings,
                env or {},
            )
        if not (settings.workspace / SETTINGS_FILE).is_file():
            raise WorkspaceNotFoundError(
                f"{settings.workspace} is not a driftline workspace (no {SETTINGS_FILE}); "
                f"create one with `driftline init {settings.workspace}`"
            )
        return cls._connect(settings, create=False, storage_options=storage_options, clock=clock)

    @classmethod
    def init_from_env(
        cls,
        env: Mapping[str, str],
        *,
        storage_options: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> Workspace:
        """Create the workspace the environment alone defines (no file is written); open it.

        ``env`` holds ``DRIFTLINE_METADATA_URL`` and ``DRIFTLINE_ARTIFACTS_URL``; see
        :mod:`driftline.workspace.from_env` for the errors.
        """
        from driftline.workspace.from_env import init_from_env

        def connect(settings: Settings, create: bool) -> Workspace:
            return cls._connect(
                settings, create=create, storage_options=storage_options, clock=clock
            )

        return init_from_env(connect, env, Workspace.close)

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

    # -- shortcuts to the services ------------------------------------------------------------

    def ingest(
        self,
        dataset: str,
        source: Any,
        options: IngestOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        **fields: Unpack[IngestFields],
    ) -> Span:
        """Ingest ``source`` (files, a folder, a glob, a table) as the next span of ``dataset``.

        ``options`` (:class:`~driftline.data.ingest_options.IngestOptions`) or single fields of
        it as keywords (``label="y"``); see :func:`driftline.data.ingest.ingest` for the errors.
        """
        return self.data.ingest(dataset, source, options, progress=progress, **fields)

    def spans(self, dataset: str) -> list[Span]:
        """The spans of ``dataset``, by number (``ws.data.spans``)."""
        return self.data.spans(dataset)

    def span(self, dataset: str, number: int | None = None) -> Span:
        """Span ``number`` of ``dataset``, the latest when ``None`` (``ws.data.span``)."""
        return self.data.span(dataset, number)

    def read_span(self, span: Span, part: str = "train") -> Any:
        """The rows (a ``pyarrow.Table``) of a span's ``"train"``, ``"eval"`` or ``"all"`` part."""
        return self.data.read_span(span, part)

    def span_profile(self, span: Span) -> Profile:
        """The stored profile of a span (``ws.data.span_profile``)."""
        return self.data.span_profile(span)

    def load_profile(self, ref: str | Span) -> Profile:
        """The profile a reference names (:mod:`driftline.data.refs`; ``ws.data.load_profile``)."""
        return self.data.load_profile(ref)

    def infer_schema(self, dataset: str, span: int | None = None) -> Schema:
        """Infer ``dataset``'s schema from a span (the latest by default) and store it."""
        return self.data.infer_schema(dataset, span)

    def schema(self, dataset: str) -> Schema:
        """The current schema of ``dataset`` (``ws.data.schema``)."""
        return self.data.schema(dataset)

    def validate(self, dataset: str, ref: str | Span, *, record: bool = True) -> ValidationReport:
        """Validate a reference (a span, a file) against ``dataset``'s schema (``ws.data``)."""
        return self.data.validate(dataset, ref, record=record)

    def drift(
        self,
        reference: str | Span,
        current: str | Span,
        options: DriftOptions | None = None,
        *,
        record: bool = True,
    ) -> DriftReport:
        """Drift of ``current`` against ``reference``, from their profiles alone.

        Both are references (:mod:`driftline.data.refs`: ``DATASET``, ``DATASET:N``, an
        artifact id, a path) or :class:`Span` objects. ``options`` are a
        :class:`~driftline.drift.options.DriftOptions` (its defaults when ``None``). When both
        sides are stored profiles and ``record`` is true, the report is stored as a
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

    def check_policy(self, policy: Policy | str | Path) -> Policy:
        """Check a policy (or a policy file) against this workspace; return it, checked.

        Every key as :func:`~driftline.policy.model.load_policy` checks it, then what the keys
        name (:mod:`driftline.policy.preflight`): the label and columns in the dataset, the
        trainer and its parameters. A controller runs the same checks when it starts.

        Raises:
            ConfigError: naming the file, the key and what to do.

        """
        from driftline.policy.model import Policy, load_policy
        from driftline.policy.preflight import preflight_workspace

        if isinstance(policy, Policy):
            preflight_workspace(policy, self, where="the policy")
            return policy
        loaded = load_policy(policy)
        preflight_workspace(loaded, self, where=str(policy), base=Path(policy).resolve().parent)
        return loaded
