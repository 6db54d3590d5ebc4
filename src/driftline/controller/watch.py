"""Watched folders: files that no span came from are ingested, one span each.

A file is known by its SHA-256 (the same bytes under another name are not new). Before ingesting
one, the controller claims a lease on ``ingest:DATASET:SHA256``, so two controllers never ingest
the same file twice. A file that cannot be ingested (no rows, no label column...) is refused once
and remembered, and not tried again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftline.controller.leases import Heartbeat, Leases
from driftline.core.errors import InputError
from driftline.data.errors import ValidationFailedError

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog

__all__ = ["MAX_REJECTED", "fingerprint", "ingest_folder", "watched_folder"]

MAX_REJECTED = 1000
"""How many refused files a trigger remembers."""

Fingerprints = dict[tuple[str, int, int], str]


def fingerprint(path: Path, cache: Fingerprints) -> str:
    """The SHA-256 of a file, cached by (path, size, modification time)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in cache:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        cache[key] = digest.hexdigest()
    return cache[key]


def watched_folder(path: str, base: Path) -> Path:
    """The folder a ``new_data`` trigger's ``path`` names (relative to ``base``)."""
    folder = Path(path).expanduser()
    return folder if folder.is_absolute() else base / folder


def ingest_folder(
    folder: Path,
    pattern: str,
    *,
    catalog: DataCatalog,
    dataset: str,
    label: str,
    leases: Leases,
    rejected: list[str],
    fingerprints: Fingerprints,
    log: Callable[[str], None],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ingest the folder's new files, one span each; return (ingested, refused).

    ``rejected`` (SHA-256 of files refused before) is extended with the files refused now.
    """
    files = sorted(p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith("."))
    known = catalog.ingested_sha256(dataset)
    ingested: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for path in files:
        sha = fingerprint(path, fingerprints)
        if sha in known or sha in rejected:
            continue
        lease = leases.claim(f"ingest:{dataset}:{sha}")
        if lease is None:
            continue  # another controller is ingesting this file now
        try:
            with Heartbeat(leases, lease):
                if sha in catalog.ingested_sha256(dataset):
                    continue  # ingested by the attempt before this one
                try:
                    span = catalog.ingest(dataset, str(path), label=label)
                except (InputError, ValidationFailedError) as exc:  # bad, or does not fit
                    rejected.append(sha)
                    refused.append({"path": str(path), "sha256": sha, "error": str(exc)})
                    log(f"new_data: {path} refused, it will not be tried again: {exc}")
                    continue
            known.add(sha)
            ingested.append(
                {"path": str(path), "sha256": sha, "span": span.number, "rows": span.rows}
            )
            log(f"new_data: ingested {path} as span {span.name} ({span.rows} rows)")
        finally:
            leases.release(lease)
    return ingested, refused
