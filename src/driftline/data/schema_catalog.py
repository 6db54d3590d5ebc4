"""Schemas of datasets in a workspace's stores: stored, versioned, inferred from a span.

:class:`SchemaCatalog` adds them to :class:`~driftline.data.span_catalog.SpanCatalog`; every
change of a dataset's schema is a new version, recorded with its lineage.
"""

from __future__ import annotations

from collections.abc import Mapping

from driftline.core.errors import InputError, NotFoundError
from driftline.data.schema import MAX_DOMAIN, Schema, infer_schema
from driftline.data.span_catalog import SpanCatalog
from driftline.data.spans import check_dataset, dataset_context
from driftline.store.numbering import claim_next_number
from driftline.store.queries import ArtifactQuery
from driftline.store.records import Artifact, ContextRef, NewArtifact, NewExecution

__all__ = ["SchemaCatalog"]


class SchemaCatalog(SpanCatalog):
    """Spans (:class:`SpanCatalog`) and the versioned schemas of their datasets."""

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
        return Schema.from_toml(self.schema_text(dataset), where=f"schema {found and found.name}")

    def schema_text(self, dataset: str) -> str:
        """The TOML text of ``dataset``'s current schema, as stored: a user's comments kept.

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
        return text.decode("utf-8")

    def save_schema(
        self,
        dataset: str,
        schema: Schema,
        *,
        kind: str = "schema_set",
        inputs: Mapping[str, int] | None = None,
        text: str | None = None,
    ) -> int:
        """Store ``schema`` as the next version of ``dataset``'s schema; return the version.

        ``text`` is the TOML the schema was read from (a user's file): it is stored as it is,
        comments and layout kept, when it reads back as ``schema``; else ``schema.to_toml()``.

        Raises:
            InputError: the schema is of another dataset, or ``text`` is not ``schema``.

        """
        if text is not None and Schema.from_toml(text) != schema:
            raise InputError("the schema's text does not read back as the schema given")
        if schema.dataset != check_dataset(dataset):
            raise InputError(
                f"the schema is of dataset {schema.dataset!r}, not {dataset!r}; change its "
                "`dataset` key"
            )
        data = (text if text is not None else schema.to_toml()).encode("utf-8")
        stored = self.artifacts.put_bytes(self.artifacts.new_key("schema", f"{dataset}.toml"), data)

        def record(version: int) -> int:
            artifact = NewArtifact(
                "schema",
                stored.uri,
                stored.sha256,
                stored.size,
                name=f"{dataset}/schema",
                properties={"dataset": dataset, "version": version, "label": schema.label},
            )
            self.metadata.record_execution(
                NewExecution(kind, parameters={"dataset": dataset, "version": version}),
                inputs=dict(inputs or {}),
                outputs={"schema": artifact},
                contexts=[dataset_context(dataset)],
                new_contexts=[ContextRef("schema", f"{dataset}@{version}")],
            )
            return version

        return claim_next_number(
            record,
            taken=lambda: [self.schema_version(dataset)],
            what=f"a new schema version of {dataset!r}",
        )

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
