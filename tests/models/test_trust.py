"""Trust comes from the user (a call, an entry point, a flavor argument), never from the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from driftline.core.errors import InputError, IntegrityError
from driftline.models import SklearnFlavor, TorchFlavor, build_module, load_model, save_model
from driftline.models.meta import ModelMeta
from driftline.models.trust_rules import registered, trust, trusted, trusted_torch_factories
from tests.models.crafting import touch
from tests.models.factories import double

TINY = "tests.models.factories:tiny"


def _rewrite_factory(folder: Path, factory: str, kwargs: dict[str, Any]) -> None:
    """Point ``model.json`` at another factory (model.json carries no hash of itself)."""
    meta = json.loads((folder / "model.json").read_text())
    meta["params"] = {"factory": factory, "kwargs": kwargs}
    (folder / "model.json").write_text(json.dumps(meta))


def _torch_folder(tmp_path: Path, factory: str = TINY) -> Path:
    import torch

    torch.manual_seed(0)
    folder = tmp_path / "net"
    save_model(build_module(factory, n_in=3), folder)
    return folder


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        ("os:system", {"command": "MARKER"}),
        ("subprocess:run", {"args": ["sh", "-c", "MARKER"]}),
        ("numpy.testing._private.utils:runstring", {"astr": "MARKER", "dict": {}}),
    ],
)
def test_an_untrusted_torch_factory_is_refused_before_it_is_imported(
    factory: str, kwargs: dict[str, Any], tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    code = touch(marker) if "runstring" not in factory else f"open({str(marker)!r}, 'w')"
    filled = json.loads(json.dumps(kwargs).replace("MARKER", code.replace('"', '\\"')))
    folder = _torch_folder(tmp_path)
    _rewrite_factory(folder, factory, filled)
    with pytest.raises(IntegrityError, match=f"names the torch factory '{factory}', which is not"):
        load_model(folder)
    assert not marker.exists()


def test_trust_is_the_only_gate_in_front_of_a_factory(tmp_path: Path) -> None:
    """The same folder, with its factory trusted, runs it: that is why it is refused by default."""
    marker = tmp_path / "marker"
    folder = _torch_folder(tmp_path)
    _rewrite_factory(folder, "os:system", {"command": touch(marker)})
    with trusted(torch_factories=["os:system"]), pytest.raises(AttributeError):
        load_model(folder)  # os.system returns 0, which is no module
    assert marker.exists()


def test_a_trusted_factory_loads_and_trust_ends_with_the_block(data: Any, tmp_path: Path) -> None:
    folder = _torch_folder(tmp_path)
    with pytest.raises(IntegrityError, match=TINY):
        load_model(folder)
    with trusted(torch_factories=[TINY]):
        assert load_model(folder).predict(data[1]).shape == (200, 1)
    assert TINY not in trusted_torch_factories()


def test_the_factory_given_to_the_flavor_is_trusted(data: Any, tmp_path: Path) -> None:
    folder = _torch_folder(tmp_path)
    loaded = load_model(folder, flavors=[TorchFlavor(TINY)])
    assert loaded.predict(data[1]).shape == (200, 1)
    with pytest.raises(IntegrityError, match=TINY):
        load_model(folder, flavors=[TorchFlavor("tests.models.factories:mlp")])


def test_an_installed_distribution_trusts_by_entry_point(
    data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _torch_folder(tmp_path)
    site = tmp_path / "site"
    dist = site / "my_nets-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-nets\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[driftline.torch_factories]\ntiny = {TINY}\n")
    monkeypatch.syspath_prepend(str(site))
    assert TINY in trusted_torch_factories()
    assert load_model(folder).predict(data[1]).shape == (200, 1)


def test_a_malformed_factory_record_is_refused(tmp_path: Path) -> None:
    folder = _torch_folder(tmp_path)
    _rewrite_factory(folder, TINY, {})
    meta = json.loads((folder / "model.json").read_text())
    meta["params"]["kwargs"] = ["n_in", 3]
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(IntegrityError, match="a factory name and a kwargs object"):
        load_model(folder)
    assert ModelMeta.read(folder).params["factory"] == TINY


def test_your_own_skops_function_loads_once_trusted(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    model = make_pipeline(FunctionTransformer(double), LogisticRegression()).fit(x, y)
    save_model(model, tmp_path / "m", sample=table)
    with pytest.raises(IntegrityError, match=r"tests\.models\.factories\.double \(a function"):
        load_model(tmp_path / "m")
    with trusted(skops=["tests.models.factories:double"]):
        assert (load_model(tmp_path / "m").predict(table) == model.predict(x)).all()
    flavor = SklearnFlavor(trust=["tests.models.factories:double"])
    assert (load_model(tmp_path / "m", flavors=[flavor]).predict(table) == model.predict(x)).all()


def test_scikit_learn_functions_are_trusted_only_when_asked(data: Any, tmp_path: Path) -> None:
    table, x, y = data
    model = make_pipeline(SelectKBest(k=2), LogisticRegression()).fit(x, y)
    save_model(model, tmp_path / "m", sample=table)
    with pytest.raises(IntegrityError, match=r"_univariate_selection\.f_classif"):
        load_model(tmp_path / "m")
    with trusted(skops=["sklearn.feature_selection:f_classif"]):
        assert (load_model(tmp_path / "m").predict(table) == model.predict(x)).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"skops": ["numpy.sum"]}, "must be 'package.module:name', got 'numpy.sum'"),
        ({"torch_factories": ["pkg:a b"]}, "got 'pkg:a b'"),
        ({"torch_factories": "pkg.nets:mlp"}, "a list of names, not the string"),
    ],
)
def test_malformed_trust_is_an_input_error(kwargs: dict[str, Any], message: str) -> None:
    before = registered()
    with pytest.raises(InputError, match=message):
        trust(**kwargs)
    assert registered() == before


def test_a_trusted_skops_name_that_cannot_be_imported_is_named(tmp_path: Path) -> None:
    model = make_pipeline(FunctionTransformer(np.sum), LogisticRegression())
    save_model(model, tmp_path / "m", flavor="sklearn")
    with (
        trusted(skops=["tests.models.nowhere:thing"]),
        pytest.raises(InputError, match=r"'tests\.models\.nowhere:thing' cannot be imported"),
    ):
        load_model(tmp_path / "m")
