"""The model registry: numbered versions of named models, and aliases that point at them.

Everything lives in the metadata store, as events. Registering a version is one ``register``
execution: its input is the ``model`` artifact (and the evaluation and training profile, if
given), its output a new ``model_version`` artifact named ``NAME:N`` that points at the model's
bytes. Every alias change is one ``alias`` execution. Nothing is updated in place, so the history
is complete, and two processes working on one model never corrupt it: versions get distinct
numbers, and of two changes to the same alias the one recorded last wins.

Examples:
    >>> import tempfile
    >>> from driftline.store.artifacts import ArtifactStore
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.records import NewArtifact
    >>> from driftline.store.stores import Stores
    >>> with tempfile.TemporaryDirectory() as tmp, open_metadata_store(
    ...     "sqlite://", create=True
    ... ) as meta:
    ...     registry = ModelRegistry(Stores(meta, ArtifactStore(tmp).create()))
    ...     model = meta.put_artifact(NewArtifact("model", "file:///m.tar.gz", "0" * 64, 9))
    ...     first = registry.register("churn", model.id, metrics={"accuracy": 0.9}, by="ana")
    ...     second = registry.register("churn", model.id, by="ana")
    ...     _ = registry.promote("churn", 1, by="ana")
    ...     moved = registry.promote("churn", 2, by="ana", reason="fresher data")
    ...     back = registry.rollback("churn", by="ana")
    ...     champion = registry.champion("churn")
    >>> first.ref, second.ref, (moved.previous, moved.version), (back.previous, back.version)
    ('churn:1', 'churn:2', (1, 2), (2, 1))
    >>> champion.number, champion.aliases, dict(champion.metrics)
    (1, ('champion',), {'accuracy': 0.9})

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from driftline.registry.arguments import (
    check_artifact_id,
    check_by,
    check_contexts,
    check_metrics,
    check_note,
    listing,
)
from driftline.registry.errors import NotAModelError, RollbackError
from driftline.registry.history import ALIAS_KIND, REGISTER_KIND, current_aliases
from driftline.registry.reader import RegistryReader
from driftline.registry.references import (
    MONITOR_REFERENCE_KIND,
    MonitorReference,
    check_reference,
    read_reference,
)
from driftline.registry.versions import (
    CHAMPION,
    VERSION_KIND,
    Action,
    ModelVersion,
    Transition,
    check_alias,
    check_model_name,
    check_version_number,
    model_context,
    version_context,
    version_name,
)
from driftline.store.numbering import claim_next_number
from driftline.store.records import ContextRef, NewArtifact, NewExecution

__all__ = ["ModelRegistry"]


class ModelRegistry(RegistryReader):
    """Named models with numbered versions and aliases, kept in the metadata store.

    Args:
        stores: the metadata store versions and alias changes are recorded in, and the
            artifact store the models' bytes are in (read by :meth:`load`): a
            :class:`~driftline.store.stores.Stores` or a workspace (``ws.registry`` is one).
            ``ModelRegistry(metadata, artifacts)`` works too.

    """

    def champion(self, name: str) -> ModelVersion:
        """The version the champion alias of ``name`` points at now.

        Raises:
            ModelNotFoundError: no model has that name (listing those that exist).
            AliasNotFoundError: the model has no champion (naming the model and its aliases).

        """
        found = self.alias(name, CHAMPION)
        if found is None:
            raise self._no_alias(name, CHAMPION)
        return found

    def register(
        self,
        name: str,
        model_id: int,
        *,
        evaluation_id: int | None = None,
        profile_id: int | None = None,
        reference_id: int | None = None,
        metrics: Mapping[str, float] | None = None,
        description: str = "",
        by: str | None = None,
        reason: str = "",
        contexts: Sequence[ContextRef] = (),
    ) -> ModelVersion:
        """Register the ``model`` artifact ``model_id`` as the next version of ``name``.

        Versions are numbered 1, 2, 3... per model; processes registering at once get
        distinct, consecutive numbers. ``contexts`` (e.g. the pipeline run) are linked too.
        ``by`` defaults to the user this process runs as. ``reference_id`` is the version's
        ``monitor_reference`` artifact (read back by :meth:`monitor_reference`).

        Raises:
            InputError: a bad name, metric or argument; :class:`NotAModelError` when the
                artifact is not a ``model``. Nothing is stored.
            ArtifactNotFoundError: no artifact has ``model_id`` (or ``evaluation_id``,
                ``profile_id``, ``reference_id``). Nothing is stored.

        """
        check_model_name(name)
        model = self._metadata.get_artifact(check_artifact_id(model_id, "model_id"))
        if model.kind != "model":
            raise NotAModelError(
                f"artifact {model.id} ({model.name or model.uri}) is a {model.kind!r}, not a "
                "'model': only model artifacts can be registered"
            )
        inputs = {"model": model.id}
        for port, value in (("evaluation", evaluation_id), ("profile", profile_id)):
            if value is not None:
                inputs[port] = self._metadata.get_artifact(
                    check_artifact_id(value, port + "_id")
                ).id
        if reference_id is not None:
            inputs[MONITOR_REFERENCE_KIND] = check_reference(self._metadata, reference_id)
        refs = check_contexts(contexts)
        props: dict[str, Any] = {
            "model": name,
            "model_id": model.id,
            "evaluation_id": evaluation_id,
            "profile_id": profile_id,
            "metrics": check_metrics(metrics),
            "description": check_note(description, "description"),
            "flavor": model.properties.get("flavor"),
            "registered_by": check_by(by),
            "reason": check_note(reason, "reason"),
        }

        if reference_id is not None:
            props["reference_id"] = inputs[MONITOR_REFERENCE_KIND]

        def record(number: int) -> ModelVersion:
            execution = NewExecution(
                REGISTER_KIND,
                properties={
                    "model": name,
                    "version": number,
                    "action": Action.REGISTER.value,
                    "by": props["registered_by"],
                    "reason": props["reason"],
                },
            )
            artifact = NewArtifact(
                VERSION_KIND,
                model.uri,
                model.sha256,
                model.size,
                name=version_name(name, number),
                properties={**props, "version": number},
            )
            recorded = self._metadata.record_execution(
                execution,
                inputs=inputs,
                outputs={"version": artifact},
                contexts=[model_context(name), *refs],
                new_contexts=[version_context(name, number)],
            )
            return ModelVersion.from_artifact(recorded.outputs["version"][0])

        return claim_next_number(
            record,
            taken=lambda: [v.number for v in self._stored_versions(name)],
            what=f"a new version of {name!r}",
        )

    def monitor_reference(self, name: str, version: int) -> MonitorReference | None:
        """The monitor reference registered with ``version`` of ``name`` (``None``: none was).

        Raises:
            ModelNotFoundError, VersionNotFoundError: listing what exists.
            ArtifactCorruptError, IntegrityError: the stored reference is damaged.

        """
        check_model_name(name)
        found = self._find(name, check_version_number(version))
        return read_reference(self.stores, found.properties.get("reference_id"))

    def set_alias(
        self, name: str, alias: str, version: int, *, by: str | None = None, reason: str = ""
    ) -> Transition:
        """Point ``alias`` at ``version`` of ``name``; return the change.

        If the alias points at that version already, nothing is recorded and the change that
        set it is returned.

        Raises:
            InputError: a bad alias, name or version number.
            ModelNotFoundError, VersionNotFoundError: listing what exists.

        """
        return self._move(name, alias, version, Action.SET, by, reason)

    def promote(
        self,
        name: str,
        version: int,
        *,
        alias: str = CHAMPION,
        by: str | None = None,
        reason: str = "",
    ) -> Transition:
        """Make ``version`` the champion (or ``alias``); otherwise as :meth:`set_alias`."""
        return self._move(name, alias, version, Action.PROMOTE, by, reason)

    def rollback(
        self, name: str, *, alias: str = CHAMPION, by: str | None = None, reason: str = ""
    ) -> Transition:
        """Point ``alias`` back at the version it pointed at before its latest change.

        After a removal, that is the version removed; a second rollback undoes the first.

        Raises:
            RollbackError: the alias was never set, or its latest change was its first.
            ModelNotFoundError: no model has that name.

        """
        check_alias(alias)
        who, why = check_by(by), check_note(reason, "reason")
        changes = [t for t in self._log(name, ALIAS_KIND) if t.alias == alias]
        if not changes:
            current = self.aliases(name)
            raise RollbackError(
                f"alias {alias!r} of model {name!r} was never set, there is nothing to roll "
                "back; its aliases are " + listing(f"{a} (version {v})" for a, v in current.items())
            )
        last = changes[-1]
        if last.previous is None:
            raise RollbackError(
                f"alias {alias!r} of model {name!r} has no earlier version to go back to: it was "
                f"first set to version {last.version} (execution {last.execution_id})"
            )
        target = self._find(name, last.previous)
        return self._record(
            name, alias, target.id, last.previous, last.version, Action.ROLLBACK, who, why
        )

    def remove_alias(
        self, name: str, alias: str, *, by: str | None = None, reason: str = ""
    ) -> Transition:
        """Unset ``alias``; return the change.

        Raises:
            AliasNotFoundError: the alias is not set (listing those that are).
            ModelNotFoundError: no model has that name.

        """
        check_alias(alias)
        who, why = check_by(by), check_note(reason, "reason")
        current = self.aliases(name).get(alias)
        if current is None:
            raise self._no_alias(name, alias)
        return self._record(name, alias, None, None, current, Action.REMOVE, who, why)

    # -- internals -------------------------------------------------------------------------

    def _move(
        self, name: str, alias: str, number: int, action: Action, by: str | None, reason: str
    ) -> Transition:
        check_model_name(name)
        check_alias(alias)
        check_version_number(number)
        who, why = check_by(by), check_note(reason, "reason")
        target = self._find(name, number)
        changes = [t for t in self._log(name, ALIAS_KIND) if t.alias == alias]
        current = current_aliases(changes).get(alias)
        if current == number:
            return changes[-1]
        return self._record(name, alias, target.id, number, current, action, who, why)

    def _record(
        self,
        name: str,
        alias: str,
        artifact_id: int | None,
        number: int | None,
        previous: int | None,
        action: Action,
        by: str,
        reason: str,
    ) -> Transition:
        """Record one alias change (``artifact_id`` is the version it now points at)."""
        properties = {
            "model": name,
            "alias": alias,
            "version": number,
            "previous": previous,
            "action": action.value,
            "by": by,
            "reason": reason,
        }
        recorded = self._metadata.record_execution(
            NewExecution(ALIAS_KIND, properties=properties),
            inputs={"version": artifact_id} if artifact_id is not None else {},
            contexts=[model_context(name)],
        )
        e = recorded.execution
        return Transition(name, alias, number, previous, action, by, reason, e.created_at, e.id)
