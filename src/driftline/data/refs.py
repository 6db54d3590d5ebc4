"""References: the text that names a profile's data, with one meaning per form.

``driftline profile``, ``validate`` and ``drift`` (and the Python methods behind them) take a
reference. Its form alone says what it names, whatever the command:

=====================  ===================================================================
form                   names
=====================  ===================================================================
``DATASET``            the latest span of the dataset (``DATASET:latest`` too)
``DATASET:N``          span ``N`` of the dataset
``N`` (digits only)    the artifact with id ``N``: a ``span`` (its profile) or a ``profile``
a path                 a file, folder or glob: a saved profile, or data profiled on the fly.
                       A path holds ``/`` (``./3``, ``data/new.csv``), starts with ``~`` or
                       ``.``, holds a glob character (``*?[``), or ends in a data or profile
                       suffix (``.csv``, ``.parquet``, ``.profile``...)
=====================  ===================================================================

:func:`parse_reference` reads the form (no store is asked);
:meth:`DataCatalog.resolve <driftline.data.catalog.DataCatalog.resolve>` finds what it names.

Examples:
    >>> parse_reference("churn:2")
    Reference(text='churn:2', kind=<RefKind.SPAN: 'span'>, dataset='churn', number=2)
    >>> parse_reference("3").artifact_id, parse_reference("./3").kind.value
    (3, 'file')
    >>> parse_reference("new.csv").kind.value, parse_reference("churn").number is None
    ('file', True)
    >>> parse_reference("churn:two")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: 'churn:two' is not a reference; use DATASET ...

"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from driftline.core.errors import InputError
from driftline.data.sources import COMPRESSION, SUFFIXES

if TYPE_CHECKING:
    from driftline.data.spans import Span
    from driftline.store.records import Artifact

__all__ = ["FORMS", "RefKind", "Reference", "Resolved", "parse_reference"]

FORMS = (
    "DATASET (its latest span), DATASET:N (span N), N (the artifact with id N: a span or a "
    "profile), or a path to a file, folder or glob (a saved profile, or CSV, Parquet or Arrow "
    "data; write ./NAME for a file whose name could be a dataset's)"
)
"""The forms a reference takes, as error messages list them."""

_SPAN = re.compile(r"^([A-Za-z][A-Za-z0-9_.\-]{0,99})(?::(\d+|latest))?$")
_FILE_SUFFIXES = frozenset(SUFFIXES) | frozenset(COMPRESSION) | {".profile"}


class RefKind(StrEnum):
    """What a reference names."""

    SPAN = "span"
    ARTIFACT = "artifact"
    FILE = "file"


@dataclass(frozen=True)
class Reference:
    """A parsed reference (see the module docstring for the forms).

    Attributes:
        text: the text as given (stripped).
        kind: what it names.
        dataset: the dataset of a span reference.
        number: the span number of a span reference (``None``: the latest span).
        artifact_id: the id of an artifact reference.

    """

    text: str
    kind: RefKind
    dataset: str | None = None
    number: int | None = None
    artifact_id: int | None = None

    def __repr__(self) -> str:
        shown = [f"text={self.text!r}", f"kind={self.kind!r}"]
        for name in ("dataset", "number", "artifact_id"):
            value = getattr(self, name)
            if value is not None:
                shown.append(f"{name}={value!r}")
        return f"Reference({', '.join(shown)})"


def parse_reference(text: str) -> Reference:
    """The reference ``text`` is, by its form alone.

    Raises:
        InputError: ``text`` has none of the forms (naming it and listing them).

    """
    if not isinstance(text, str):
        raise InputError(f"a reference is text, got {text!r}; use {FORMS}")
    stripped = text.strip()
    if not stripped:
        raise InputError(f"an empty reference names nothing; use {FORMS}")
    if stripped.isdigit():
        return Reference(stripped, RefKind.ARTIFACT, artifact_id=int(stripped))
    if _is_path(stripped):
        return Reference(stripped, RefKind.FILE)
    match = _SPAN.match(stripped)
    if match is None:
        raise InputError(f"{stripped!r} is not a reference; use {FORMS}")
    number = match[2]
    return Reference(
        stripped,
        RefKind.SPAN,
        dataset=match[1],
        number=int(number) if number not in (None, "latest") else None,
    )


def _is_path(text: str) -> bool:
    if any(ch in text for ch in "/\\*?[") or text.startswith(("~", ".")):
        return True
    if ":" in text:
        return False
    dot = text.rfind(".")
    return dot > 0 and text[dot:].lower() in _FILE_SUFFIXES


@dataclass(frozen=True)
class Resolved:
    """What a reference names in a workspace: a span, a stored profile, or a path.

    Attributes:
        reference: the parsed reference.
        span: the span (a span reference, or an artifact id of a span).
        profile: the ``profile`` artifact (an artifact id of a profile); ``None`` for a span,
            whose profile is :attr:`profile_id`, or for a path.

    """

    reference: Reference
    span: Span | None = None
    profile: Artifact | None = None

    @property
    def text(self) -> str:
        """The reference as text (a span given as an object is written ``DATASET:N``)."""
        return self.reference.text

    @property
    def profile_id(self) -> int | None:
        """The id of the stored profile it names; ``None`` for a path."""
        if self.span is not None:
            return self.span.profile_id
        return self.profile.id if self.profile is not None else None

    @property
    def dataset(self) -> str | None:
        """The dataset whose data it names, if a stored one."""
        if self.span is not None:
            return self.span.dataset
        if self.profile is not None and "dataset" in self.profile.properties:
            return str(self.profile.properties["dataset"])
        return None
