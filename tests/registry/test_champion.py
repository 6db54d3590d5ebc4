"""ModelRegistry.champion: the version its champion alias points at, or an error naming it."""

from __future__ import annotations

import pytest

from driftline.core.errors import NotFoundError
from driftline.registry import AliasNotFoundError, ModelNotFoundError, ModelRegistry
from driftline.registry.versions import CHAMPION
from tests.registry.conftest import ModelFactory


def test_the_champion_follows_the_alias(registry: ModelRegistry, fake_model: ModelFactory) -> None:
    model = fake_model("m")
    registry.register("churn", model.id)
    registry.register("churn", model.id)
    registry.promote("churn", 1)
    assert registry.champion("churn").number == 1
    registry.promote("churn", 2)
    found = registry.champion("churn")
    assert (found.ref, found.aliases) == ("churn:2", (CHAMPION,))
    assert found == registry.resolve(f"churn@{CHAMPION}")


def test_a_model_without_a_champion_is_named(
    registry: ModelRegistry, fake_model: ModelFactory
) -> None:
    registry.register("churn", fake_model("m").id)
    registry.set_alias("churn", "challenger", 1)
    missing = r"model 'churn' has no alias 'champion'.*challenger"
    with pytest.raises(AliasNotFoundError, match=missing):
        registry.champion("churn")


def test_an_unknown_model_is_named(registry: ModelRegistry, fake_model: ModelFactory) -> None:
    registry.register("churn", fake_model("m").id)
    with pytest.raises(ModelNotFoundError, match=r"no registered model named 'fraud'.*churn"):
        registry.champion("fraud")
    assert issubclass(ModelNotFoundError, NotFoundError)
    assert issubclass(AliasNotFoundError, NotFoundError)
