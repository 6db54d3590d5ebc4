"""Small helpers for the URLs that name databases and artifact stores.

Examples:
    >>> redact_url("postgresql+psycopg://ana:s3cret@db:5432/dl")
    'postgresql+psycopg://ana:***@db:5432/dl'
    >>> url_scheme("s3://bucket/prefix"), url_scheme("/tmp/artifacts")
    ('s3', '')

"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url", "url_scheme"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def url_scheme(url: str) -> str:
    """The scheme of ``url`` in lower case, or ``''`` for a plain path."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print or log."""
    if not url_scheme(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return _SCHEME.sub(lambda m: m.group(0), url.split("@")[-1])
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
