"""Fixtures of the metadata store tests: one suite, run against SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from driftline.core.clock import ManualClock
from driftline.store.metadata import MetadataStore, open_metadata_store
from driftline.store.records import NewArtifact
from driftline.store.sql.tables import metadata

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database (no schema yet) on the backend under test."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'metadata.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(store_url: str, clock: ManualClock) -> Iterator[MetadataStore]:
    """A new metadata store on the backend under test, with a manual clock."""
    with open_metadata_store(store_url, create=True, clock=clock) as opened:
        yield opened


def dump_database(url: str) -> Dump:
    """Every row of every driftline table and the schema version, sorted: 'nothing changed'."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            out: Dump = {}
            for name in sorted(names & {*metadata.tables, "driftline_schema_version"}):
                rows = conn.execute(sa.text(f"SELECT * FROM {name}")).all()
                out[name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


@pytest.fixture
def dump(store_url: str) -> Callable[[], Dump]:
    """Call to get every stored row of the store under test."""
    return lambda: dump_database(store_url)


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
