"""A reference to a registered model version (or to none), and the ``champion`` step.

The evaluate step compares a challenger with the model that serves now. The ``champion`` driver
step looks up the version an alias (``champion`` by default) points at and outputs a
:class:`VersionRef` — a reference, not a copy: the step that needs the model loads it from the
artifact store (SHA-256 checked). A model with no champion yet gives an empty reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any, BinaryIO, ClassVar

from driftline.core.hashing import stable_json
from driftline.models.artifact import ModelType
from driftline.models.loaded import LoadedModel
from driftline.pipeline import step
from driftline.pipeline.context import StepContext
from driftline.registry import ModelRegistry
from driftline.registry.versions import CHAMPION
from driftline.store.artifacts.active import active_store

__all__ = ["ChampionRef", "VersionRef", "VersionRefType", "champion"]


@dataclass(frozen=True)
class VersionRef:
    """A registered model version by reference; ``version`` is ``None`` when there is none."""

    name: str
    alias: str
    version: int | None = None
    uri: str | None = None
    sha256: str | None = None

    @property
    def exists(self) -> bool:
        """Whether the reference names a version."""
        return self.version is not None

    def load(self) -> LoadedModel | None:
        """The model, read from the active artifact store; ``None`` for an empty reference."""
        if self.uri is None or self.sha256 is None:
            return None
        label = f"model {self.name}:{self.version}"
        with active_store().open(self.uri, self.sha256, label=label) as reader:
            return ModelType.load(reader, {})  # type: ignore[arg-type]


class VersionRefType:
    """A :class:`VersionRef`, stored as JSON."""

    kind: ClassVar[str] = "model_ref"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the reference; the properties repeat it."""
        doc = asdict(value)
        writer.write(stable_json(doc).encode("utf-8"))
        return {"model": value.name, "alias": value.alias, "version": value.version}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> VersionRef:
        """Read the reference back."""
        return VersionRef(**json.loads(reader.read().decode("utf-8")))


ChampionRef = Annotated[VersionRef, VersionRefType]
"""A reference to the serving model version: use as a step annotation."""


@step(name="champion")
def champion(ctx: StepContext, model_name: str, alias: str = CHAMPION) -> ChampionRef:
    """The version ``alias`` of registered model ``model_name`` points at now (if any)."""
    registry = ModelRegistry(ctx)
    if model_name not in registry.models():
        return VersionRef(model_name, alias)
    found = registry.alias(model_name, alias)
    if found is None:
        return VersionRef(model_name, alias)
    ctx.use(found.artifact_id, "champion")
    return VersionRef(model_name, alias, found.number, found.uri, found.sha256)
