"""Helpers of the ingest, span, schema and validation tests."""

from __future__ import annotations

from pathlib import Path

from driftline.workspace import Workspace

CITIES = ["Oslo", "Rome", "Lima"]


def write_csv(path: Path, rows: int, *, start: int = 0, extra: str = "") -> Path:
    """A CSV with columns id (int), x (float), city (string), y (0/1 label)."""
    lines = ["id,x,city,y"] + [
        f"{i},{i * 0.5},{CITIES[i % 3]},{i % 2}" for i in range(start, start + rows)
    ]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def state(ws: Workspace) -> tuple[object, ...]:
    """What a workspace holds: record counts and stored files outside .tmp/."""
    counts = ws.metadata.counts()
    return (
        dict(counts.artifacts),
        dict(counts.executions),
        dict(counts.contexts),
        ws.artifacts.list_keys(),
    )
