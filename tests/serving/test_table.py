"""The model table: versions by name, the default, atomic swaps, the chooser hook."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from driftline.core.errors import ConflictError, InputError, NotFoundError
from driftline.models import LoadedModel, ModelMeta, SklearnFlavor
from driftline.serving import ModelEntry, ModelTable, ServedModel, WeightedChooser


def test_first_version_is_the_default_and_versions_resolve(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel
) -> None:
    table = ModelTable([ServedModel("churn", 1, numeric_model)])
    table.add(ServedModel("churn", 2, numeric_model_v2))
    assert table.default_version("churn") == "1"
    assert table.resolve("churn").version == 1
    assert table.resolve("churn", 2).model is numeric_model_v2
    assert table.resolve("churn", "2").model is numeric_model_v2
    assert table.names() == ["churn"]
    assert len(table) == 2
    assert "churn" in table
    assert sorted(s.key for s in table) == ["1", "2"]


def test_unknown_name_or_version_names_what_is_served(numeric_model: LoadedModel) -> None:
    table = ModelTable([ServedModel("churn", 1, numeric_model)])
    with pytest.raises(NotFoundError, match=r"no model named 'fraud' is served \(served: churn\)"):
        table.resolve("fraud")
    with pytest.raises(NotFoundError, match=r"no version '9' \(served versions: 1\)"):
        table.resolve("churn", 9)
    with pytest.raises(NotFoundError, match="served: none"):
        ModelTable().resolve("churn")


def test_add_refuses_a_served_version_and_replace_swaps_it(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel
) -> None:
    table = ModelTable([ServedModel("churn", 1, numeric_model)])
    with pytest.raises(ConflictError, match="version '1' is already served"):
        table.add(ServedModel("churn", "1", numeric_model_v2))
    table.replace(ServedModel("churn", 1, numeric_model_v2))
    assert table.resolve("churn").model is numeric_model_v2
    table.replace(ServedModel("churn", 3, numeric_model), default=False)
    assert table.default_version("churn") == "1"
    table.add(ServedModel("churn", 4, numeric_model), default=True)
    assert table.default_version("churn") == "4"


def test_set_default_and_remove(numeric_model: LoadedModel, numeric_model_v2: LoadedModel) -> None:
    table = ModelTable(
        [ServedModel("churn", 1, numeric_model), ServedModel("churn", 2, numeric_model_v2)]
    )
    table.set_default("churn", 2)
    assert table.resolve("churn").version == 2
    with pytest.raises(NotFoundError):
        table.set_default("churn", 7)
    with pytest.raises(ConflictError, match="is the default of model 'churn'"):
        table.remove("churn", 2)
    assert table.remove("churn", 1).version == 1
    assert table.remove("churn", 2).version == 2
    assert "churn" not in table


def test_a_model_needs_a_signature_and_clean_labels(numeric_model: LoadedModel) -> None:
    bare = LoadedModel(None, SklearnFlavor(), ModelMeta("sklearn"))
    with pytest.raises(InputError, match="has no signature"):
        ServedModel("churn", 1, bare)
    with pytest.raises(InputError, match="without '/'"):
        ServedModel("a/b", 1, numeric_model)
    with pytest.raises(InputError, match="version"):
        ServedModel("churn", "", numeric_model)
    with pytest.raises(InputError, match="metadata of model 'churn' is not JSON-ready"):
        ServedModel("churn", 1, numeric_model, metadata={"when": object()})


def test_weighted_chooser_splits_traffic_by_weight(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel
) -> None:
    table = ModelTable(
        [ServedModel("churn", 1, numeric_model), ServedModel("churn", 2, numeric_model_v2)]
    )
    table.set_chooser("churn", WeightedChooser({1: 3, 2: 1}, seed=0))
    picks = Counter(table.resolve("churn").key for _ in range(4000))
    assert 2700 < picks["1"] < 3300
    assert picks["1"] + picks["2"] == 4000
    assert table.resolve("churn", 2).version == 2  # a named version bypasses the chooser
    table.set_chooser("churn", WeightedChooser({"9": 1}))  # unknown versions: the default
    assert table.resolve("churn").key == "1"
    table.set_chooser("churn", None)
    assert table.resolve("churn").key == "1"


def test_a_chooser_returning_an_unknown_version_falls_back_to_the_default(
    numeric_model: LoadedModel,
) -> None:
    class Broken:
        def choose(self, entry: ModelEntry) -> str:
            return "nope"

    table = ModelTable([ServedModel("churn", 1, numeric_model)])
    table.set_chooser("churn", Broken())
    assert table.resolve("churn").key == "1"


def test_weights_must_be_positive_somewhere() -> None:
    with pytest.raises(InputError, match="not all 0"):
        WeightedChooser({1: 0})
    with pytest.raises(InputError):
        WeightedChooser({1: -1, 2: 2})


def test_readers_never_fail_while_writers_swap(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel
) -> None:
    table = ModelTable(
        [ServedModel("churn", 1, numeric_model), ServedModel("churn", 2, numeric_model_v2)]
    )
    stop = threading.Event()
    seen: Counter[str] = Counter()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                seen[table.resolve("churn").key] += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for i in range(2000):
        table.set_default("churn", 1 + i % 2)
        table.replace(ServedModel("churn", 3, numeric_model), default=False)
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert sum(seen.values()) > 0
