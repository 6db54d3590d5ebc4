"""The read side of the model registry: models, versions, aliases, history, and loading a model.

:class:`~driftline.registry.registry.ModelRegistry` adds the writes. A model's aliases are
rebuilt from its ``alias`` executions with one query (see :mod:`driftline.registry.history`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, cast

from driftline.core.errors import InputError
from driftline.registry.arguments import listing
from driftline.registry.errors import (
    AliasNotFoundError,
    ModelNotFoundError,
    VersionNotFoundError,
)
from driftline.registry.history import ALIAS_KIND, current_aliases, transitions
from driftline.registry.versions import (
    MODEL_CONTEXT,
    VERSION_KIND,
    ModelVersion,
    RegisteredModel,
    Transition,
    check_alias,
    check_version_number,
    model_context,
    parse_model_ref,
    version_name,
)
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ContextQuery, ExecutionQuery
from driftline.store.records import Artifact
from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.models.loaded import LoadedModel

__all__ = ["RegistryReader"]


class RegistryReader:
    """Read registered models, their versions, aliases and history; load their models.

    Args:
        stores: the metadata store the registry lives in and the artifact store the models'
            bytes are in (a :class:`~driftline.store.stores.Stores`, a workspace);
            ``(metadata, artifacts)`` works too.

    """

    def __init__(
        self, stores: HasStores | MetadataStore, artifacts: ArtifactStore | None = None
    ) -> None:
        self.stores = Stores.of(stores, artifacts)
        self._metadata = self.stores.metadata
        self._artifacts = self.stores.artifacts

    @property
    def metadata(self) -> MetadataStore:
        """The metadata store the registry reads."""
        return self._metadata

    @property
    def artifacts(self) -> ArtifactStore:
        """The artifact store the models' bytes are in."""
        return self._artifacts

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._metadata.url!r})"

    def models(self) -> list[str]:
        """The names of the registered models, sorted."""
        found = self._metadata.contexts(ContextQuery(kind=MODEL_CONTEXT))
        return sorted(c.name for c in found)

    def overview(self) -> list[RegisteredModel]:
        """Every registered model with its latest version and aliases, sorted by name.

        Two queries, however many models there are.
        """
        by_model: dict[str, list[ModelVersion]] = {}
        for a in self._metadata.artifacts(ArtifactQuery(kind=VERSION_KIND)):
            v = ModelVersion.from_artifact(a)
            by_model.setdefault(v.name, []).append(v)
        changes = self._metadata.executions(ExecutionQuery(kind=ALIAS_KIND))
        out = []
        for name, found in sorted(by_model.items()):
            aliases = current_aliases(transitions(name, changes))
            latest = _with_aliases(max(found, key=lambda v: v.number), aliases)
            out.append(RegisteredModel(name, latest, len(found), aliases))
        return out

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of ``name``, by number, with the aliases that point at each.

        Raises:
            ModelNotFoundError: no model has that name (listing those that exist).

        """
        found = self._stored_versions(name)
        if not found:
            raise self._missing(name)
        aliases = self.aliases(name)
        return [_with_aliases(v, aliases) for v in found]

    def version(self, name: str, number: int | None = None) -> ModelVersion:
        """Version ``number`` of ``name`` (the latest when ``None``).

        Raises:
            ModelNotFoundError, VersionNotFoundError: listing what exists.

        """
        if number is None:
            return self.versions(name)[-1]
        artifact = self._find(name, check_version_number(number))
        return _with_aliases(ModelVersion.from_artifact(artifact), self.aliases(name))

    def resolve(self, ref: str) -> ModelVersion:
        """The version that ``NAME`` (the latest), ``NAME:VERSION`` or ``NAME@ALIAS`` names now.

        Raises:
            InputError: a malformed reference.
            ModelNotFoundError, VersionNotFoundError, AliasNotFoundError: listing what exists.

        """
        parsed = parse_model_ref(ref)
        if parsed.alias is None:
            return self.version(parsed.name, parsed.version)
        found = self.alias(parsed.name, parsed.alias)
        if found is None:
            raise self._no_alias(parsed.name, parsed.alias)
        return found

    def alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version ``alias`` points at now, or ``None`` if it is not set.

        Raises:
            ModelNotFoundError: no model has that name.

        """
        check_alias(alias)
        current = self.aliases(name)
        number = current.get(alias)
        if number is None:
            return None
        return _with_aliases(ModelVersion.from_artifact(self._find(name, number)), current)

    def aliases(self, name: str) -> dict[str, int]:
        """Each alias of ``name`` that is set now, with its version number, sorted by alias.

        Raises:
            ModelNotFoundError: no model has that name.

        """
        current = current_aliases(self._log(name, ALIAS_KIND))
        if not current:
            self._require(name)
        return current

    def history(self, name: str) -> list[Transition]:
        """Every registration and alias change of ``name``, oldest first.

        Raises:
            ModelNotFoundError: no model has that name.

        """
        log = self._log(name)
        if not log:
            raise self._missing(name)
        return log

    def load(self, version: ModelVersion | str) -> LoadedModel:
        """Load the model of a version (a :class:`ModelVersion`, or a reference to resolve).

        The bytes are checked against the recorded SHA-256 as they are read.

        Raises:
            ArtifactCorruptError: the bytes do not match the recorded SHA-256.
            ArtifactNotFoundError: the bytes are gone from the artifact store.

        """
        from driftline.models.artifact import ModelType

        found = self.resolve(version) if isinstance(version, str) else version
        if not isinstance(found, ModelVersion):
            raise InputError(f"load takes a ModelVersion or a reference, got {version!r}")
        label = f"model version {found.ref}"
        with self._artifacts.open(found.uri, found.sha256, label=label) as reader:
            return ModelType.load(cast(BinaryIO, reader), {"flavor": found.flavor})

    # -- internals -------------------------------------------------------------------------

    def _stored_versions(self, name: str) -> list[ModelVersion]:
        """The versions of ``name`` by number, without aliases (empty for no such model)."""
        query = ArtifactQuery(kind=VERSION_KIND, context=model_context(name))
        found = [ModelVersion.from_artifact(a) for a in self._metadata.artifacts(query)]
        return sorted(found, key=lambda v: v.number)

    def _log(self, name: str, kind: str | None = None) -> list[Transition]:
        """The history of ``name`` (only alias changes when ``kind`` is ``alias``); one query."""
        query = ExecutionQuery(kind=kind, context=model_context(name))
        return transitions(name, self._metadata.executions(query))

    def _find(self, name: str, number: int) -> Artifact:
        """The ``model_version`` artifact of version ``number`` of ``name``."""
        query = ArtifactQuery(
            kind=VERSION_KIND, name=version_name(name, number), context=model_context(name), limit=1
        )
        found = self._metadata.artifacts(query)
        if found:
            return found[0]
        numbers = [v.number for v in self._stored_versions(name)]
        if not numbers:
            raise self._missing(name)
        raise VersionNotFoundError(
            f"model {name!r} has no version {number}; its versions are {listing(numbers)}"
        )

    def _require(self, name: str) -> None:
        query = ArtifactQuery(kind=VERSION_KIND, context=model_context(name), limit=1)
        if not self._metadata.artifacts(query):
            raise self._missing(name)

    def _missing(self, name: str) -> ModelNotFoundError:
        return ModelNotFoundError(
            f"no registered model named {name!r}; registered models: {listing(self.models())}"
        )

    def _no_alias(self, name: str, alias: str) -> AliasNotFoundError:
        current = self.aliases(name)
        return AliasNotFoundError(
            f"model {name!r} has no alias {alias!r}; its aliases are "
            + listing(f"{a} (version {v})" for a, v in current.items())
        )


def _with_aliases(version: ModelVersion, aliases: Mapping[str, int]) -> ModelVersion:
    on = tuple(sorted(a for a, n in aliases.items() if n == version.number))
    return replace(version, aliases=on)
