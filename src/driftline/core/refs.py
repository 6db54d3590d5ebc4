"""References: the one grammar of the text that names a span, a model version, an artifact or a run.

Every command that takes a reference reads it here, by its form alone; the layer that owns the
thing then finds it (the data catalog a span, the registry a model version, the metadata store an
artifact or a run). ``docs/references.md`` is the table for users.

=========================  ================================================================
form                       names
=========================  ================================================================
``DATASET``                the dataset's latest span (``DATASET:latest`` too)
``DATASET:N``              span ``N`` of the dataset
``MODEL``                  the model's latest version (``MODEL:latest`` too)
``MODEL:VERSION``          a registered version of the model
``MODEL@ALIAS``            the version the alias points at now
``#ID``, ``artifact:ID``   the artifact with id ``ID`` (bare digits: the same, deprecated)
``RUN``                    a run: its id, a unique prefix of it, or ``latest``;
                           ``run:RUN`` where other forms could be meant
a path                     a file, folder or glob: it holds ``/``, starts with ``.`` or ``~``,
                           holds ``*?[``, or ends in a data or profile suffix
``NAME#N``                 span ``N`` of dataset ``NAME`` (its artifact's recorded name)
=========================  ================================================================

``NAME:N`` is written alike for a span and a model version: a command that takes both gets both
readings (:attr:`Ref.kinds`, the model first) and its resolver decides.

Examples:
    >>> parse_ref("elec2:3", {RefKind.SPAN})
    Ref(text='elec2:3', kinds=(<RefKind.SPAN: 'span'>,), name='elec2', number=3)
    >>> parse_ref("churn@champion").kinds, parse_ref("#12").artifact_id
    ((<RefKind.MODEL: 'model'>,), 12)
    >>> [k.value for k in parse_ref("churn:1").kinds]
    ['model', 'span', 'name']
    >>> parse_ref("3").note
    "a bare number names an artifact for one more release: write '#3'"
    >>> parse_ref("run:latest").run
    RunRef(text='latest', latest=True, complete=False)
    >>> parse_ref("churn:two", {RefKind.SPAN})
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: 'churn:two' is not a reference; use DATASET (its latest \
span), DATASET:N (span N)

"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from driftline.core.errors import InputError

__all__ = [
    "ALL_KINDS",
    "PATH_SUFFIXES",
    "Ref",
    "RefKind",
    "RunRef",
    "forms",
    "is_path",
    "parse_ref",
    "parse_run_ref",
]


class RefKind(StrEnum):
    """What a reference can name."""

    SPAN = "span"
    MODEL = "model"
    ARTIFACT = "artifact"
    RUN = "run"
    PATH = "path"
    NAME = "name"


ALL_KINDS = frozenset(RefKind)
"""Every kind: what ``lineage`` and ``verify`` take (paths aside, which they read as names)."""

_FORMS = {
    RefKind.SPAN: "DATASET (its latest span), DATASET:N (span N)",
    RefKind.MODEL: "MODEL (its latest version), MODEL:VERSION, MODEL@ALIAS",
    RefKind.ARTIFACT: "#ID or artifact:ID (the artifact with that id)",
    RefKind.RUN: "RUN (a run id, a unique prefix of one, or latest; run:RUN to be explicit)",
    RefKind.PATH: (
        "a path to a file, folder or glob (a saved profile, or CSV, Parquet or Arrow data; "
        "write ./NAME for a file whose name could be a dataset's)"
    ),
    RefKind.NAME: "an artifact's recorded name (e.g. elec2#3/profile)",
}

PATH_SUFFIXES = frozenset(
    {".csv", ".tsv", ".txt", ".parquet", ".pq", ".arrow", ".feather", ".ipc", ".profile"}
    | {".gz", ".bz2", ".zst"}
)
"""The suffixes that make a bare file name a path (those ``driftline.data.sources`` reads,
compressed or not, and saved profiles); a test keeps the two in step."""

_NAME = r"[A-Za-z][A-Za-z0-9_.\-]{0,99}"
_ALIAS = r"[a-z][a-z0-9_\-]{0,63}"
_NAMED = re.compile(rf"^({_NAME})(?::(\d+|latest)|@({_ALIAS}))?$")
_HASHED = re.compile(rf"^({_NAME})#(\d+)$")
_ARTIFACT = re.compile(r"^(?:#|artifact:)(\d+)$", re.IGNORECASE)
_RUN_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")
_RUN_ID = re.compile(r"-\d{8}T\d{6}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class RunRef:
    """A run as a reference names it: its id, a prefix of it, or the latest run.

    Attributes:
        text: the id or prefix as given (``"latest"`` for the latest run).
        latest: it names the newest run.
        complete: it has the form of a whole run id (``NAME-YYYYMMDDTHHMMSS-xxxxxxxx``),
            so it is looked up exactly; otherwise it is an id or a prefix of one.

    Examples:
        >>> parse_run_ref("churn-train-20261204T101500-0a1b2c3d").complete
        True
        >>> parse_run_ref("churn-tr")
        RunRef(text='churn-tr', latest=False, complete=False)

    """

    text: str
    latest: bool = False
    complete: bool = False


@dataclass(frozen=True)
class Ref:
    """A parsed reference (see the module docstring for the forms).

    Attributes:
        text: the text as given (stripped).
        kinds: what it may name, in the order a resolver tries them (one kind for most forms;
            ``NAME:N`` may be a model version, then a span, then a recorded artifact name;
            ``NAME`` may also be a run, tried last as a prefix, first as a whole run id).
        name: the dataset or model name; for :attr:`RefKind.NAME` the recorded artifact name.
        number: the span or version number (``None``: the latest).
        alias: the alias of ``MODEL@ALIAS``.
        artifact_id: the id of ``#ID`` / ``artifact:ID``.
        run: the run of a run reference.
        note: what to write instead, for a spelling kept one release (say it on stderr).

    """

    text: str
    kinds: tuple[RefKind, ...]
    name: str | None = None
    number: int | None = None
    alias: str | None = None
    artifact_id: int | None = None
    run: RunRef | None = None
    note: str | None = None

    @property
    def kind(self) -> RefKind:
        """The first (most likely) of :attr:`kinds`."""
        return self.kinds[0]

    def __repr__(self) -> str:
        shown = [f"text={self.text!r}", f"kinds={self.kinds!r}"]
        for field in ("name", "number", "alias", "artifact_id", "run", "note"):
            value = getattr(self, field)
            if value is not None:
                shown.append(f"{field}={value!r}")
        return f"Ref({', '.join(shown)})"


def forms(accept: Iterable[RefKind] = ALL_KINDS) -> str:
    """The forms of the ``accept`` kinds, as error messages list them.

    Examples:
        >>> forms({RefKind.MODEL, RefKind.ARTIFACT})
        'MODEL (its latest version), MODEL:VERSION, MODEL@ALIAS, or #ID or artifact:ID (the \
artifact with that id)'

    """
    wanted = set(accept)
    parts = [text for kind, text in _FORMS.items() if kind in wanted]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or " + parts[-1]


def is_path(text: str) -> bool:
    """Whether ``text`` has the form of a path (see the module docstring).

    Examples:
        >>> is_path("./3"), is_path("new.csv"), is_path("churn:2"), is_path("elec2")
        (True, True, False, False)

    """
    if any(ch in text for ch in "/\\*?[") or text.startswith(("~", ".")):
        return True
    if ":" in text:
        return False
    dot = text.rfind(".")
    return dot > 0 and text[dot:].lower() in PATH_SUFFIXES


def parse_run_ref(text: str) -> RunRef:
    """The run ``text`` names: ``latest``, a whole run id, or an id or a prefix of one.

    Raises:
        InputError: ``text`` cannot be part of a run id (naming it).

    """
    stripped = text.strip() if isinstance(text, str) else ""
    if stripped == "latest":
        return RunRef(stripped, latest=True)
    if not _RUN_TOKEN.match(stripped):
        raise InputError(f"{text!r} is not a run reference; use {_FORMS[RefKind.RUN]}")
    return RunRef(stripped, complete=_RUN_ID.search(stripped) is not None)


def parse_ref(text: object, accept: Iterable[RefKind] = ALL_KINDS) -> Ref:
    """The reference ``text`` is, by its form alone, among the ``accept`` kinds.

    Raises:
        InputError: ``text`` has none of the accepted forms (naming it and listing them).

    """
    wanted = frozenset(accept)
    if not isinstance(text, str):
        raise InputError(f"a reference is text, got {text!r}; use {forms(wanted)}")
    stripped = text.strip()
    if not stripped:
        raise InputError(f"an empty reference names nothing; use {forms(wanted)}")
    found = _parse(stripped, wanted)
    if found is None:
        raise InputError(f"{stripped!r} is not a reference; use {forms(wanted)}")
    kept = tuple(k for k in found.kinds if k in wanted)
    if not kept and not set(found.kinds) <= {RefKind.RUN, RefKind.NAME}:
        what = " or ".join(_WHAT[k] for k in found.kinds if k is not RefKind.NAME)
        raise InputError(f"{stripped!r} names {what}, not taken here; use {forms(wanted)}")
    if not kept:
        raise InputError(f"{stripped!r} is not a reference; use {forms(wanted)}")
    return found if kept == found.kinds else _with_kinds(found, kept)


_WHAT = {
    RefKind.SPAN: "a span",
    RefKind.MODEL: "a model version",
    RefKind.ARTIFACT: "an artifact by id",
    RefKind.RUN: "a run",
    RefKind.PATH: "a path",
}


def _with_kinds(ref: Ref, kinds: tuple[RefKind, ...]) -> Ref:
    return Ref(ref.text, kinds, ref.name, ref.number, ref.alias, ref.artifact_id, ref.run, ref.note)


def _parse(text: str, wanted: frozenset[RefKind]) -> Ref | None:
    artifact = _ARTIFACT.match(text)
    if artifact is not None:
        return Ref(text, (RefKind.ARTIFACT,), artifact_id=int(artifact[1]))
    if text.isdigit():
        note = f"a bare number names an artifact for one more release: write '#{text}'"
        if RefKind.ARTIFACT not in wanted and RefKind.RUN in wanted:
            # where only a run is taken, digits are a short run id (hex ids can be all digits)
            return Ref(text, (RefKind.RUN,), run=parse_run_ref(text))
        return Ref(text, (RefKind.ARTIFACT,), artifact_id=int(text), note=note)
    if text.startswith("run:") and RefKind.RUN in wanted:
        return Ref(text, (RefKind.RUN,), run=parse_run_ref(text[4:]))
    if wanted == {RefKind.RUN}:
        return Ref(text, (RefKind.RUN,), run=parse_run_ref(text))
    if RefKind.PATH in wanted and is_path(text):
        return Ref(text, (RefKind.PATH,))
    hashed = _HASHED.match(text)
    if hashed is not None:
        return Ref(text, (RefKind.SPAN, RefKind.NAME), name=hashed[1], number=int(hashed[2]))
    named = _NAMED.match(text)
    if named is None and _RUN_TOKEN.match(text):  # a name, or a short run id (3fa2b1c9)
        return Ref(text, (RefKind.NAME, RefKind.RUN), name=text, run=parse_run_ref(text))
    if named is None:
        # any other text without blanks may be an artifact's recorded name (elec2#3/profile)
        return Ref(text, (RefKind.NAME,), name=text) if text.split() == [text] else None
    name, number, alias = named[1], named[2], named[3]
    if alias is not None:
        return Ref(text, (RefKind.MODEL,), name=name, alias=alias)
    kinds = [RefKind.MODEL, RefKind.SPAN, RefKind.NAME]
    run = None
    if number is None and _RUN_TOKEN.match(text):  # a whole run id first, a prefix last
        run = parse_run_ref(text)
        kinds.insert(0 if run.complete else 3, RefKind.RUN)
    value = None if number in (None, "latest") else int(number)
    return Ref(text, tuple(kinds), name=name, number=value, run=run)
