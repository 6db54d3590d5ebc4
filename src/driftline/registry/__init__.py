"""The model registry: named models, numbered versions, aliases, and their history.

Importing this package is cheap; names load on first use. Everything is kept in the metadata
store as events (``register`` and ``alias`` executions), so the history is complete and two
processes changing one model never corrupt it.

===================================  ==============================================================
:class:`ModelRegistry`               ``register``, ``resolve("churn@champion")``, ``promote``,
                                     ``rollback``, ``set_alias``, ``history``, ``load``
:class:`ModelVersion`                one registered version: its model, metrics, aliases
:class:`Transition`                  one entry of a model's history (a registration or an alias
                                     change), with who, why and when
:class:`RegisteredModel`             a model at a glance (``ModelRegistry.overview``)
:func:`model_card`                   a version's :class:`ModelCard`: signature, training data,
                                     evaluation, lineage and alias history, as recorded
:func:`parse_model_ref`              ``NAME``, ``NAME:VERSION``, ``NAME@ALIAS``
:func:`check_model_name`             the rule for model names (that of dataset names)
:func:`check_alias`                  ``champion``, ``challenger`` or another lower-case name
===================================  ==============================================================

Examples:
    >>> from driftline.registry import parse_model_ref
    >>> parse_model_ref("churn:2").version
    2

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "Action",
    "AliasNotFoundError",
    "ModelCard",
    "ModelNotFoundError",
    "ModelRef",
    "ModelRegistry",
    "ModelVersion",
    "NotAModelError",
    "RegisteredModel",
    "RollbackError",
    "Transition",
    "VersionNotFoundError",
    "check_alias",
    "check_model_name",
    "model_card",
    "parse_model_ref",
]

_LAZY = {
    "CHALLENGER": "driftline.registry.versions",
    "CHAMPION": "driftline.registry.versions",
    "Action": "driftline.registry.versions",
    "AliasNotFoundError": "driftline.registry.errors",
    "ModelCard": "driftline.registry.card",
    "ModelNotFoundError": "driftline.registry.errors",
    "ModelRef": "driftline.registry.versions",
    "ModelRegistry": "driftline.registry.registry",
    "ModelVersion": "driftline.registry.versions",
    "NotAModelError": "driftline.registry.errors",
    "RegisteredModel": "driftline.registry.versions",
    "RollbackError": "driftline.registry.errors",
    "Transition": "driftline.registry.versions",
    "VersionNotFoundError": "driftline.registry.errors",
    "check_alias": "driftline.registry.versions",
    "check_model_name": "driftline.registry.versions",
    "model_card": "driftline.registry.card_facts",
    "parse_model_ref": "driftline.registry.versions",
}

if TYPE_CHECKING:
    from driftline.registry.card import ModelCard
    from driftline.registry.card_facts import model_card
    from driftline.registry.errors import (
        AliasNotFoundError,
        ModelNotFoundError,
        NotAModelError,
        RollbackError,
        VersionNotFoundError,
    )
    from driftline.registry.registry import ModelRegistry
    from driftline.registry.versions import (
        CHALLENGER,
        CHAMPION,
        Action,
        ModelRef,
        ModelVersion,
        RegisteredModel,
        Transition,
        check_alias,
        check_model_name,
        parse_model_ref,
    )


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
