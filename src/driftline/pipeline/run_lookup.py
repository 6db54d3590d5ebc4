"""Finding a run by what a person types: its id, a unique prefix, its short id, or ``latest``.

A run id is ``PIPELINE-YYYYMMDDTHHMMSS-XXXXXXXX``; its **short id** is the random last part
(``XXXXXXXX``, 8 hex digits), which tables show because it is unique in practice and fits a
narrow terminal. :func:`find_run` accepts, in this order:

* ``latest``: the newest run (of ``pipeline``, when given);
* a full run id;
* a unique prefix of run ids, or of short ids (``3fa2`` or ``demo-2026``).

The text is parsed by the reference grammar (:func:`driftline.core.refs.parse_ref`, so
``run:latest`` works too); this module resolves it against the metadata store.

A prefix more than one run shares is an :class:`~driftline.pipeline.errors.AmbiguousRunError`
listing them; no match is a :class:`~driftline.pipeline.errors.RunNotFoundError`. Both are
input errors (exit code 2 in the CLI).

Examples:
    >>> from driftline.store.metadata import open_metadata_store
    >>> from driftline.store.records import ContextRef
    >>> store = open_metadata_store("sqlite://", create=True)
    >>> for name in ("demo-20261204T101500-3fa2b1c9", "demo-20261204T101600-3fb00000"):
    ...     _ = store.put_context(ContextRef("run", name, {"pipeline": "demo"}))
    >>> find_run(store, "latest").name, find_run(store, "3fa2").name
    ('demo-20261204T101600-3fb00000', 'demo-20261204T101500-3fa2b1c9')
    >>> find_run(store, "3f")
    Traceback (most recent call last):
    ...
    driftline.pipeline.errors.AmbiguousRunError: run '3f' is ambiguous: it starts 2 runs \
(demo-20261204T101600-3fb00000, demo-20261204T101500-3fa2b1c9); type more of it
    >>> short_run_id("demo-20261204T101500-3fa2b1c9"), short_run_id("odd")
    ('3fa2b1c9', 'odd')
    >>> store.close()

"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from driftline.core.errors import InputError
from driftline.core.refs import RefKind, RunRef, parse_ref
from driftline.pipeline.errors import AmbiguousRunError, RunNotFoundError
from driftline.store.queries import ContextQuery

if TYPE_CHECKING:
    from driftline.store.records import Context
    from driftline.store.sql.reader import MetadataReader

__all__ = ["LATEST", "find_run", "short_run_id"]

LATEST = "latest"
"""The word that names the newest run."""

_SHORT = re.compile(r"-([0-9a-f]{8})$")
_LISTED = 10


def short_run_id(run_id: str) -> str:
    """The short id of a run: the random last part of its id (the id itself if it has none)."""
    found = _SHORT.search(run_id)
    return found.group(1) if found else run_id


def find_run(
    metadata: MetadataReader, text: str | RunRef, *, pipeline: str | None = None
) -> Context:
    """The ``run`` context that ``text`` names (see the module docstring).

    Args:
        metadata: the metadata store to look in.
        text: ``latest``, a run id, or a unique prefix of a run id or of a short id (``run:``
            may come first), or a :class:`~driftline.core.refs.RunRef` already parsed.
        pipeline: only runs of this pipeline count.

    Raises:
        InputError: text that cannot name a run (see :mod:`driftline.core.refs`).
        RunNotFoundError: no run matches, naming ``text``.
        AmbiguousRunError: several runs match, listing them (newest first).

    """
    ref = text if isinstance(text, RunRef) else parse_ref(text, (RefKind.RUN,)).run
    if ref is None:  # pragma: no cover - parse_ref gives a run for RefKind.RUN
        raise InputError(f"{text!r} does not name a run")
    wanted = ref.text
    of_pipeline = "" if pipeline is None else f" of pipeline {pipeline!r}"
    if ref.latest:
        # without a pipeline the newest run is the first: read that one, not every run
        limit = 1 if pipeline is None else None
        runs = metadata.contexts(ContextQuery(kind="run", name_contains=pipeline, limit=limit))
        newest = [c for c in runs if pipeline is None or c.properties.get("pipeline") == pipeline]
        if not newest:
            raise RunNotFoundError(f"no runs{of_pipeline} yet, so no {LATEST!r} run")
        return newest[0]
    found = metadata.contexts(ContextQuery(kind="run", name_contains=wanted))
    if pipeline is not None:
        found = [c for c in found if c.properties.get("pipeline") == pipeline]
    exact = [c for c in found if c.name == wanted]
    if exact:
        return exact[0]
    matches = [
        c for c in found if c.name.startswith(wanted) or short_run_id(c.name).startswith(wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RunNotFoundError(
            f"no run{of_pipeline} has the id or prefix {wanted!r} "
            f"(see `driftline runs list`; {LATEST!r} names the newest)"
        )
    names = tuple(c.name for c in matches)
    shown = ", ".join(names[:_LISTED]) + (", ..." if len(names) > _LISTED else "")
    raise AmbiguousRunError(
        f"run {wanted!r} is ambiguous: it starts {len(names)} runs ({shown}); type more of it",
        names,
    )
