"""Save a model to a folder with its flavor and metadata, and load it back.

A model folder holds the flavor's files and ``model.json``
(:class:`~driftline.models.meta.ModelMeta`: flavor, library versions, signature, files with
SHA-256). :func:`load_model` checks every file's
SHA-256 before the flavor reads it.

Examples:
    >>> import tempfile
    >>> import numpy as np, pyarrow as pa
    >>> from pathlib import Path
    >>> from sklearn.linear_model import LogisticRegression
    >>> sample = pa.table({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     meta = save_model(model, Path(tmp) / "m", sample=sample)
    ...     loaded = load_model(Path(tmp) / "m")
    >>> meta.flavor, loaded.predict(sample).tolist()
    ('sklearn', [0, 0, 1, 1])
    >>> save_model(object(), Path("unused"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: no model flavor can save object (flavors: ...)

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from driftline.core.errors import ArtifactCorruptError, InputError
from driftline.core.hashing import sha256_file
from driftline.models.flavor import Flavor
from driftline.models.lightgbm_flavor import LightGBMFlavor
from driftline.models.loaded import LoadedModel
from driftline.models.meta import ModelMeta
from driftline.models.signature import ModelSignature, infer_signature
from driftline.models.sklearn_flavor import SklearnFlavor
from driftline.models.torch_flavor import TorchFlavor

__all__ = ["builtin_flavors", "flavor_for", "flavor_named", "load_model", "save_model"]


def builtin_flavors() -> tuple[Flavor, ...]:
    """The built-in flavors, in the order :func:`flavor_for` tries them.

    Examples:
        >>> [f.name for f in builtin_flavors()]
        ['lightgbm', 'sklearn', 'torch']

    """
    return (LightGBMFlavor(), SklearnFlavor(), TorchFlavor())


def flavor_named(name: str, flavors: Sequence[Flavor] = ()) -> Flavor:
    """The flavor called ``name`` (out of ``flavors``, then the built-ins).

    Raises:
        InputError: no flavor has that name (listing the known ones).

    """
    known = [*flavors, *builtin_flavors()]
    for flavor in known:
        if flavor.name == name:
            return flavor
    names = ", ".join(sorted({f.name for f in known}))
    raise InputError(f"no model flavor is called {name!r} (flavors: {names})")


def flavor_for(model: Any, flavors: Sequence[Flavor] = ()) -> Flavor:
    """The first flavor (out of ``flavors``, then the built-ins) that can save ``model``.

    Raises:
        InputError: none can, naming the model's type.

    """
    known = [*flavors, *builtin_flavors()]
    for flavor in known:
        if flavor.can_save(model):
            return flavor
    names = ", ".join(sorted({f.name for f in known}))
    raise InputError(f"no model flavor can save {type(model).__qualname__} (flavors: {names})")


def save_model(
    model: Any,
    folder: str | Path,
    *,
    sample: Any = None,
    flavor: Flavor | str | None = None,
    signature: ModelSignature | None = None,
) -> ModelMeta:
    """Save ``model`` into ``folder`` (created; must be empty) and write ``model.json``.

    ``sample`` (a table or 2-D array) gives the signature: its columns, and the output of the
    model on it. ``flavor`` is a flavor or its name; by default the first that can save the model.
    ``signature`` gives a known signature instead of a sample.

    Raises:
        InputError: no flavor fits the model, or ``folder`` is not empty.

    """
    folder = Path(folder)
    if isinstance(flavor, str):
        flavor = flavor_named(flavor)
    elif flavor is None:
        flavor = flavor_for(model)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"cannot save a model into {folder}: it exists and is not an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    meta = flavor.save(model, folder)
    if sample is not None:
        signature = infer_signature(sample, flavor.predict(model, sample))
    meta = replace(meta, signature=signature)
    meta.write(folder)
    return meta


def load_model(folder: str | Path, *, flavors: Sequence[Flavor] = ()) -> LoadedModel:
    """Load the model saved in ``folder``, after checking the SHA-256 of each of its files.

    ``flavors`` adds flavors (third-party ones) to the built-ins.

    Raises:
        InputError: ``folder`` is not a model folder, or names an unknown flavor.
        ArtifactCorruptError: a file is missing or its bytes do not match (naming the file).

    """
    folder = Path(folder)
    meta = ModelMeta.read(folder)
    flavor = flavor_named(meta.flavor, flavors)
    for name, expected in meta.files.items():
        path = folder / name
        if not path.is_file() or sha256_file(path)[0] != expected:
            raise ArtifactCorruptError(f"model file {path} is missing or does not match model.json")
    return LoadedModel(flavor.load(folder, meta), flavor, meta)
