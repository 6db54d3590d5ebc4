"""Pipeline artifact types of the data layer: a window of spans, a profile, a schema, anomalies.

These follow the artifact-type protocol of :mod:`driftline.pipeline.artifact_types`
structurally (``kind``, ``extension``, ``save``, ``load``), so steps can use them without this
package importing the pipeline one. Use the aliases as step annotations:

=================  =========================  ==================================================
alias              the step sees              stored as
=================  =========================  ==================================================
``Spans``          :class:`SpanWindow`        JSON: the spans (their files are not copied)
``DataProfile``    :class:`~.profile.Profile`  the profile's binary format
``DataSchema``     :class:`~.schema.Schema`    the schema's TOML
``Anomalies``      :class:`~.anomalies.ValidationReport`  JSON
=================  =========================  ==================================================

A :class:`SpanWindow` is a *reference* to spans: it reads their Parquet files (SHA-256 checked)
from the active artifact store when a step asks (see :mod:`driftline.store.artifacts.active`).

Examples:
    >>> import io, tempfile
    >>> import pyarrow as pa
    >>> from driftline.store.artifacts import using_store
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder) as ws:
    ...     span = ws.ingest("d", pa.table({"x": list(range(100)), "y": [0, 1] * 50}), label="y")
    ...     out = io.BytesIO()
    ...     props = SpansType.save(SpanWindow("d", (span,)), out)
    ...     window = SpansType.load(io.BytesIO(out.getvalue()), props)
    ...     with using_store(ws.artifacts):
    ...         rows = window.table("all").num_rows
    ...         profile_rows = window.profile().num_rows
    >>> props["spans"], window.label, rows, profile_rows
    ([1], 'y', 100, 100)

"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, BinaryIO, ClassVar

from driftline.core.errors import InputError
from driftline.core.hashing import stable_json
from driftline.data.anomalies import ValidationReport
from driftline.data.profile import Profile
from driftline.data.schema import Schema
from driftline.data.spans import Span, SpanPart, read_span_file
from driftline.store.artifacts.active import active_store

__all__ = [
    "Anomalies",
    "AnomaliesType",
    "DataProfile",
    "DataSchema",
    "ProfileType",
    "SchemaType",
    "SpanWindow",
    "Spans",
    "SpansType",
]


@dataclass(frozen=True)
class SpanWindow:
    """Some spans of one dataset, oldest first (e.g. the training window: the last K spans).

    Attributes:
        dataset: the dataset's name.
        spans: the spans, by number.

    """

    dataset: str
    spans: tuple[Span, ...]

    def __post_init__(self) -> None:
        if not self.spans:
            raise InputError(f"a window of spans of {self.dataset!r} needs at least one span")
        others = {s.dataset for s in self.spans} - {self.dataset}
        if others:
            raise InputError(f"a window of {self.dataset!r} holds spans of {sorted(others)}")

    @property
    def latest(self) -> Span:
        """The newest span of the window."""
        return self.spans[-1]

    @property
    def numbers(self) -> list[int]:
        """The span numbers."""
        return [s.number for s in self.spans]

    @property
    def label(self) -> str | None:
        """The label column recorded with the newest span."""
        return self.latest.label

    @property
    def rows(self) -> int:
        """All rows of all spans."""
        return sum(s.rows for s in self.spans)

    def table(self, part: SpanPart | str = SpanPart.TRAIN, *, latest_only: bool = False) -> Any:
        """The rows of ``part`` of every span (or only the newest), concatenated in order.

        Raises:
            InputError: an unknown part, or spans whose columns differ (naming them).

        """
        import pyarrow as pa

        store = active_store()
        chosen = self.spans[-1:] if latest_only else self.spans
        tables = [read_span_file(store, s, part) for s in chosen]
        try:
            return pa.concat_tables(tables, promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            names = ", ".join(s.name for s in chosen)
            raise InputError(f"the spans {names} cannot be read as one table: {exc}") from exc

    def profile(self, *, latest_only: bool = False) -> Profile:
        """The merged profile of the spans (or of the newest), from their stored profiles."""
        store = active_store()
        chosen = self.spans[-1:] if latest_only else self.spans
        merged: Profile | None = None
        for s in chosen:
            label = f"profile of span {s.name}"
            one = Profile.from_bytes(store.read_bytes(s.profile_uri, s.profile_sha256, label=label))
            merged = one if merged is None else merged.merge(one)
        assert merged is not None
        return merged


class SpansType:
    """A :class:`SpanWindow`, stored as JSON (references; the span files are not copied)."""

    kind: ClassVar[str] = "spans"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the window; the properties name the dataset and span numbers."""
        if isinstance(value, Sequence) and value and all(isinstance(s, Span) for s in value):
            value = SpanWindow(value[0].dataset, tuple(value))
        if not isinstance(value, SpanWindow):
            raise InputError(f"Spans needs a SpanWindow or a list of spans, got {type(value)}")
        doc = {"dataset": value.dataset, "spans": [s.to_dict() for s in value.spans]}
        writer.write(stable_json(doc).encode("utf-8"))
        return {"dataset": value.dataset, "spans": value.numbers, "rows": value.rows}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> SpanWindow:
        """Read the window back."""
        doc = json.loads(reader.read().decode("utf-8"))
        return SpanWindow(str(doc["dataset"]), tuple(Span.from_dict(s) for s in doc["spans"]))


class ProfileType:
    """A :class:`~driftline.data.profile.Profile`, stored in its binary format."""

    kind: ClassVar[str] = "profile"
    extension: ClassVar[str] = ".profile"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the profile; the properties hold its rows and columns."""
        if not isinstance(value, Profile):
            raise InputError(f"DataProfile needs a Profile, got {type(value)}")
        writer.write(value.to_bytes())
        return {"rows": value.num_rows, "columns": list(value.names)}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Profile:
        """Read the profile back."""
        return Profile.from_bytes(reader.read())


class SchemaType:
    """A :class:`~driftline.data.schema.Schema`, stored as its TOML."""

    kind: ClassVar[str] = "schema"
    extension: ClassVar[str] = ".toml"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the schema; the properties name its dataset, label and version (if any)."""
        if not isinstance(value, Schema):
            raise InputError(f"DataSchema needs a Schema, got {type(value)}")
        writer.write(value.to_toml().encode("utf-8"))
        return {"dataset": value.dataset, "label": value.label, "columns": list(value.names)}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> Schema:
        """Parse the schema back."""
        return Schema.from_toml(reader.read().decode("utf-8"), where="the schema artifact")


class AnomaliesType:
    """A :class:`~driftline.data.anomalies.ValidationReport`, stored as JSON."""

    kind: ClassVar[str] = "anomalies"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the report; the properties say whether it blocks and how many it found."""
        if not isinstance(value, ValidationReport):
            raise InputError(f"Anomalies needs a ValidationReport, got {type(value)}")
        writer.write(value.to_json())
        return {
            "dataset": value.dataset,
            "subject": value.subject,
            "blocking": value.blocking,
            "errors": len(value.errors),
            "anomalies": len(value.anomalies),
        }

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> ValidationReport:
        """Read the report back."""
        return ValidationReport.from_dict(json.loads(reader.read().decode("utf-8")))


Spans = Annotated[SpanWindow, SpansType]
"""A window of spans: use as a step annotation."""

DataProfile = Annotated[Profile, ProfileType]
"""A data profile: use as a step annotation."""

DataSchema = Annotated[Schema, SchemaType]
"""A dataset schema: use as a step annotation."""

Anomalies = Annotated[ValidationReport, AnomaliesType]
"""A validation report: use as a step annotation."""
