from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from driftline.core.settings import Settings
from tests.conftest import dump_database


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder with its bytes, to show that nothing changed."""
    return _snapshot


@pytest.fixture
def stored() -> Callable[[Path], object]:
    """Every file of a workspace and every row of its metadata database: 'nothing changed'."""
    return lambda folder: (_snapshot(folder), dump_database(Settings.load(folder).metadata_url))
