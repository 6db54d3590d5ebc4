from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import snapshot_files, stored_state


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder with its bytes, to show that nothing changed."""
    return snapshot_files


@pytest.fixture
def stored() -> Callable[[Path], object]:
    """Every file of a workspace and every row of its metadata database: 'nothing changed'."""
    return stored_state
