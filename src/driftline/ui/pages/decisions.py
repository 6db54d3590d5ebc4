"""The dashboard's decisions pages (being built)."""

from __future__ import annotations

from starlette.routing import BaseRoute

__all__ = ["ROUTES"]

ROUTES: list[BaseRoute] = []
"""The routes of these pages and their JSON twins."""
