from __future__ import annotations

import json
import subprocess
import sys

import driftline.models


def test_all_names_resolve_and_dir_is_all() -> None:
    for name in driftline.models.__all__:
        assert getattr(driftline.models, name) is not None, name
    assert set(dir(driftline.models)) == set(driftline.models.__all__)
    assert set(driftline.models._LAZY) == set(driftline.models.__all__)


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import driftline.models; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert not loaded & {"numpy", "pyarrow", "sklearn", "skops", "lightgbm", "torch"}


def test_saving_an_sklearn_model_does_not_import_torch_or_lightgbm() -> None:
    code = (
        "import sys, numpy as np\n"
        "from sklearn.dummy import DummyRegressor\n"
        "from driftline.models.saving import flavor_for\n"
        "print(flavor_for(DummyRegressor()).name, "
        "'torch' in sys.modules, 'lightgbm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sklearn", "False", "False"]
