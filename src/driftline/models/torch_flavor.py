"""The torch flavor: a module rebuilt from an importable factory, with weights in safetensors.

A torch module is saved as *how to build it* plus *its weights*: a factory, named as
``"package.module:function"`` with JSON keyword arguments (recorded in ``model.json``), and the
module's ``state_dict`` in a ``weights.safetensors`` file (no pickle). Loading imports the factory,
builds the module, loads the weights strictly and switches to eval mode.

Importing and calling a factory named in a file is running code the file chose, so loading
refuses a factory that is not trusted: trusted in this process or by an installed
distribution's entry point (:mod:`driftline.models.trust_rules`), or the one given to the flavor
(``load_model(folder, flavors=[TorchFlavor("pkg.nets:mlp")])``). The refusal is an
:class:`~driftline.core.errors.IntegrityError` naming the factory; nothing is imported.

Give the factory either to the flavor (``TorchFlavor("pkg.nets:mlp", {"hidden": 8})``) or build
the module with :func:`build_module`, which records it on the module. torch is imported only when
used; without it the flavor says ``pip install 'driftline[torch]'``.

Examples:
    >>> TorchFlavor("pkg.nets:mlp", {"hidden": 8})
    TorchFlavor('pkg.nets:mlp', {'hidden': 8})

"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from driftline.core.errors import InputError, IntegrityError
from driftline.models.flavor import Flavor
from driftline.models.meta import META_FILE, ModelMeta, hash_files
from driftline.models.signature import to_matrix
from driftline.models.trust_rules import TORCH_FACTORIES_GROUP, trusted_torch_factories

__all__ = ["FACTORY_ATTRIBUTE", "TorchFlavor", "build_module", "import_factory"]

WEIGHTS_FILE = "weights.safetensors"
FACTORY_ATTRIBUTE = "driftline_factory"
"""The attribute where :func:`build_module` records ``(factory, kwargs)`` on a module."""


def _torch() -> Any:
    try:
        import safetensors.torch
        import torch
    except ImportError as exc:
        raise InputError(
            f"the torch flavor needs torch and safetensors ({exc.name} is missing): "
            "pip install 'driftline[torch]'"
        ) from exc
    return torch, safetensors.torch


def import_factory(spec: str) -> Any:
    """The callable named by ``"package.module:function"``.

    Raises:
        InputError: the spec is malformed, or its module or function cannot be found (naming it).

    Examples:
        >>> import_factory("json:dumps")([1])
        '[1]'
        >>> import_factory("json.dumps")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        driftline.core.errors.InputError: a factory must be 'package.module:function', got ...

    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"a factory must be 'package.module:function', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"cannot import the factory module {module_name!r}: {exc}") from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise InputError(f"factory {spec!r}: {module_name} has no callable {attr!r}")
    return factory


def _check_kwargs(spec: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads(json.dumps(dict(kwargs))))
    except (TypeError, ValueError) as exc:
        raise InputError(f"the kwargs of factory {spec!r} must be JSON: {exc}") from exc


def build_module(factory: str, **kwargs: Any) -> Any:
    """Build a module with ``factory(**kwargs)`` and record both on it, for saving later."""
    module = import_factory(factory)(**kwargs)
    setattr(module, FACTORY_ATTRIBUTE, (factory, _check_kwargs(factory, kwargs)))
    return module


class TorchFlavor(Flavor):
    """``torch.nn.Module`` = factory (in the metadata) + state dict (safetensors)."""

    name: ClassVar[str] = "torch"
    exact: ClassVar[bool] = False

    def __init__(self, factory: str | None = None, kwargs: Mapping[str, Any] | None = None) -> None:
        self.factory = factory
        self.kwargs = dict(kwargs or {})

    def __repr__(self) -> str:
        if self.factory is None:
            return "TorchFlavor()"
        return f"TorchFlavor({self.factory!r}, {self.kwargs!r})"

    def can_save(self, model: Any) -> bool:
        """Whether ``model`` is a ``torch.nn.Module`` (only if torch is imported)."""
        if "torch" not in sys.modules:
            return False
        import torch

        return isinstance(model, torch.nn.Module)

    def save(self, model: Any, folder: Path) -> ModelMeta:
        """Write the weights as safetensors; the factory and its kwargs go in the metadata.

        Raises:
            InputError: not a module, or no factory is known for it.

        """
        torch, st = _torch()
        if not isinstance(model, torch.nn.Module):
            raise InputError(f"the torch flavor cannot save {type(model).__qualname__}")
        if self.factory is not None:
            factory, kwargs = self.factory, _check_kwargs(self.factory, self.kwargs)
        elif hasattr(model, FACTORY_ATTRIBUTE):
            factory, kwargs = getattr(model, FACTORY_ATTRIBUTE)
        else:
            raise InputError(
                f"cannot save {type(model).__qualname__}: the torch flavor needs its factory; "
                "use TorchFlavor('package.module:function', kwargs) or build_module(...)"
            )
        import_factory(factory)  # fail now, not at load time
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        st.save_file(state, str(Path(folder) / WEIGHTS_FILE))
        return ModelMeta(
            self.name,
            files=hash_files(folder, [WEIGHTS_FILE]),
            versions={"torch": str(torch.__version__), "numpy": np.__version__},
            params={"factory": factory, "kwargs": kwargs},
        )

    def load(self, folder: Path, meta: ModelMeta) -> Any:
        """Build the module with the recorded factory, load the weights, switch to eval mode.

        Raises:
            IntegrityError: the factory is not trusted (see the module docstring), or the
                recorded factory or its kwargs are malformed; nothing is imported.

        """
        factory, kwargs = meta.params.get("factory"), meta.params.get("kwargs", {})
        where = Path(folder) / META_FILE
        if not isinstance(factory, str) or not isinstance(kwargs, dict):
            raise IntegrityError(f"{where} must record a factory name and a kwargs object")
        if factory != self.factory and factory not in trusted_torch_factories():
            raise IntegrityError(
                f"{where} names the torch factory {factory!r}, which is not trusted: loading "
                "would import and call it. Trust it with "
                f"driftline.models.trust(torch_factories=[{factory!r}]) or an entry point "
                f"in the group {TORCH_FACTORIES_GROUP!r}"
            )
        _, st = _torch()
        module = build_module(factory, **kwargs)
        module.load_state_dict(st.load_file(str(Path(folder) / WEIGHTS_FILE)), strict=True)
        module.eval()
        return module

    def predict(self, model: Any, data: Any) -> np.ndarray[Any, Any]:
        """The module's output for the input as ``float32``, without gradients."""
        torch, _ = _torch()
        matrix = np.ascontiguousarray(to_matrix(data, np.float32))
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(torch.from_numpy(matrix))
        finally:
            model.train(was_training)
        return np.asarray(out.detach().cpu().numpy())
