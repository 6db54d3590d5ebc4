r"""The data catalog of a workspace: datasets, spans, profiles, schemas and validations.

:class:`DataCatalog` is ``Workspace.data``; it is built from the workspace's stores. Its parts,
one concept each: spans, profiles and references (:mod:`driftline.data.span_catalog`; the forms
of a reference are in :mod:`driftline.data.refs`), schemas
(:mod:`driftline.data.schema_catalog`), and validation (here).

Examples:
    >>> import pathlib, tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.stores import Stores
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = pathlib.Path(tmp) / "a.csv"
    ...     _ = csv.write_text("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(50)))
    ...     with open_metadata_store("sqlite://", create=True) as meta:
    ...         data = DataCatalog(Stores(meta, ArtifactStore(f"{tmp}/art").create()))
    ...         span = data.ingest("demo", str(csv))
    ...         rows = data.read_span(span, "all").num_rows
    ...         profile = data.load_profile("demo:1")
    ...         schema = data.infer_schema("demo")
    ...         report = data.validate("demo", str(csv))
    >>> rows, profile.num_rows, schema.column("y").domain, report.blocking
    (50, 50, (0, 1, 2), False)

"""

from __future__ import annotations

from driftline.data.anomalies import ValidationReport
from driftline.data.quarantine import blocking_reason, quarantine
from driftline.data.schema_catalog import SchemaCatalog
from driftline.data.span_catalog import profile_source
from driftline.data.spans import Span, dataset_context
from driftline.data.validation import validate
from driftline.store.records import ContextRef, NewArtifact, NewExecution

__all__ = ["DataCatalog", "profile_source"]


class DataCatalog(SchemaCatalog):
    """Datasets, spans, profiles, schemas and validations kept in a metadata and artifact store.

    Args:
        stores: the metadata and artifact stores (a :class:`~driftline.store.stores.Stores`, a
            workspace, a step's context). ``DataCatalog(metadata, artifacts)`` works too.

    """

    def validate(
        self, dataset: str, ref: str | Span, *, record: bool = True, run: str | None = None
    ) -> ValidationReport:
        """Validate what a reference names (a span, a stored profile, a file) against a schema.

        ``ref`` is any reference (:mod:`driftline.data.refs`): ``DATASET:N`` for a span, not
        ``N``, which is the artifact with id ``N``.

        A span of this workspace is recorded as a ``validate`` execution (inputs: the span, its
        profile and the schema; output: the ``anomalies`` JSON artifact) unless ``record`` is
        false. The report says whether it is :attr:`~ValidationReport.blocking`; this method
        does not raise for that (:meth:`ValidationReport.raise_for_blocking` does). A recorded
        span with blocking anomalies is quarantined (:mod:`driftline.data.quarantine`; ``run``
        is the run that found them, if any).

        Raises:
            NotFoundError: no schema, or ``ref`` names nothing.
            InputError: ``ref`` has none of the forms of a reference (listing them).

        """
        schema = self.schema(dataset)
        version = self.schema_version(dataset)
        found = self.resolve(ref)
        span = found.span
        profile = self.load_profile(found)
        subject = span.ref if span is not None else found.text
        report = ValidationReport(
            dataset, subject, tuple(validate(profile, schema)), profile.num_rows, version
        )
        if span is not None and record:
            self._record_validation(span, report)
            if report.blocking:
                quarantine(self.metadata, span, blocking_reason(report), run)
        return report

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
