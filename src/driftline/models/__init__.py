"""Models: flavors that save a model to a folder safely, load it back and predict on tables.

Importing this package is cheap (no numpy, no scikit-learn); names load on first use.

=====================================  ============================================================
:func:`save_model` / :func:`load_model`  a model folder: the flavor's files + ``model.json``
:class:`LoadedModel`                   ``.predict(table)``, ``.predict_proba``, ``.signature``
:class:`Flavor`                        the extension point; built-ins: :class:`SklearnFlavor`
                                       (skops), :class:`LightGBMFlavor` (text), :class:`TorchFlavor`
                                       (factory + safetensors)
:class:`ModelSignature`                input columns with Arrow types, output dtype and shape
:func:`check_input`                    an InputError naming a missing, extra or mistyped column
:class:`ModelMeta`                     what ``model.json`` records
:class:`ModelType`, ``Model``          the pipeline artifact type (a deterministic ``.tar.gz``)
:func:`check_flavor`                   the conformance kit every flavor passes
:func:`trust` / :func:`trusted`        names a model folder may use beyond the built-in allowlist
                                       (your classes and functions, torch factories)
=====================================  ============================================================

Examples:
    >>> import tempfile
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from driftline.models import load_model, save_model
    >>> sample = pa.table({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> model = model.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = save_model(model, tmp + "/m", sample=sample)
    ...     loaded = load_model(tmp + "/m")
    >>> loaded.flavor.name, loaded.predict(sample).tolist()
    ('sklearn', [0, 0, 1, 1])

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = [
    "ColumnSpec",
    "Flavor",
    "LightGBMFlavor",
    "LoadedModel",
    "Model",
    "ModelMeta",
    "ModelSignature",
    "ModelType",
    "SklearnFlavor",
    "TorchFlavor",
    "build_module",
    "check_flavor",
    "check_input",
    "infer_signature",
    "load_model",
    "save_model",
    "trust",
    "trusted",
]

_LAZY = {
    "ColumnSpec": "driftline.models.signature",
    "Flavor": "driftline.models.flavor",
    "LightGBMFlavor": "driftline.models.lightgbm_flavor",
    "LoadedModel": "driftline.models.loaded",
    "Model": "driftline.models.artifact",
    "ModelMeta": "driftline.models.meta",
    "ModelSignature": "driftline.models.signature",
    "ModelType": "driftline.models.artifact",
    "SklearnFlavor": "driftline.models.sklearn_flavor",
    "TorchFlavor": "driftline.models.torch_flavor",
    "build_module": "driftline.models.torch_flavor",
    "check_flavor": "driftline.models.checks",
    "check_input": "driftline.models.signature",
    "infer_signature": "driftline.models.signature",
    "load_model": "driftline.models.saving",
    "save_model": "driftline.models.saving",
    "trust": "driftline.models.trust_rules",
    "trusted": "driftline.models.trust_rules",
}

if TYPE_CHECKING:
    from driftline.models.artifact import Model, ModelType
    from driftline.models.checks import check_flavor
    from driftline.models.flavor import Flavor
    from driftline.models.lightgbm_flavor import LightGBMFlavor
    from driftline.models.loaded import LoadedModel
    from driftline.models.meta import ModelMeta
    from driftline.models.saving import load_model, save_model
    from driftline.models.signature import ColumnSpec, ModelSignature, check_input, infer_signature
    from driftline.models.sklearn_flavor import SklearnFlavor
    from driftline.models.torch_flavor import TorchFlavor, build_module
    from driftline.models.trust_rules import trust, trusted


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
