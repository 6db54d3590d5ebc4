"""Data files behind fsspec URLs (``s3://bucket/day1.parquet``, ``gs://``, ``https://``...).

A source item with a URL scheme (other than ``file://``) is looked up and read through fsspec
with the protocol's default configuration: S3 reads the standard AWS variables and files itself
(``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``, ``~/.aws/config``). Which protocols work depends
on the installed extras (``s3://`` needs ``driftline[s3]``); an unsupported one is refused with
the package to install, as fsspec names it.

Examples:
    >>> is_url("s3://bucket/a.csv"), is_url("data/a.csv"), is_url("file:///tmp/a.csv")
    (True, False, False)
    >>> try:
    ...     remote_files("nosuch://bucket/a.csv")
    ... except SourceError as exc:
    ...     print(exc)
    nosuch://bucket/a.csv: cannot read nosuch:// URLs: Protocol not known: nosuch

"""

from __future__ import annotations

import glob
from typing import Any

from driftline.core.hashing import sha256_stream
from driftline.core.urls import url_scheme
from driftline.data._arrow import pa
from driftline.data.errors import SourceError

__all__ = ["is_url", "open_input", "remote_files", "sha256_any"]


def is_url(item: str) -> bool:
    """Whether ``item`` is a URL read through fsspec (any scheme but ``file://``)."""
    return url_scheme(item) not in ("", "file")


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system for ``url``, and the path inside it."""
    import fsspec.core

    scheme = url_scheme(url)
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except ImportError as exc:  # a known protocol whose package is missing: fsspec names it
        extra = " (pip install 'driftline[s3]')" if scheme in ("s3", "s3a") else ""
        raise SourceError(f"{url}: cannot read {scheme}:// URLs: {exc}{extra}") from None
    except ValueError as exc:  # a protocol fsspec does not know
        raise SourceError(f"{url}: cannot read {scheme}:// URLs: {exc}") from None


def remote_files(url: str) -> list[tuple[str, int]]:
    """The files (URL, size in bytes) that a URL names: one file, a folder's files, or a glob.

    Raises:
        SourceError: an unsupported protocol (naming what to install), a URL that names
            nothing, or a store that cannot be reached (naming the URL).

    """
    fs, path = _filesystem(url)
    try:
        if glob.has_magic(path):
            found = [p for p, info in sorted(fs.glob(path, detail=True).items()) if _is_file(info)]
            if not found:
                raise SourceError(f"the pattern {url!r} matches no file")
            infos = [fs.info(p) for p in found]
        elif fs.isdir(path):
            infos = [
                info
                for p, info in sorted(fs.find(path, detail=True).items())
                if _is_file(info) and not p.rsplit("/", 1)[-1].startswith((".", "_"))
            ]
        elif fs.isfile(path):
            infos = [fs.info(path)]
        else:
            raise SourceError(f"{url} does not exist")
    except SourceError:
        raise
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read {url}: {exc}") from exc
    return [(fs.unstrip_protocol(info["name"]), int(info.get("size") or 0)) for info in infos]


def _is_file(info: dict[str, Any]) -> bool:
    return info.get("type") == "file"


def open_input(path: str) -> Any:
    """A ``pyarrow`` input file for a local path or an fsspec URL (close it when done).

    Raises:
        SourceError: the URL cannot be opened (naming it).

    """
    if not is_url(path):
        return pa.OSFile(path)
    fs, inner = _filesystem(path)
    try:
        return pa.PythonFile(fs.open(inner, "rb"), mode="r")
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc


def sha256_any(path: str) -> tuple[str, int]:
    """The hex SHA-256 and size of a local file or of the file behind an fsspec URL."""
    from driftline.core.hashing import sha256_file

    if not is_url(path):
        return sha256_file(path)
    fs, inner = _filesystem(path)
    with fs.open(inner, "rb") as f:
        return sha256_stream(f)
