"""Artifact store URLs: which forms are accepted, the backend each one opens, keys under its root.

Accepted forms:

* a local folder: ``/srv/ws/artifacts``, ``artifacts`` (made absolute against the current folder),
  ``~/artifacts``, or ``file:///srv/ws/artifacts``;
* ``s3://bucket`` or ``s3://bucket/prefix`` (needs s3fs: ``pip install 'driftline[s3]'``);
* ``memory://`` or ``memory://prefix`` (fsspec's in-process memory filesystem, for tests).

Examples:
    >>> open_backend("file:///srv/ws/artifacts", None).root_uri
    'file:///srv/ws/artifacts'
    >>> open_backend("gs://bucket", None)
    Traceback (most recent call last):
    ...
    driftline.core.errors.URLError: unsupported artifact store URL 'gs://bucket': expected a local \
folder (/path/to/folder or file:///path/to/folder), s3://bucket[/prefix] or memory://[prefix]

"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from driftline.core.errors import InvalidKeyError, URLError
from driftline.core.urls import redact_url, url_scheme
from driftline.store.artifacts.keys import check_key
from driftline.store.artifacts.local import LocalBackend
from driftline.store.artifacts.objects import RELATIVE_SCHEME, Backend, join_uri

__all__ = ["ACCEPTED_FORMS", "key_in_root", "open_backend"]

ACCEPTED_FORMS = (
    "a local folder (/path/to/folder or file:///path/to/folder), s3://bucket[/prefix] "
    "or memory://[prefix]"
)
"""The artifact store URLs driftline accepts, for messages."""

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_KEY_LAYOUT = re.compile(r"/([a-z][a-z0-9_.\-]{0,63}/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}-[^/]+)$")
"""The tail of a location that is a key made by ``make_key``."""


def _bad(url: str, why: str) -> URLError:
    return URLError(f"{why} artifact store URL {redact_url(url)!r}: expected {ACCEPTED_FORMS}")


def _prefix(url: str, prefix: str) -> str:
    prefix = prefix.strip("/")
    if prefix:
        try:
            check_key(prefix)
        except InvalidKeyError as exc:
            rule = str(exc).partition(": ")[2]
            raise URLError(f"invalid artifact store URL {url!r}: its path {rule}") from None
    return prefix


def _local(url: str, path: str) -> LocalBackend:
    if "\x00" in path:
        raise _bad(url, "invalid")
    root = os.path.normpath(os.path.abspath(os.path.expanduser(path)))
    return LocalBackend(root)


def open_backend(url: str, storage_options: Mapping[str, Any] | None) -> Backend:
    """The backend for ``url``; nothing is read or written yet.

    Raises:
        URLError: naming the URL and the accepted forms.
        ImportError: an ``s3://`` URL without s3fs installed.

    """
    if not isinstance(url, str) or not url.strip():
        raise URLError(f"the artifact store URL must be a non-empty string, got {url!r}")
    url = url.strip()
    scheme = url_scheme(url)
    options = dict(storage_options or {})
    if options and scheme != "s3":
        raise URLError(
            f"storage_options are for s3:// artifact stores only, not {redact_url(url)!r}"
        )
    if scheme == "":
        return _local(url, url)
    rest = url[len(scheme) + 3 :]
    if scheme == "file":
        if rest.startswith("localhost/"):
            rest = rest[len("localhost") :]
        if not rest.startswith("/"):
            raise URLError(
                f"invalid artifact store URL {url!r}: a file:// URL names an absolute folder "
                f"(file:///path/to/folder); expected {ACCEPTED_FORMS}"
            )
        return _local(url, rest)
    if scheme == "s3":
        bucket, _, path = rest.partition("/")
        if not _BUCKET.match(bucket):
            raise URLError(
                f"invalid artifact store URL {redact_url(url)!r}: {bucket!r} is not an S3 bucket "
                "name (3-63 lower-case letters, digits, '.' and '-'); expected s3://bucket[/prefix]"
            )
        from driftline.store.artifacts.s3 import S3Backend, make_s3_filesystem

        client = options.get("client_kwargs") or {}
        endpoint = options.get("endpoint_url") or client.get("endpoint_url")
        fs = make_s3_filesystem(options)
        return S3Backend(fs, bucket, _prefix(url, path), str(endpoint) if endpoint else None)
    if scheme == "memory":
        import fsspec

        from driftline.store.artifacts.remote import FsspecBackend

        path = _prefix(url, rest)
        fs = fsspec.filesystem("memory")
        return FsspecBackend(fs, f"memory://{path}", f"/{path}" if path else "")
    raise _bad(url, "unsupported")


def key_in_root(backend: Backend, uri_or_key: str, *, moved: bool = True) -> str:
    """The key that a recorded location, a key or a URI under the root names.

    Accepted, in the order tried:

    * ``artifact:<key>`` (what a store records, see :func:`~.objects.relative_uri`) or a key;
    * a full URI under the root (and, for a local store, an absolute path under it);
    * with ``moved`` (for reads), an absolute URI or path under some *other* root: a location
      recorded by an older driftline in a workspace that has since been moved, copied or
      restored elsewhere. It names the same artifact in this store: the key is its tail that
      has the layout of the keys driftline makes (``<kind>/<yyyy>/<mm>/<dd>/<id>-<name>``, see
      :func:`~.keys.make_key`). Nothing is read to find it, and the bytes are still checked
      against their recorded SHA-256.

    Raises:
        InvalidKeyError: not a string, a bad key, or an absolute location outside the root (that,
            with ``moved``, does not end in a driftline key either).

    Examples:
        >>> backend = open_backend("file:///srv/ws/artifacts", None)
        >>> key_in_root(backend, "file:///srv/ws/artifacts/a/b.bin"), key_in_root(backend, "a/c")
        ('a/b.bin', 'a/c')
        >>> key_in_root(backend, "artifact:span/2026/05/01/ab-x.parquet")
        'span/2026/05/01/ab-x.parquet'
        >>> moved = "file:///old/ws/artifacts/span/2026/05/01/" + "a" * 32 + "-x.parquet"
        >>> key_in_root(backend, moved) == moved.split("artifacts/")[1]
        True

    """
    if not isinstance(uri_or_key, str):
        raise InvalidKeyError(
            f"an artifact key or URI must be a string, got {type(uri_or_key).__name__}"
        )
    key = uri_or_key
    if uri_or_key.startswith(RELATIVE_SCHEME):
        key = uri_or_key[len(RELATIVE_SCHEME) :]
    elif "://" in uri_or_key or uri_or_key.startswith("/"):
        heads = [join_uri(backend.root_uri, "")]
        if isinstance(backend, LocalBackend):
            heads.append(join_uri(backend.root, ""))
        head = next((h for h in heads if uri_or_key.startswith(h)), None)
        if head is not None:
            key = uri_or_key[len(head) :]
        elif moved:
            key = _moved_key(backend, uri_or_key)
        else:
            raise InvalidKeyError(
                f"{uri_or_key!r} is not under the artifact store root {backend.root_uri}"
            )
    check_key(key)
    backend.check_location(key)
    return key


def _moved_key(backend: Backend, location: str) -> str:
    """The key in this store of a location recorded under another (older, moved) root."""
    tail = _KEY_LAYOUT.search(location.split("?")[0])
    if tail is None or "/../" in location:
        raise InvalidKeyError(
            f"{location!r} is not under the artifact store root {backend.root_uri} (nor a "
            "location recorded under an older root: its tail is not a driftline key)"
        )
    return tail.group(1)
