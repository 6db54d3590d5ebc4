"""Artifact keys: the relative POSIX paths that name artifacts inside a store.

A key is checked before anything touches storage. The rules, each named in the error:

* a non-empty string of printable characters (no NUL, control, format or line-break characters);
* relative: no leading ``/``, no leading ``~``, no drive or scheme (no ``:``);
* ``/`` separates components; no backslash and none of ``* ? " < > | #``;
* no empty component (``a//b``, a trailing ``/``) and no ``.`` or ``..`` component;
* not inside the reserved temporary folder ``.tmp/`` (any letter case);
* at most :data:`MAX_KEY_BYTES` bytes of UTF-8, each component at most
  :data:`MAX_COMPONENT_BYTES`.

Examples:
    >>> check_key("spans/elec2/00003/part-0.parquet")
    'spans/elec2/00003/part-0.parquet'
    >>> check_key("spans/../../etc/passwd")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InvalidKeyError: invalid artifact key 'spans/../../etc/passwd': \
a component is '..' (keys may not climb out of a folder)

"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from driftline.core.errors import InputError, InvalidKeyError

__all__ = [
    "FORBIDDEN_CHARACTERS",
    "MAX_COMPONENT_BYTES",
    "MAX_KEY_BYTES",
    "TEMP_FOLDER",
    "check_key",
    "check_prefix",
    "is_valid_key",
    "make_key",
]

TEMP_FOLDER = ".tmp"
"""The reserved folder under a store's root where unfinished writes live."""

MAX_KEY_BYTES = 1024
"""The longest key, in bytes of UTF-8 (the S3 limit for a whole object name)."""

MAX_COMPONENT_BYTES = 255
"""The longest component of a key, in bytes of UTF-8 (the usual file-name limit)."""

FORBIDDEN_CHARACTERS = '\\:*?"<>|#'
"""Characters never allowed in a key: path separators of other systems, drive and URL syntax,
and glob characters."""

_KIND = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._\-]+")
_MAX_NAME = 96


def _reject(key: str, rule: str) -> InvalidKeyError:
    return InvalidKeyError(f"invalid artifact key {key!r}: {rule}")


def check_key(key: str) -> str:
    """Check that ``key`` is a safe relative artifact key; return it unchanged.

    Raises:
        InvalidKeyError: naming the key and the rule it breaks.

    Examples:
        >>> check_key("models/2026/05/01/abc-model.skops")
        'models/2026/05/01/abc-model.skops'
        >>> check_key(".tmp/0123")
        Traceback (most recent call last):
        ...
        driftline.core.errors.InvalidKeyError: invalid artifact key '.tmp/0123': \
'.tmp/' is reserved for unfinished writes

    """
    if not isinstance(key, str):
        raise InvalidKeyError(f"an artifact key must be a string, got {type(key).__name__}")
    if not key:
        raise _reject(key, "it is empty")
    if not key.isprintable():
        bad = next(c for c in key if not c.isprintable())
        raise _reject(key, f"it holds the non-printable character {bad!r}")
    for char in FORBIDDEN_CHARACTERS:
        if char in key:
            raise _reject(
                key, f"it holds {char!r} (keys may not hold any of {FORBIDDEN_CHARACTERS})"
            )
    if key.startswith("/"):
        raise _reject(key, "it is absolute (keys are relative to the store root)")
    if key.startswith("~"):
        raise _reject(key, "it starts with '~' (a home folder)")
    size = len(key.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise _reject(key, f"it is {size} bytes long (at most {MAX_KEY_BYTES})")
    components = key.split("/")
    for component in components:
        if not component:
            raise _reject(key, "it has an empty component ('//' or a trailing '/')")
        if component in (".", ".."):
            raise _reject(key, f"a component is {component!r} (keys may not climb out of a folder)")
        if len(component.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise _reject(key, f"a component is longer than {MAX_COMPONENT_BYTES} bytes")
    if components[0].lower() == TEMP_FOLDER:
        raise _reject(key, f"{TEMP_FOLDER + '/'!r} is reserved for unfinished writes")
    return key


def is_valid_key(key: str) -> bool:
    """Whether :func:`check_key` accepts ``key``.

    Examples:
        >>> is_valid_key("a/b"), is_valid_key("a/../b")
        (True, False)

    """
    try:
        check_key(key)
    except InvalidKeyError:
        return False
    return True


def check_prefix(prefix: str) -> str:
    """Check a key prefix for listing: ``''``, or the start of a valid key; return it.

    A trailing ``/`` is allowed (``spans/`` lists the keys in the ``spans`` folder).

    Raises:
        InvalidKeyError: naming the prefix and the rule it breaks.

    Examples:
        >>> check_prefix("spans/elec2/"), check_prefix("")
        ('spans/elec2/', '')

    """
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def make_key(kind: str, name: str, when: datetime) -> str:
    """A new unique key ``<kind>/<yyyy>/<mm>/<dd>/<uuid4 hex>-<name>``.

    ``name`` is made safe (runs of characters other than letters, digits, ``.``, ``_`` and ``-``
    become ``-``) and shortened; ``kind`` must be a lower-case identifier.

    Raises:
        InputError: ``kind`` is not a lower-case identifier.

    Examples:
        >>> from datetime import datetime
        >>> key = make_key("span", "elec2 #3.parquet", datetime(2026, 5, 1))
        >>> last = key.split("/")[-1]
        >>> key[:16], last[32:], len(last)
        ('span/2026/05/01/', '-elec2-3.parquet', 48)

    """
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise InputError(
            "kind must be a lower-case identifier (letters, digits, '_', '.', '-'; "
            f"at most 64 characters), got {kind!r}"
        )
    safe = _UNSAFE_NAME.sub("-", str(name)).strip(".-")[:_MAX_NAME].rstrip(".-") or "artifact"
    key = f"{kind}/{when:%Y/%m/%d}/{uuid.uuid4().hex}-{safe}"
    return check_key(key)
