"""The model registry on both backends: versions, aliases, history, lineage, loading."""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftline.core.clock import ManualClock
from driftline.core.errors import ArtifactCorruptError, ArtifactNotFoundError, InputError
from driftline.registry import (
    Action,
    AliasNotFoundError,
    ModelNotFoundError,
    ModelRegistry,
    NotAModelError,
    RollbackError,
    VersionNotFoundError,
)
from driftline.store.artifacts import ArtifactStore
from driftline.store.metadata import MetadataStore
from driftline.store.queries import ArtifactQuery, ExecutionQuery
from driftline.store.records import ContextRef, LineageDirection, NewArtifact
from tests.registry.conftest import ModelFactory, store_model
from tests.store.conftest import Dump


def _extra(metadata: MetadataStore, kind: str, label: str) -> int:
    digest = hashlib.sha256(f"{kind}/{label}".encode()).hexdigest()
    return metadata.put_artifact(NewArtifact(kind, f"file:///x/{label}", digest, 1)).id


def test_register_numbers_versions_and_records_everything(
    registry: ModelRegistry, metadata: MetadataStore, fake_model: ModelFactory
) -> None:
    model = fake_model("m1")
    evaluation = _extra(metadata, "evaluation", "e1")
    profile = _extra(metadata, "profile", "p1")
    first = registry.register(
        "churn",
        model.id,
        evaluation_id=evaluation,
        profile_id=profile,
        metrics={"accuracy": 0.91, "rows": 300},
        description="first model",
        by="ana",
        reason="initial training",
        contexts=[ContextRef("run", "r1")],
    )
    second = registry.register("churn", model.id, by="ben")

    assert (first.name, first.number, first.ref) == ("churn", 1, "churn:1")
    assert (first.model_id, first.uri, first.sha256) == (model.id, model.uri, model.sha256)
    assert first.flavor == "sklearn"
    assert dict(first.metrics) == {"accuracy": 0.91, "rows": 300.0}
    assert (first.evaluation_id, first.profile_id) == (evaluation, profile)
    assert (first.description, first.registered_by, first.reason) == (
        "first model",
        "ana",
        "initial training",
    )
    assert first.aliases == ()
    assert second.number == 2
    assert second.registered_by == "ben"

    stored = metadata.get_artifact(first.artifact_id)
    assert (stored.kind, stored.name, stored.uri, stored.size) == (
        "model_version",
        "churn:1",
        model.uri,
        model.size,
    )
    assert set(stored.properties) == {
        "model",
        "version",
        "model_id",
        "evaluation_id",
        "profile_id",
        "metrics",
        "description",
        "flavor",
        "registered_by",
        "reason",
    }
    assert metadata.get_context_by_name("model_version", "churn:2").properties == {"model": "churn"}
    in_run = metadata.executions(ExecutionQuery(context=ContextRef("run", "r1")))
    assert [e.kind for e in in_run] == ["register"]
    assert registry.models() == ["churn"]
    assert [v.number for v in registry.versions("churn")] == [1, 2]
    assert registry.version("churn") == second
    assert registry.version("churn", 1) == first
    assert first.to_dict()["ref"] == "churn:1"


def test_model_version_lineage_reaches_the_model_evaluation_and_profile(
    registry: ModelRegistry, metadata: MetadataStore, fake_model: ModelFactory
) -> None:
    model = fake_model("m1")
    evaluation = _extra(metadata, "evaluation", "e1")
    profile = _extra(metadata, "profile", "p1")
    version = registry.register("churn", model.id, evaluation_id=evaluation, profile_id=profile)
    up = metadata.lineage(version.artifact_id, LineageDirection.UP)
    assert up.depth == {version.artifact_id: 0, model.id: 1, evaluation: 1, profile: 1}
    (producer,) = up.producers(version.artifact_id)
    assert metadata.get_execution(producer).kind == "register"
    down = metadata.lineage(model.id, LineageDirection.DOWN)
    assert version.artifact_id in down.artifacts


def test_resolve_every_kind_of_reference(registry: ModelRegistry, fake_model: ModelFactory) -> None:
    model = fake_model()
    for _ in range(3):
        registry.register("churn", model.id)
    registry.promote("churn", 2)
    assert registry.resolve("churn").number == 3
    assert registry.resolve(" churn:1 ").number == 1
    champion = registry.resolve("churn@champion")
    assert (champion.number, champion.aliases) == (2, ("champion",))
    assert registry.alias("churn", "challenger") is None
    with pytest.raises(AliasNotFoundError, match=r"no alias 'challenger'.*champion \(version 2\)"):
        registry.resolve("churn@challenger")


@pytest.mark.parametrize(
    "ref", ["", "churn:", "churn:0", "churn@Champion", "1churn", "a b", "x:1@y"]
)
def test_malformed_references_are_input_errors(
    registry: ModelRegistry, fake_model: ModelFactory, ref: str
) -> None:
    registry.register("churn", fake_model().id)
    with pytest.raises(InputError, match=r"NAME:VERSION|version number"):
        registry.resolve(ref)


def test_promote_rollback_remove_and_history(
    registry: ModelRegistry, fake_model: ModelFactory, clock: ManualClock
) -> None:
    model = fake_model()
    for _ in range(3):
        registry.register("churn", model.id, by="ci")
        clock.advance(60)
    first = registry.promote("churn", 1, by="ana", reason="first")
    assert (first.alias, first.version, first.previous, first.action) == (
        "champion",
        1,
        None,
        Action.PROMOTE,
    )
    clock.advance(60)
    moved = registry.promote("churn", 2, by="ana", reason="better")
    assert (moved.version, moved.previous) == (2, 1)
    registry.set_alias("churn", "challenger", 3, by="ci")
    assert registry.aliases("churn") == {"challenger": 3, "champion": 2}
    assert [v.aliases for v in registry.versions("churn")] == [(), ("champion",), ("challenger",)]

    back = registry.rollback("churn", by="ana", reason="worse live")
    assert (back.version, back.previous, back.action) == (1, 2, Action.ROLLBACK)
    undo = registry.rollback("churn", by="ana")
    assert (undo.version, undo.previous) == (2, 1)
    removed = registry.remove_alias("churn", "challenger", by="ci", reason="rejected")
    assert (removed.version, removed.previous, removed.action) == (None, 3, Action.REMOVE)
    assert registry.aliases("churn") == {"champion": 2}
    restored = registry.rollback("churn", alias="challenger")
    assert (restored.version, restored.previous) == (3, None)

    history = registry.history("churn")
    assert [(t.action.value, t.alias, t.version, t.previous) for t in history] == [
        ("register", None, 1, None),
        ("register", None, 2, None),
        ("register", None, 3, None),
        ("promote", "champion", 1, None),
        ("promote", "champion", 2, 1),
        ("set", "challenger", 3, None),
        ("rollback", "champion", 1, 2),
        ("rollback", "champion", 2, 1),
        ("remove", "challenger", None, 3),
        ("rollback", "challenger", 3, None),
    ]
    assert [t.execution_id for t in history] == sorted(t.execution_id for t in history)
    assert history[4].by == "ana"
    assert history[4].reason == "better"
    assert history[0].at < history[4].at
    assert history[4] == moved
    assert history[-1].to_dict()["action"] == "rollback"


def test_setting_an_alias_to_its_version_again_records_nothing(
    registry: ModelRegistry, fake_model: ModelFactory, dump: Callable[[], Dump]
) -> None:
    registry.register("churn", fake_model().id)
    first = registry.promote("churn", 1)
    before = dump()
    assert registry.set_alias("churn", "champion", 1) == first
    assert registry.promote("churn", 1) == first
    assert dump() == before


def test_rollback_needs_an_earlier_version(
    registry: ModelRegistry, fake_model: ModelFactory, dump: Callable[[], Dump]
) -> None:
    registry.register("churn", fake_model().id)
    before = dump()
    with pytest.raises(RollbackError, match="'champion' of model 'churn' was never set"):
        registry.rollback("churn")
    assert dump() == before
    registry.promote("churn", 1)
    before = dump()
    with pytest.raises(RollbackError, match=r"no earlier version.*first set to version 1"):
        registry.rollback("churn")
    assert dump() == before


def test_unknown_models_are_not_found_and_listed(
    registry: ModelRegistry, fake_model: ModelFactory
) -> None:
    registry.register("churn", fake_model().id)
    registry.register("fraud", fake_model("m2").id)
    calls: list[Callable[[], object]] = [
        lambda: registry.versions("nope"),
        lambda: registry.version("nope"),
        lambda: registry.version("nope", 1),
        lambda: registry.aliases("nope"),
        lambda: registry.alias("nope", "champion"),
        lambda: registry.history("nope"),
        lambda: registry.resolve("nope@champion"),
        lambda: registry.rollback("nope"),
        lambda: registry.remove_alias("nope", "champion"),
    ]
    for call in calls:
        with pytest.raises(ModelNotFoundError, match="'nope'; registered models: churn, fraud"):
            call()


def _bad_calls(
    registry: ModelRegistry, model_id: int, span_id: int
) -> dict[str, tuple[type[Exception], str, Callable[[], object]]]:
    return {
        "bad model name": (
            InputError,
            "model name must start with a letter",
            lambda: registry.register("my model", model_id),
        ),
        "not a model": (
            NotAModelError,
            "is a 'span', not a 'model'",
            lambda: registry.register("churn", span_id),
        ),
        "missing model": (
            ArtifactNotFoundError,
            "artifact 999 does not exist",
            lambda: registry.register("churn", 999),
        ),
        "missing evaluation": (
            ArtifactNotFoundError,
            "artifact 998",
            lambda: registry.register("churn", model_id, evaluation_id=998),
        ),
        "bad metric": (
            InputError,
            "metric 'auc' must be a finite number",
            lambda: registry.register("churn", model_id, metrics={"auc": float("nan")}),
        ),
        "registry context": (
            InputError,
            "kept by the registry",
            lambda: registry.register(
                "churn", model_id, contexts=[ContextRef("registered_model", "x")]
            ),
        ),
        "unknown model": (
            ModelNotFoundError,
            "no registered model named 'nope'; registered models: churn",
            lambda: registry.promote("nope", 1),
        ),
        "unknown version": (
            VersionNotFoundError,
            "model 'churn' has no version 9; its versions are 1, 2",
            lambda: registry.promote("churn", 9),
        ),
        "bad alias": (
            InputError,
            "an alias must start with a lower-case letter.*'Champion'",
            lambda: registry.set_alias("churn", "Champion", 1),
        ),
        "alias not set": (
            AliasNotFoundError,
            "no alias 'challenger'; its aliases are champion \\(version 1\\)",
            lambda: registry.remove_alias("churn", "challenger"),
        ),
        "bad by": (InputError, "by must be", lambda: registry.promote("churn", 2, by="")),
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad model name",
        "not a model",
        "missing model",
        "missing evaluation",
        "bad metric",
        "registry context",
        "unknown model",
        "unknown version",
        "bad alias",
        "alias not set",
        "bad by",
    ],
)
def test_errors_name_the_problem_and_change_nothing(
    registry: ModelRegistry,
    metadata: MetadataStore,
    fake_model: ModelFactory,
    dump: Callable[[], Dump],
    case: str,
) -> None:
    model = fake_model()
    span = fake_model("span-1", kind="span")
    registry.register("churn", model.id)
    registry.register("churn", model.id)
    registry.promote("churn", 1)
    error, message, call = _bad_calls(registry, model.id, span.id)[case]
    before = dump()
    with pytest.raises(error, match=message):
        call()
    assert dump() == before


def test_load_predicts_as_the_registered_model(
    registry: ModelRegistry,
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    xy: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = xy
    linear = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    boosted = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    registry.register("churn", store_model(metadata, artifacts, linear, "linear").id)
    registry.register("churn", store_model(metadata, artifacts, boosted, "boosted").id)
    registry.promote("churn", 1)

    champion = registry.load("churn@champion")
    assert champion.flavor.name == "sklearn"
    np.testing.assert_array_equal(champion.predict(x), linear.predict(x))
    np.testing.assert_array_equal(champion.predict_proba(x), linear.predict_proba(x))
    latest = registry.load(registry.version("churn"))
    np.testing.assert_array_equal(latest.predict(x), boosted.predict(x))


def test_load_refuses_corrupt_bytes(
    registry: ModelRegistry,
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    xy: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = xy
    stored = store_model(metadata, artifacts, LogisticRegression().fit(x, y), "m")
    version = registry.register("churn", stored.id)
    path = artifacts.local_path(version.uri)
    assert path is not None
    data = bytearray(Path(path).read_bytes())
    data[-10] ^= 0xFF
    os.chmod(path, 0o644)
    Path(path).write_bytes(bytes(data))
    with pytest.raises(ArtifactCorruptError, match="model version churn:1"):
        registry.load(version)


def test_overview_lists_every_model_in_two_queries(
    registry: ModelRegistry, fake_model: ModelFactory
) -> None:
    model = fake_model()
    for name, n in (("fraud", 1), ("churn", 3)):
        for _ in range(n):
            registry.register(name, model.id)
    registry.promote("churn", 2)
    registry.set_alias("churn", "challenger", 3)
    found = registry.overview()
    assert [(m.name, m.latest.number, m.versions, m.champion) for m in found] == [
        ("churn", 3, 3, 2),
        ("fraud", 1, 1, None),
    ]
    assert found[0].latest.aliases == ("challenger",)
    assert found[0].to_dict()["aliases"] == {"challenger": 3, "champion": 2}


def test_by_defaults_to_the_os_user(
    registry: ModelRegistry, fake_model: ModelFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = fake_model()
    monkeypatch.setattr(getpass, "getuser", lambda: "ana")
    assert registry.register("churn", model.id).registered_by == "ana"

    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert registry.promote("churn", 1).by == "unknown"


def test_only_model_version_artifacts_count(
    registry: ModelRegistry, metadata: MetadataStore, fake_model: ModelFactory
) -> None:
    model = fake_model()
    registry.register("churn", model.id)
    in_context = metadata.artifacts(ArtifactQuery(context=ContextRef("registered_model", "churn")))
    assert sorted(a.kind for a in in_context) == ["model", "model_version"]
    assert [v.number for v in registry.versions("churn")] == [1]


def test_a_stray_version_context_is_skipped(
    registry: ModelRegistry, metadata: MetadataStore, fake_model: ModelFactory
) -> None:
    metadata.put_context(ContextRef("model_version", "churn:1"))
    assert registry.register("churn", fake_model().id).number == 2
