"""The stored parts of live windows, grouped into windows, and a window read back.

:func:`window_groups` lists a model's parts (metadata only) and groups them into windows of the
length asked for (a multiple of the stored one: a day of hourly parts); :func:`load_window`
reads a group's profiles and merges them (:func:`~driftline.monitor.window_merge.merge_parts`)
into a :class:`LiveWindow`.

Examples:
    >>> version_text(3), version_text(None)
    ('3', None)

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from driftline.core.errors import InputError
from driftline.monitor.window_merge import merge_parts
from driftline.monitor.window_rows import micros_to_time, time_to_micros
from driftline.monitor.window_store import stored_parts

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.store.metadata import MetadataStore
    from driftline.store.records import Artifact
    from driftline.store.stores import Stores

__all__ = ["LiveWindow", "WindowGroup", "load_window", "version_text", "window_groups"]


@dataclass(frozen=True)
class LiveWindow:
    """One window of one version: the merge of its stored parts.

    Attributes:
        model: the model's name.
        version: the version that answered the rows.
        start: the window's first instant (UTC).
        end: the first instant after it.
        rows: the rows logged in it.
        profile: their profile: each input (under its own name), ``prediction``, and
            ``outlier_score`` / ``outlier`` when the server logged them.
        confidence_sum: the sum of the calibrated confidences of ``confidence_rows`` of its rows
            (``None``: no estimate for any of them).
        part_ids: the stored parts it merges.
        confidence_rows: how many rows ``confidence_sum`` covers.
        hashed: inputs the log hashed (not profiled).
        excluded: inputs the log left out.
        notes: what could not be merged, once each.

    """

    model: str
    version: str
    start: datetime
    end: datetime
    rows: int
    profile: Profile
    confidence_sum: float | None
    part_ids: tuple[int, ...]
    confidence_rows: int = 0
    hashed: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def estimated_accuracy(self) -> float | None:
        """The mean calibrated confidence (CBPE), or ``None`` without one."""
        if self.confidence_sum is None or not self.confidence_rows:
            return None
        return self.confidence_sum / self.confidence_rows


def version_text(version: int | str | None) -> str | None:
    """A version as the log writes it (``None`` stays ``None``).

    Raises:
        InputError: not an int or a non-empty string.

    """
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int | str) or version == "":
        raise InputError(f"version must be an int or a non-empty string, got {version!r}")
    return str(version)


def _part_seconds(parts: Iterable[Artifact], seconds: int) -> int | None:
    """The stored window length the parts of a ``seconds`` window are made of (the longest)."""
    found = {int(p.properties.get("window_seconds", 0)) for p in parts}
    fits = [f for f in found if f > 0 and seconds % f == 0]
    return max(fits) if fits else None


@dataclass(frozen=True)
class WindowGroup:
    """The stored parts of one window of one version.

    Attributes:
        version: the version.
        begin: the window's start, in microseconds since the epoch.
        size: its length, in microseconds.
        parts: its parts, oldest first.

    """

    version: str
    begin: int
    size: int
    parts: list[Artifact] = field(default_factory=list)


def window_groups(
    metadata: MetadataStore,
    model: str,
    *,
    version: str | None,
    since: datetime | None,
    until: datetime | None,
    seconds: int,
) -> list[WindowGroup]:
    """The windows (by version, then time) overlapping ``[since, until)``, from metadata only.

    Raises:
        InputError: ``seconds`` is no multiple of a stored window length (naming those stored).

    """
    size = seconds * 1_000_000
    lo = None if since is None else time_to_micros(since)
    hi = None if until is None else time_to_micros(until)
    # only the parts of the windows overlapping the range, chosen by the database on their
    # start: a part starts within the requested window it belongs to
    first = None if lo is None else micros_to_time((lo // size) * size)
    after = None if hi is None else micros_to_time(-(-hi // size) * size)
    parts = stored_parts(metadata, model, starts=(first, after))
    if not parts and (lo is not None or hi is not None):
        parts = stored_parts(metadata, model)  # none in range: check the length against all
        if parts and _part_seconds(parts, seconds) is not None:
            return []
    if not parts:
        return []
    base = _part_seconds(parts, seconds)
    if base is None:
        stored = sorted({int(p.properties.get("window_seconds", 0)) for p in parts})
        raise InputError(
            f"the live windows of {model!r} are stored {', '.join(f'{x}s' for x in stored)} "
            f"long; a window of {seconds}s must be a multiple of one of them"
        )
    groups: dict[tuple[str, int], WindowGroup] = {}
    for part in parts:  # parts, not rows
        p = part.properties
        if p.get("window_seconds") != base or (version is not None and p.get("version") != version):
            continue
        start = time_to_micros(datetime.fromisoformat(str(p["start"])))
        begin = (start // size) * size
        if (lo is not None and begin + size <= lo) or (hi is not None and begin >= hi):
            continue
        key = (str(p["version"]), begin)
        groups.setdefault(key, WindowGroup(key[0], begin, size)).parts.append(part)
    return [groups[k] for k in sorted(groups)]


def load_window(s: Stores, model: str, group: WindowGroup) -> LiveWindow:
    """The window ``group`` describes: its parts' profiles read (SHA-256 checked) and merged.

    Raises:
        ArtifactCorruptError, ArtifactNotFoundError: a part's bytes are damaged or gone.

    """
    from driftline.data.profile import Profile

    version, begin, size, parts = group.version, group.begin, group.size, group.parts
    profiles = [
        Profile.from_bytes(s.artifacts.read_bytes(a.uri, a.sha256, label=f"window part {a.id}"))
        for a in parts
    ]
    merged, notes = merge_parts(profiles)
    assert merged is not None  # a window has at least one part
    sums = [a.properties.get("confidence_sum") for a in parts]
    known = [float(x) for x in sums if x is not None]
    confidence_rows = sum(int(a.properties.get("confidence_rows", 0)) for a in parts)
    hashed = sorted({str(h) for a in parts for h in a.properties.get("hashed", ())})
    excluded = sorted({str(h) for a in parts for h in a.properties.get("excluded", ())})
    return LiveWindow(
        model=model,
        version=version,
        start=micros_to_time(begin),
        end=micros_to_time(begin + size),
        rows=merged.num_rows,
        profile=merged,
        confidence_sum=float(np.sum(known)) if known else None,
        part_ids=tuple(a.id for a in parts),
        confidence_rows=confidence_rows,
        hashed=tuple(hashed),
        excluded=tuple(excluded),
        notes=notes,
    )
