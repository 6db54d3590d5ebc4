"""Model metadata: what ``model.json`` in a model folder records.

A :class:`ModelMeta` names the flavor, the versions of the libraries that wrote the model, its
:class:`~driftline.models.signature.ModelSignature` (when a sample was given), the files of the
folder with their SHA-256, and flavor-specific parameters (the classes of a classifier, the factory
of a torch module).

Examples:
    >>> meta = ModelMeta("sklearn", files={"model.skops": "ab12"}, versions={"sklearn": "1.5"})
    >>> ModelMeta.from_dict(meta.to_dict()) == meta
    True

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.core.errors import InputError
from driftline.core.hashing import sha256_file
from driftline.models.signature import ModelSignature

__all__ = ["FORMAT_VERSION", "META_FILE", "ModelMeta", "hash_files"]

META_FILE = "model.json"
"""The name of the metadata file in a model folder."""

FORMAT_VERSION = 1
"""The version of the ``model.json`` layout this driftline writes and reads."""


@dataclass(frozen=True)
class ModelMeta:
    """The metadata of a saved model (see the module docstring)."""

    flavor: str
    files: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    signature: ModelSignature | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "format_version": FORMAT_VERSION,
            "flavor": self.flavor,
            "files": dict(sorted(self.files.items())),
            "versions": dict(sorted(self.versions.items())),
            "params": dict(self.params),
            "signature": None if self.signature is None else self.signature.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelMeta:
        """Read back what :meth:`to_dict` wrote.

        Raises:
            InputError: an unknown format version, or a missing key (named).

        """
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise InputError(f"{META_FILE} has format_version {version!r}, expected 1")
        try:
            sig = data.get("signature")
            return cls(
                flavor=str(data["flavor"]),
                files=dict(data.get("files", {})),
                versions=dict(data.get("versions", {})),
                params=dict(data.get("params", {})),
                signature=None if sig is None else ModelSignature.from_dict(sig),
            )
        except KeyError as exc:
            raise InputError(f"{META_FILE} lacks the key {exc}") from exc

    def write(self, folder: Path) -> Path:
        """Write ``model.json`` into ``folder``; return its path."""
        path = Path(folder) / META_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n", "utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> ModelMeta:
        """Read ``model.json`` from ``folder``.

        Raises:
            InputError: the folder has no ``model.json`` or it is not valid JSON (naming the path).

        """
        path = Path(folder) / META_FILE
        if not path.is_file():
            raise InputError(f"{folder} is not a model folder: it has no {META_FILE}")
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            raise InputError(f"{path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{path} must hold a JSON object")
        return cls.from_dict(data)


def hash_files(folder: Path, names: list[str]) -> dict[str, str]:
    """The SHA-256 of each named file in ``folder``.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = (Path(tmp) / "a.bin").write_bytes(b"abc")
        ...     hash_files(Path(tmp), ["a.bin"])["a.bin"][:12]
        'ba7816bf8f01'

    """
    return {name: sha256_file(Path(folder) / name)[0] for name in sorted(names)}
