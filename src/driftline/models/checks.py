"""The conformance kit: every model flavor, built-in or third-party, passes :func:`check_flavor`.

``check_flavor(flavor, model, sample)`` saves ``model`` with ``flavor`` and a signature from
``sample``, loads it **in a fresh Python process** and predicts there, and checks that:

* the predictions equal the original model's on the sample (exactly, or ``allclose`` for a
  flavor with ``exact = False``), and so do probabilities where the flavor gives them;
* the signature survives ``model.json`` and matches the sample;
* input with a missing column or a wrong type is rejected by ``check_input``, naming the column.

A failure raises ``AssertionError`` saying which check failed. The fresh process runs
``sys.executable`` with this process's ``sys.path``; it loads with the flavor's class (imported
by module and name, built without arguments) when that is importable, else with the built-ins.
It trusts what this process trusts (:func:`driftline.models.trust` and entry points), so a
torch module's factory must be trusted, and importable, there too.

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.linear_model import LogisticRegression
    >>> from driftline.models.sklearn_flavor import SklearnFlavor
    >>> sample = pa.table({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LogisticRegression().fit(np.array([[0, 1], [1, 0], [2, 1], [3, 0.0]]), [0, 0, 1, 1])
    >>> check_flavor(SklearnFlavor(), model, sample)

"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from driftline.core.errors import InputError
from driftline.models.flavor import Flavor
from driftline.models.meta import ModelMeta
from driftline.models.signature import ModelSignature, check_input, infer_signature
from driftline.models.trust_rules import registered

__all__ = ["check_flavor"]

_CHILD = """
import json, sys
import numpy as np
import pyarrow.parquet as pq
from driftline.models.saving import load_model
from driftline.models.trust_rules import trust

folder, sample, out, has_proba, spec, trusted = sys.argv[1:7]
has_proba = has_proba == "1"
trust(**json.loads(trusted))
flavors = []
if spec:
    import importlib
    module, _, name = spec.partition(":")
    flavors.append(getattr(importlib.import_module(module), name)())
loaded = load_model(folder, flavors=flavors)
table = pq.read_table(sample)
arrays = {"predict": loaded.predict(table)}
if has_proba:
    arrays["predict_proba"] = loaded.predict_proba(table)
arrays = {k: v.astype(str) if v.dtype == object else v for k, v in arrays.items()}
np.savez(out, **arrays)
print(json.dumps({"flavor": loaded.flavor.name}))
"""


def _comparable(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return array.astype(str) if array.dtype == object else array


def _same(name: str, exact: bool, want: np.ndarray[Any, Any], got: np.ndarray[Any, Any]) -> None:
    want = _comparable(np.asarray(want))
    if want.shape != got.shape:
        raise AssertionError(f"{name}: shape {got.shape} after loading, {want.shape} before")
    equal = (
        np.array_equal(want, got)
        if exact or not np.issubdtype(want.dtype, np.number)
        else np.allclose(want, got, rtol=1e-5, atol=1e-6)
    )
    if not equal:
        raise AssertionError(f"{name}: a model loaded in a fresh process predicts differently")


def _spec(flavor: Flavor) -> str:
    """``module:Class`` of a flavor the fresh process can import and build, else ``""``."""
    cls = type(flavor)
    if cls.__module__ == "__main__" or "<" in cls.__qualname__ or "." in cls.__qualname__:
        return ""
    return f"{cls.__module__}:{cls.__qualname__}"


def _has_proba(flavor: Flavor, model: Any, sample: pa.Table) -> bool:
    try:
        flavor.predict_proba(model, sample)
    except InputError:
        return False
    return True


def _rejects(signature: ModelSignature, table: pa.Table, column: str, what: str) -> None:
    try:
        check_input(signature, table)
    except InputError as exc:
        if repr(column) not in str(exc):
            raise AssertionError(f"{what}: the error does not name {column!r}: {exc}") from exc
        return
    raise AssertionError(f"{what}: check_input accepted it")


def _check_rejections(signature: ModelSignature, sample: pa.Table) -> None:
    first = sample.column_names[0]
    _rejects(signature, sample.drop_columns([first]), first, f"input without column {first!r}")
    field = sample.schema.field(first)
    other = pa.string() if not pa.types.is_string(field.type) else pa.int64()
    mistyped = sample.set_column(0, pa.field(first, other), pa.nulls(sample.num_rows, other))
    _rejects(signature, mistyped, first, f"column {first!r} as {other}")
    extra = sample.append_column("__driftline_extra__", pa.nulls(sample.num_rows))
    _rejects(signature, extra, "__driftline_extra__", "an extra column")


def check_flavor(flavor: Flavor, model: Any, sample: pa.Table) -> None:
    """Run the conformance checks of the module docstring on ``flavor`` with ``model``.

    Raises:
        AssertionError: a check failed (naming it).

    """
    from driftline.models.saving import save_model

    if not isinstance(sample, pa.Table) or sample.num_columns == 0 or sample.num_rows == 0:
        raise InputError("check_flavor needs a sample pyarrow.Table with rows and columns")
    if not flavor.can_save(model):
        raise AssertionError(f"{flavor!r}.can_save is False for {type(model).__qualname__}")
    before = flavor.predict(model, sample)
    has_proba = _has_proba(flavor, model, sample)
    with tempfile.TemporaryDirectory(prefix="driftline-check-") as tmp:
        folder, sample_path, out = Path(tmp) / "model", Path(tmp) / "s.parquet", Path(tmp) / "o.npz"
        meta = save_model(model, folder, sample=sample, flavor=flavor)
        if meta.flavor != flavor.name:
            raise AssertionError(f"saved as flavor {meta.flavor!r}, not {flavor.name!r}")
        pq.write_table(sample, sample_path)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        args = [str(folder), str(sample_path), str(out), "1" if has_proba else "0", _spec(flavor)]
        args.append(json.dumps(registered()))
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, env=env
        )
        if done.returncode != 0:
            raise AssertionError(f"loading in a fresh process failed:\n{done.stderr}")
        if json.loads(done.stdout.strip().splitlines()[-1])["flavor"] != flavor.name:
            raise AssertionError("the fresh process loaded the model with another flavor")
        with np.load(out, allow_pickle=False) as got:
            _same("predict", flavor.exact, before, got["predict"])
            if has_proba:
                proba = flavor.predict_proba(model, sample)
                _same("predict_proba", flavor.exact, proba, got["predict_proba"])
        stored = ModelMeta.read(folder).signature
    expected = infer_signature(sample, before)
    if stored != expected:
        raise AssertionError(f"signature {stored} after saving, {expected} expected")
    _check_rejections(expected, sample)
