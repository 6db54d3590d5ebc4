"""Model versions, alias transitions and references, as the registry reports them.

A registered model ``churn`` has versions 1, 2, 3... Each version is one ``model_version``
artifact named ``churn:3``; aliases (``champion``, ``challenger`` or any lower-case name) point
at versions. A reference names a version in one of three ways: ``churn`` (the latest),
``churn:3`` (version 3) or ``churn@champion`` (whatever the alias points at now).

Examples:
    >>> parse_model_ref("churn@champion")
    ModelRef(name='churn', version=None, alias='champion')
    >>> str(parse_model_ref("churn:3")), str(parse_model_ref(" churn "))
    ('churn:3', 'churn')
    >>> check_alias("Champion")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: an alias must start with a lower-case letter and hold \
only lower-case letters, digits, '_' and '-' (at most 64 characters), got 'Champion'

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from driftline.core.errors import InputError
from driftline.core.params import Interval, check_param
from driftline.core.refs import RefKind, parse_ref
from driftline.store.records import Artifact, ContextRef

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "MODEL_CONTEXT",
    "VERSION_KIND",
    "Action",
    "ModelRef",
    "ModelVersion",
    "RegisteredModel",
    "Transition",
    "check_alias",
    "check_model_name",
    "check_version_number",
    "model_context",
    "parse_model_ref",
    "version_context",
    "version_name",
]

CHAMPION = "champion"
"""The alias of the version that serves."""

CHALLENGER = "challenger"
"""The alias of the version that tries to replace the champion."""

VERSION_KIND = "model_version"
"""The artifact kind of a registered version (and the context kind of one version)."""

MODEL_CONTEXT = "registered_model"
"""The context kind that groups a registered model's versions and alias changes."""

_NAME = r"[A-Za-z][A-Za-z0-9_.\-]{0,99}"
_ALIAS = r"[a-z][a-z0-9_\-]{0,63}"
_NAME_RE = re.compile(rf"^{_NAME}$")
_ALIAS_RE = re.compile(rf"^{_ALIAS}$")


def check_model_name(name: object) -> str:
    """Check a registered model's name (the rule of dataset names); return it.

    Raises:
        InputError: naming the rule and the value.

    Examples:
        >>> check_model_name("elec2-hgb")
        'elec2-hgb'

    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InputError(
            "a model name must start with a letter and hold only letters, digits, '_', '-' "
            f"and '.' (at most 100 characters), got {name!r}"
        )
    return name


def check_alias(alias: object) -> str:
    """Check an alias name (``champion``, ``challenger`` or another lower-case name); return it.

    Raises:
        InputError: naming the rule and the value.

    """
    if not isinstance(alias, str) or not _ALIAS_RE.match(alias):
        raise InputError(
            "an alias must start with a lower-case letter and hold only lower-case letters, "
            f"digits, '_' and '-' (at most 64 characters), got {alias!r}"
        )
    return alias


def check_version_number(number: object) -> int:
    """Check a version number: an int >= 1; return it.

    Raises:
        InputError: naming the value.

    """
    return check_param("", "a version number", number, Interval(int, 1))  # type: ignore[return-value]


def version_name(name: str, number: int) -> str:
    """``NAME:N``: the name of a version's artifact and context."""
    return f"{name}:{number}"


def model_context(name: str) -> ContextRef:
    """The context that groups a registered model's versions and alias changes."""
    return ContextRef(MODEL_CONTEXT, check_model_name(name))


def version_context(name: str, number: int) -> ContextRef:
    """The context of one version, created once by the ``register`` that makes it."""
    return ContextRef(VERSION_KIND, version_name(name, number), {"model": name})


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: a model, and at most one of a version number or an alias."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return version_name(self.name, self.version)
        return f"{self.name}@{self.alias}" if self.alias is not None else self.name


def parse_model_ref(ref: object) -> ModelRef:
    """Parse ``NAME``, ``NAME:VERSION``, ``NAME:latest`` or ``NAME@ALIAS``.

    The grammar is :mod:`driftline.core.refs` (one for every command).

    Raises:
        InputError: naming the reference and the accepted forms.

    """
    try:
        parsed = parse_ref(ref, {RefKind.MODEL})
    except InputError as exc:
        raise InputError(
            f"a model reference is NAME, NAME:VERSION or NAME@ALIAS (e.g. churn, churn:3, "
            f"churn@champion), got {ref!r}"
        ) from exc
    assert parsed.name is not None  # every MODEL reference has one
    if parsed.number is not None:
        check_version_number(parsed.number)
    return ModelRef(parsed.name, parsed.number, parsed.alias)


class Action(StrEnum):
    """What a transition in a model's history did."""

    REGISTER = "register"
    SET = "set"
    PROMOTE = "promote"
    ROLLBACK = "rollback"
    REMOVE = "remove"


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model.

    Attributes:
        name: the registered model's name.
        number: 1, 2, 3... within the model.
        artifact_id: the ``model_version`` artifact.
        model_id: the ``model`` artifact it registers.
        uri: where the model's bytes are (those of the model artifact).
        sha256: their SHA-256, checked when the model is loaded.
        flavor: the model's flavor (``sklearn``, ``lightgbm``, ``torch``), if recorded.
        metrics: the metrics given at registration.
        evaluation_id: the evaluation artifact, if one was given.
        profile_id: the training profile artifact, if one was given.
        description: free text given at registration.
        registered_by: who registered it.
        reason: why, as given.
        created_at: when it was registered.
        aliases: the aliases that point at it now, sorted.

    """

    name: str
    number: int
    artifact_id: int
    model_id: int
    uri: str
    sha256: str
    flavor: str | None
    metrics: Mapping[str, float]
    evaluation_id: int | None
    profile_id: int | None
    description: str
    registered_by: str
    reason: str
    created_at: datetime
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """``NAME:N``, a reference that :meth:`ModelRegistry.resolve` takes."""
        return version_name(self.name, self.number)

    @classmethod
    def from_artifact(cls, artifact: Artifact, aliases: tuple[str, ...] = ()) -> ModelVersion:
        """Rebuild a version from its ``model_version`` artifact (its properties hold the rest)."""
        p: Mapping[str, Any] = artifact.properties
        return cls(
            name=str(p["model"]),
            number=int(p["version"]),
            artifact_id=artifact.id,
            model_id=int(p["model_id"]),
            uri=artifact.uri,
            sha256=artifact.sha256,
            flavor=p.get("flavor"),
            metrics={str(k): float(v) for k, v in dict(p.get("metrics") or {}).items()},
            evaluation_id=p.get("evaluation_id"),
            profile_id=p.get("profile_id"),
            description=str(p.get("description") or ""),
            registered_by=str(p.get("registered_by") or ""),
            reason=str(p.get("reason") or ""),
            created_at=artifact.created_at,
            aliases=tuple(sorted(aliases)),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "ref": self.ref,
            "name": self.name,
            "version": self.number,
            "artifact_id": self.artifact_id,
            "model_id": self.model_id,
            "uri": self.uri,
            "sha256": self.sha256,
            "flavor": self.flavor,
            "metrics": dict(self.metrics),
            "evaluation_id": self.evaluation_id,
            "profile_id": self.profile_id,
            "description": self.description,
            "registered_by": self.registered_by,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True)
class Transition:
    """One entry of a model's history: a version registered, or an alias set, moved or removed.

    Attributes:
        name: the registered model's name.
        alias: the alias changed (``None`` for :attr:`Action.REGISTER`).
        version: the version registered, or the one the alias points at afterwards (``None``
            once removed).
        previous: the version the alias pointed at before (``None`` if unset, and for
            :attr:`Action.REGISTER`).
        action: what was done.
        by: who did it.
        reason: why, as given.
        at: when.
        execution_id: the ``register`` or ``alias`` execution that recorded it.

    """

    name: str
    alias: str | None
    version: int | None
    previous: int | None
    action: Action
    by: str
    reason: str
    at: datetime
    execution_id: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary.

        Examples:
            >>> from datetime import UTC, datetime
            >>> t = Transition("churn", "champion", 2, 1, Action.PROMOTE, "ana", "better",
            ...                datetime(2026, 1, 1, tzinfo=UTC), 7)
            >>> t.to_dict()["action"], t.to_dict()["at"]
            ('promote', '2026-01-01T00:00:00+00:00')

        """
        return {
            "name": self.name,
            "alias": self.alias,
            "version": self.version,
            "previous": self.previous,
            "action": self.action.value,
            "by": self.by,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "execution_id": self.execution_id,
        }


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model at a glance: its latest version and its aliases.

    Attributes:
        name: the model's name.
        latest: its newest version.
        versions: how many versions it has.
        aliases: each alias set now, with the version it points at.

    """

    name: str
    latest: ModelVersion
    versions: int
    aliases: Mapping[str, int]

    @property
    def champion(self) -> int | None:
        """The version the ``champion`` alias points at, if set."""
        return self.aliases.get(CHAMPION)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "name": self.name,
            "latest": self.latest.number,
            "versions": self.versions,
            "champion": self.champion,
            "aliases": dict(sorted(self.aliases.items())),
            "registered_at": self.latest.created_at.isoformat(),
        }
