"""The ``Model`` artifact type: a model folder stored as one deterministic ``.tar.gz`` artifact.

:class:`ModelType` follows the artifact-type protocol of ``driftline.pipeline.artifact_types``
structurally (``kind``, ``extension``, ``save``, ``load`` class methods), without importing the
pipeline package, which sits above this one. Use ``Model`` as a step annotation.

``save`` takes a :class:`~driftline.models.loaded.LoadedModel`, a model folder (a ``Path`` holding
``model.json``) or a bare model (saved by its flavor, without a signature). The archive holds the
folder's files with sorted names, zero mtimes and owners, so the same files give the same bytes.
``load`` unpacks it into a temporary folder and returns a ``LoadedModel``.

Examples:
    >>> import io
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit(np.array([[0.0], [1.0]]), np.array([0.0, 2.0]))
    >>> out = io.BytesIO()
    >>> props = ModelType.save(model, out)
    >>> props["flavor"], props["files"]
    ('sklearn', ['model.json', 'model.skops'])
    >>> loaded = ModelType.load(io.BytesIO(out.getvalue()), props)
    >>> loaded.predict(np.array([[3.0]])).round(6).tolist()
    [6.0]

"""

from __future__ import annotations

import gzip
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, BinaryIO, ClassVar

from driftline.core.errors import InputError
from driftline.core.scratch import scratch_folder
from driftline.models.loaded import LoadedModel
from driftline.models.meta import META_FILE, ModelMeta
from driftline.models.saving import load_model, save_model

__all__ = ["Model", "ModelType", "pack_folder", "unpack_folder"]


def pack_folder(folder: Path, writer: BinaryIO) -> list[str]:
    """Write the files of ``folder`` (flat) to ``writer`` as a deterministic ``.tar.gz``.

    Returns the archived names, sorted.
    """
    names = sorted(p.name for p in Path(folder).iterdir() if p.is_file())
    with (
        gzip.GzipFile(fileobj=writer, mode="wb", mtime=0, filename="") as zipped,
        tarfile.open(fileobj=zipped, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name in names:
            path = Path(folder) / name
            info = tarfile.TarInfo(name)
            info.size = path.stat().st_size
            info.mode = 0o644
            info.mtime = 0
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    return names


def unpack_folder(reader: BinaryIO, folder: Path) -> list[str]:
    """Unpack what :func:`pack_folder` wrote into ``folder``; return the names.

    Raises:
        InputError: the archive holds anything but plain files at its top level (naming it).

    """
    names: list[str] = []
    with tarfile.open(fileobj=reader, mode="r|gz") as tar:
        for member in tar:
            if not member.isfile() or "/" in member.name or member.name in {"", ".", ".."}:
                raise InputError(f"a model archive may hold only flat files, not {member.name!r}")
            tar.extract(member, folder, filter="data")
            names.append(member.name)
    return names


class ModelType:
    """A model (folder) artifact, stored as a ``.tar.gz``; loads as a ``LoadedModel``."""

    kind: ClassVar[str] = "model"
    extension: ClassVar[str] = ".tar.gz"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Archive the model folder to ``writer``; the properties name the flavor and files."""
        with scratch_folder("model") as tmp:
            folder = tmp / "model"
            if isinstance(value, Path):
                if not (value / META_FILE).is_file():
                    raise InputError(f"Model needs a model folder, {value} has no {META_FILE}")
                folder = value
            elif isinstance(value, LoadedModel):
                save_model(value.model, folder, flavor=value.flavor, signature=value.signature)
            else:
                save_model(value, folder)
            meta = ModelMeta.read(folder)
            names = pack_folder(folder, writer)
        return {"flavor": meta.flavor, "files": names}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> LoadedModel:
        """Unpack to a temporary folder and load the model from it."""
        with scratch_folder("model") as tmp:
            unpack_folder(reader, tmp)
            return load_model(tmp)


Model = Annotated[LoadedModel, ModelType]
"""A model artifact: use as a step annotation (a step returns a model; the next gets it loaded)."""
