"""Check every node of a skops file against the allowlist before skops builds anything.

A skops file (a zip) holds ``schema.json``: a tree of nodes, each a JSON object with a
``__loader__`` (the node kind), a ``__module__`` and a ``__class__``. Building a node imports
``module.class`` and, depending on the kind, builds it from saved state, references it, or
calls it with arguments from the file. :func:`audit_schema` reads the JSON itself, without
skops, and visits every object that has a ``__loader__`` (wherever it sits, so no node can hide
from the walk), checking each against the set of
:class:`~driftline.models.skops_allowlist.SkopsAllowlist` for its kind (and every other name it
carries: a method's name, a ``Generator``'s bit generator, the function an old-protocol
``FunctionNode`` keeps in its content):

========================================  ==================================================
kind                                      may name
========================================  ==================================================
``ObjectNode`` (built from its state)     estimators and helpers; trusted classes
``TypeNode`` (a type referenced)          builtin and numpy scalar types; trusted classes
``FunctionNode`` (a function referenced)  numpy and ``scipy.special`` ufuncs; trusted functions
``NdArrayNode``                           ``numpy.ndarray`` and numpy scalar types
``TreeNode``, ``LossNode``                ``sklearn.tree._tree.Tree``; scikit-learn's losses
containers, dtypes, random states,        the one class skops writes for them (a ``Bunch`` for
sparse matrices, ``functools.partial``    a dict; a ``Generator``'s bit generator is checked)
``ConstructorFromReduceNode`` (called     only classes the user trusted (:mod:`.trust`)
with arguments from the file)
``MethodNode``, ``OperatorFuncNode``,     nothing
any other kind
``JsonNode``, ``CachedNode``              anything: they import nothing
========================================  ==================================================

Examples:
    >>> from driftline.models.skops_allowlist import skops_allowlist
    >>> node = {"__loader__": "ConstructorFromReduceNode", "__module__": "builtins",
    ...         "__class__": "eval", "content": {"__loader__": "JsonNode",
    ...         "__module__": "builtins", "__class__": "str", "content": "[1]"}}
    >>> audit_schema(node, skops_allowlist()).refused
    ['builtins.eval (called with arguments from the file)']

"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftline.core.errors import IntegrityError
from driftline.models.skops_allowlist import SkopsAllowlist
from driftline.models.trust_rules import SkopsTrust

__all__ = ["Audit", "audit_schema", "read_schema"]

_ROLES = {
    "ObjectNode": "built from its saved attributes",
    "TypeNode": "a type the model refers to",
    "FunctionNode": "a function the model refers to",
    "NdArrayNode": "an array type, called on the array",
    "TreeNode": "a decision tree",
    "LossNode": "a loss, called with arguments from the file",
    "ConstructorFromReduceNode": "called with arguments from the file",
    "PartialNode": "a partial function",
    "MethodNode": "a method of a loaded object",
    "OperatorFuncNode": "an operator function, called with arguments from the file",
}
_FREE = frozenset({"JsonNode", "CachedNode"})
"""Kinds whose names skops never imports."""

_USER_CLASSES = frozenset(
    {"ObjectNode", "TypeNode", "ConstructorFromReduceNode", "DictNode", "ListNode", "SetNode"}
    | {"TupleNode"}
)
"""Kinds where a class the user trusted may appear."""


@dataclass
class Audit:
    """What the walk found: every name it accepted, and each refusal as ``"name (role)"``."""

    accepted: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)


def read_schema(path: Path) -> Any:
    """The parsed ``schema.json`` of the skops file at ``path``.

    Raises:
        IntegrityError: ``path`` is not a zip file holding a JSON ``schema.json`` (naming it).

    """
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise IntegrityError(f"{path} is not a skops file: {exc}") from exc


def _allowed(kind: str, allow: SkopsAllowlist, extra: SkopsTrust) -> frozenset[str] | None:
    """The names a node of ``kind`` may use (``None``: any name, nothing is imported)."""
    if kind in _FREE:
        return None
    by_kind = {
        "ObjectNode": allow.objects,
        "TypeNode": allow.references,
        "FunctionNode": allow.functions | extra.functions,
        "NdArrayNode": allow.scalars,
        "TreeNode": allow.tree,
        "LossNode": allow.losses,
        "PartialNode": frozenset({"functools.partial"}),
        **allow.containers,
    }
    names = by_kind.get(kind, frozenset())
    return names | extra.types if kind in _USER_CLASSES else names


def _bit_generator(state: dict[str, Any]) -> str | None:
    """The bit generator a ``RandomGeneratorNode`` names (``None`` if not where numpy puts it)."""
    try:
        name = json.loads(state["content"]["bit_generator"]["content"]["bit_generator"]["content"])
    except (KeyError, TypeError, ValueError):
        return None
    return name if isinstance(name, str) else None


def _check(state: dict[str, Any], allow: SkopsAllowlist, extra: SkopsTrust, audit: Audit) -> None:
    kind = str(state["__loader__"])
    name = f"{state.get('__module__')}.{state.get('__class__')}"
    allowed = _allowed(kind, allow, extra)
    content = state.get("content")
    if kind == "FunctionNode" and isinstance(content, dict):  # protocol 0 names it in content
        old = {**state, "content": None}
        old["__module__"], old["__class__"] = content.get("module_path"), content.get("function")
        _check(old, allow, extra, audit)
    if kind == "MethodNode":
        func = content.get("func") if isinstance(content, dict) else None
        name = f"{name}.{func}"
    elif kind == "OperatorFuncNode":
        name = f"operator.{state.get('__class__')}"
    elif kind == "RandomGeneratorNode":
        bits = _bit_generator(state)
        if bits not in allow.bit_generators:
            audit.refused.append(f"numpy.random.{bits} (a bit generator, called with a seed)")
    if allowed is None:
        return
    if name in allowed:
        audit.accepted.add(name)
        return
    role = _ROLES.get(kind, f"loaded by the {kind!r} node kind")
    audit.refused.append(f"{name} ({role})")


def audit_schema(schema: Any, allow: SkopsAllowlist, extra: SkopsTrust | None = None) -> Audit:
    """Check every node of a parsed ``schema.json``; nothing is imported or built.

    ``extra`` adds classes and functions the user trusted
    (:func:`~driftline.models.trust_rules.resolve_skops`).
    """
    extra = extra or SkopsTrust()
    audit = Audit()
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item:
                _check(item, allow, extra, audit)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    audit.refused = sorted(set(audit.refused))
    return audit
