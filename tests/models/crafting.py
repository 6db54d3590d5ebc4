"""Crafting hostile model folders as an attacker would: edit a real one, then fix its hashes.

Each helper builds a skops node (a JSON object of ``schema.json``); :func:`craft` rewrites the
``model.skops`` zip of a saved model folder with an edited schema (and extra zip members) and
records the new SHA-256 in ``model.json``, so that ``load_model`` takes the folder as intact.
"""

from __future__ import annotations

import io
import json
import shlex
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from driftline.models.meta import ModelMeta, hash_files

Node = dict[str, Any]


def json_node(value: Any) -> Node:
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
    }


def type_node(module: str, name: str) -> Node:
    return {"__class__": name, "__module__": module, "__loader__": "TypeNode"}


def function_node(module: str, name: str) -> Node:
    return {"__class__": name, "__module__": module, "__loader__": "FunctionNode"}


def list_node(*items: Node) -> Node:
    return {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": list(items),
    }


def tuple_node(*items: Node) -> Node:
    return {
        "__class__": "tuple",
        "__module__": "builtins",
        "__loader__": "TupleNode",
        "content": list(items),
    }


def dict_node(content: dict[str, Node], key_type: Node | None = None) -> Node:
    key = key_type or type_node("builtins", "str")
    return {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": content,
        "key_types": list_node(*[key] * len(content)),
    }


def reduce_node(module: str, name: str, *args: Node) -> Node:
    """A node skops builds by calling ``module.name(*args)``."""
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": tuple_node(*args),
    }


def runstring(code: str) -> Node:
    """``numpy.testing._private.utils.runstring(code, {})``: ``exec`` under a numpy name."""
    return reduce_node("numpy.testing._private.utils", "runstring", json_node(code), dict_node({}))


def write_marker(marker: Path) -> str:
    """Python code that creates ``marker``."""
    return f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"


def touch(marker: Path) -> str:
    """A shell command that creates ``marker``."""
    return f"touch {shlex.quote(str(marker))}"


def set_attribute(obj: Node, name: str, value: Node) -> None:
    """Give the object node ``obj`` one more saved attribute (and its key type)."""
    attrs = obj["content"]
    attrs["content"][name] = value
    attrs["key_types"]["content"].append(type_node("builtins", "str"))


def npy_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def craft(
    folder: Path,
    edit: Callable[[Node], None],
    extra_files: dict[str, bytes] | None = None,
    replace_files: Callable[[dict[str, bytes], Node], None] | None = None,
) -> None:
    """Edit ``model.skops``'s ``schema.json`` (and members), then re-hash ``model.json``."""
    path = folder / "model.skops"
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    edit(schema)
    if replace_files is not None:
        replace_files(members, schema)
    members["schema.json"] = json.dumps(schema).encode()
    members.update(extra_files or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    meta = ModelMeta.read(folder)
    replace(meta, files=hash_files(folder, list(meta.files))).write(folder)


def legacy_load(folder: Path) -> Any:
    """Load as skops does when told to trust every type the file names (the unsafe pattern)."""
    import skops.io as sio

    path = folder / "model.skops"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sio.load(path, trusted=sio.get_untrusted_types(file=path))
