"""Helpers for testing driftline and plugins for it: real throw-away services, started locally.

:mod:`driftline.testing.postgres` starts a PostgreSQL server from the installed binaries in a
temporary folder; :mod:`driftline.testing.s3` starts moto's S3 server on 127.0.0.1. Both raise
:class:`ServiceUnavailable` when what they need is not installed.
"""

from __future__ import annotations

__all__ = ["ServiceUnavailable"]


class ServiceUnavailable(RuntimeError):
    """A service needed by a test or a benchmark cannot be started here; the message says why."""
