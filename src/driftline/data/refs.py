"""References: the text that names a profile's data, with one meaning per form.

``driftline profile``, ``validate`` and ``drift`` (and the Python methods behind them) take a
reference. Its form alone says what it names, whatever the command (the grammar is
:mod:`driftline.core.refs`, shared by every command; ``docs/references.md``):

==========================  ===================================================================
form                        names
==========================  ===================================================================
``DATASET``                 the latest span of the dataset (``DATASET:latest`` too)
``DATASET:N``               span ``N`` of the dataset (``DATASET#N``, its recorded name, too)
``#N``, ``artifact:N``      the artifact with id ``N``: a ``span`` (its profile) or a ``profile``
                            (bare ``N``: the same, with a warning to write ``#N``; one release)
a path                      a file, folder or glob: a saved profile, or data profiled on the fly.
                            A path holds ``/`` (``./3``, ``data/new.csv``), starts with ``~`` or
                            ``.``, holds a glob character (``*?[``), or ends in a data or profile
                            suffix (``.csv``, ``.parquet``, ``.profile``...)
==========================  ===================================================================

:func:`parse_reference` reads the form (no store is asked);
:meth:`DataCatalog.resolve <driftline.data.catalog.DataCatalog.resolve>` finds what it names.

Examples:
    >>> parse_reference("churn:2")
    Reference(text='churn:2', kind=<RefKind.SPAN: 'span'>, dataset='churn', number=2)
    >>> parse_reference("#3").artifact_id, parse_reference("./3").kind.value
    (3, 'file')
    >>> parse_reference("new.csv").kind.value, parse_reference("churn").number is None
    ('file', True)
    >>> parse_reference("churn:two")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: 'churn:two' is not a reference; use DATASET ...

"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from driftline.core import refs as grammar

if TYPE_CHECKING:
    from driftline.data.spans import Span
    from driftline.store.records import Artifact

__all__ = ["ACCEPTED", "FORMS", "RefKind", "Reference", "Resolved", "parse_reference"]

ACCEPTED = frozenset({grammar.RefKind.SPAN, grammar.RefKind.ARTIFACT, grammar.RefKind.PATH})
"""The kinds of :mod:`driftline.core.refs` a profile's reference takes."""

FORMS = grammar.forms(ACCEPTED)
"""The forms a reference takes, as error messages list them."""


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
        note: what to write instead, for a spelling kept one release (bare digits).

    """

    text: str
    kind: RefKind
    dataset: str | None = None
    number: int | None = None
    artifact_id: int | None = None
    note: str | None = None

    def __repr__(self) -> str:
        shown = [f"text={self.text!r}", f"kind={self.kind!r}"]
        for name in ("dataset", "number", "artifact_id", "note"):
            value = getattr(self, name)
            if value is not None:
                shown.append(f"{name}={value!r}")
        return f"Reference({', '.join(shown)})"


_KINDS = {
    grammar.RefKind.SPAN: RefKind.SPAN,
    grammar.RefKind.ARTIFACT: RefKind.ARTIFACT,
    grammar.RefKind.PATH: RefKind.FILE,
}


def parse_reference(text: str) -> Reference:
    """The reference ``text`` is, by its form alone.

    Raises:
        InputError: ``text`` has none of the forms (naming it and listing them).

    """
    ref = grammar.parse_ref(text, ACCEPTED)
    return Reference(
        ref.text, _KINDS[ref.kind], ref.name, ref.number, ref.artifact_id, note=ref.note
    )


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
