"""A local Ray instance for the whole test session (import the fixture into a test module).

Ray starts once (about 5 s), with 2 CPUs, no dashboard and worker logs kept out of the test
output, and is shut down at the end of the session, unless something else had started it.
Without Ray installed the tests are skipped, or fail under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require


@pytest.fixture(scope="session")
def ray_session() -> Iterator[Any]:
    """The ``ray`` module, initialised with a local instance for the session."""
    try:
        import ray
    except ImportError:
        require("ray is not installed (pip install 'driftline[ray]')")
    started = not ray.is_initialized()
    if started:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()
