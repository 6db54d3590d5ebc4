"""Fixtures of the metadata store tests: one suite, run against SQLite and PostgreSQL.

The backends (``backend``, ``store_url``, ``dump``, ``clock``) are shared: see tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from driftline.core.clock import ManualClock
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.records import NewArtifact
from tests.conftest import Dump, dump_database

__all__ = ["Dump", "dump_database"]


@pytest.fixture
def store(store_url: str, clock: ManualClock) -> Iterator[MetadataStore]:
    """A new metadata store on the backend under test, with a manual clock."""
    with open_metadata_store(store_url, create=True, clock=clock) as opened:
        yield opened


def _make_artifact(label: str, kind: str = "span", **fields: Any) -> NewArtifact:
    return NewArtifact(
        kind=kind,
        uri=f"file:///ws/artifacts/{label}",
        sha256=hashlib.sha256(label.encode()).hexdigest(),
        size=len(label),
        name=fields.pop("name", label),
        **fields,
    )


@pytest.fixture
def make_artifact() -> Callable[..., NewArtifact]:
    """``make_artifact(label, kind="span", **fields)``: a NewArtifact derived from ``label``."""
    return _make_artifact
