"""The workspace's services: one Stores value, each service built once, on first use."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftline.core.errors import InputError
from driftline.data.catalog import DataCatalog
from driftline.monitor.reader import MonitorReader
from driftline.registry import ModelRegistry
from driftline.rollout.store import RolloutStore
from driftline.store.stores import Stores, metadata_of
from driftline.workspace import Workspace
from tests.data.ingest_helpers import write_csv


def test_each_service_is_built_once_on_first_use(ws: Workspace) -> None:
    services = {
        "data": DataCatalog,
        "registry": ModelRegistry,
        "rollouts": RolloutStore,
        "monitor": MonitorReader,
    }
    for name, kind in services.items():
        assert name not in vars(ws), f"{name} was built before it was used"
        first = getattr(ws, name)
        assert isinstance(first, kind)
        assert getattr(ws, name) is first


def test_the_services_share_the_workspaces_stores(ws: Workspace) -> None:
    assert ws.stores == Stores(ws.metadata, ws.artifacts)
    assert ws.data.stores == ws.stores
    assert ws.registry.stores == ws.stores
    assert ws.rollouts.metadata is ws.metadata
    assert ws.monitor.stores == ws.stores


def test_a_service_is_built_from_stores_or_anything_holding_them(
    ws: Workspace, tmp_path: Path
) -> None:
    ws.ingest("d", write_csv(tmp_path / "a.csv", 20))
    for source in (ws, ws.stores):
        assert DataCatalog(source).datasets() == ["d"]
        assert ModelRegistry(source).models() == []
        assert RolloutStore(source).all() == []
        assert MonitorReader(source).joined("m").num_rows == 0
    # the older form, two stores, keeps working
    assert DataCatalog(ws.metadata, ws.artifacts).spans("d")[0].rows == 20
    assert ModelRegistry(ws.metadata, ws.artifacts).models() == []
    assert RolloutStore(ws.metadata).all() == []
    assert metadata_of(ws) is metadata_of(ws.metadata) is ws.metadata


def test_something_without_stores_is_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"expected the stores .* got str"):
        Stores.of("sqlite://")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="got int"):
        DataCatalog(42)  # type: ignore[arg-type]


def test_the_workspace_shortcuts_go_to_the_data_service(ws: Workspace, tmp_path: Path) -> None:
    span = ws.ingest("d", write_csv(tmp_path / "a.csv", 30), label="y")
    assert ws.spans("d") == ws.data.spans("d") == [span]
    assert ws.span("d") == ws.data.span("d", 1) == span
    assert ws.load_profile("d:1") == ws.data.span_profile(span)
    assert ws.read_span(span, "all").num_rows == 30
