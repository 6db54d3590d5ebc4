"""The models a server holds: :class:`ServedModel` versions by name, with a default per name.

A :class:`ModelTable` is read on every request and changed rarely (a new version, a switch of the
default, a rollout step). Every change builds a new immutable snapshot and swaps it in with one
attribute assignment, so a request reads one consistent snapshot without a lock, and a request
that already holds a :class:`ServedModel` finishes with it whatever changes meanwhile: a swap never
fails a request in flight.

Which version answers a request that names none is the default version, unless a
:class:`VersionChooser` is set for the name (:meth:`ModelTable.set_chooser`): the hook a rollout
uses to split traffic between versions (:class:`WeightedChooser` splits by weight).

Examples:
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.dummy import DummyClassifier
    >>> from driftline.models import LoadedModel, ModelMeta, SklearnFlavor, infer_signature
    >>> sample = pa.table({"x": [0.0, 1.0]})
    >>> def loaded(label):
    ...     model = DummyClassifier(strategy="constant", constant=label)
    ...     model = model.fit(np.zeros((2, 1)), [label, 1 - label])
    ...     meta = ModelMeta("sklearn", signature=infer_signature(sample, np.array([label])))
    ...     return LoadedModel(model, SklearnFlavor(), meta)
    >>> table = ModelTable([ServedModel("churn", 1, loaded(0))])
    >>> table.add(ServedModel("churn", 2, loaded(1)))
    >>> table.resolve("churn").version, table.default_version("churn")
    (1, '1')
    >>> table.set_default("churn", 2)
    >>> table.resolve("churn").version, table.resolve("churn", "1").version
    (2, 1)
    >>> table.resolve("fraud")
    Traceback (most recent call last):
    ...
    driftline.core.errors.NotFoundError: no model named 'fraud' is served (served: churn)

"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from driftline.core.errors import ConflictError, InputError, NotFoundError

if TYPE_CHECKING:
    from driftline.models.loaded import LoadedModel
    from driftline.models.monitoring.outliers import OutlierDetector
    from driftline.serving.outlier_scoring import OutlierScorer
    from driftline.serving.spec import ModelSpec

DetectorSource = Callable[[str, int], "OutlierDetector | None"]
"""Where a table finds the outlier detector of a version it loads (``None``: it has none)."""

__all__ = [
    "DetectorSource",
    "ModelEntry",
    "ModelTable",
    "ServedModel",
    "VersionChooser",
    "WeightedChooser",
]


def _check_label(kind: str, value: str) -> str:
    if not value or "/" in value or value != value.strip():
        raise InputError(
            f"a served model {kind} must be non-empty, without '/' or spaces: {value!r}"
        )
    return value


@dataclass(frozen=True, eq=False)
class ServedModel:
    """One version of a named model, ready to answer requests.

    Attributes:
        name: the model's name in URLs (``/v2/models/{name}``).
        version: its version (``/versions/{version}``); ``1`` and ``"1"`` are the same version.
        model: the loaded model; it must have a signature, so that requests can be checked.
        metadata: JSON-ready facts shown in the model's metadata (say, the registry's run id).
        outliers: the version's outlier detector (from its monitor reference); each request's
            rows are then scored, logged and, when the client asks, returned (``None``: none).

    Raises:
        InputError: a name or version with ``/``, metadata that is not JSON-ready, or a model
            without a signature or with a column type that requests cannot carry (naming it).

    """

    name: str
    version: int | str
    model: LoadedModel
    metadata: Mapping[str, Any] = field(default_factory=dict)
    outliers: OutlierDetector | None = field(default=None, repr=False)
    spec: ModelSpec = field(init=False, repr=False)
    scorer: OutlierScorer | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from driftline.serving.spec import ModelSpec

        _check_label("name", self.name)
        _check_label("version", str(self.version))
        try:
            json.dumps(dict(self.metadata))
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"the metadata of model {self.name!r} is not JSON-ready: {exc}"
            ) from None
        spec = ModelSpec.of(self.name, self.version, self.model)
        object.__setattr__(self, "spec", spec)
        scorer = None
        if self.outliers is not None:
            from driftline.serving.outlier_scoring import OutlierScorer

            scorer = OutlierScorer(self.outliers, spec)
        object.__setattr__(self, "scorer", scorer)

    @property
    def key(self) -> str:
        """The version as it appears in URLs and metrics."""
        return str(self.version)


class VersionChooser(Protocol):
    """Chooses the version that answers a request which names none (a rollout's traffic split)."""

    def choose(self, entry: ModelEntry) -> str:
        """The key of one of ``entry.versions``; an unknown key falls back to the default."""
        ...


class WeightedChooser:
    """Sends each request to a version drawn at random with the given weights.

    Versions absent from the table are skipped; when none is left the default answers.

    Examples:
        >>> chooser = WeightedChooser({1: 0.0, "2": 1.0}, seed=0)
        >>> chooser.weights
        {'1': 0.0, '2': 1.0}

    """

    def __init__(
        self,
        weights: Mapping[int | str, float] | Mapping[str, float],
        *,
        seed: int | None = None,
    ) -> None:
        """Weights by version (non-negative, not all zero); ``seed`` makes the draws repeatable."""
        cleaned = {str(version): float(weight) for version, weight in weights.items()}
        if any(w < 0 for w in cleaned.values()) or not any(w > 0 for w in cleaned.values()):
            raise InputError(f"version weights must be >= 0 and not all 0, got {cleaned}")
        self.weights = cleaned
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def choose(self, entry: ModelEntry) -> str:
        """A version drawn by weight among those the entry holds."""
        present = [(v, w) for v, w in self.weights.items() if v in entry.versions and w > 0]
        if not present:
            return entry.default
        with self._lock:
            point = self._random.random() * sum(w for _, w in present)
        for version, weight in present:
            point -= weight
            if point < 0:
                return version
        return present[-1][0]


@dataclass(frozen=True)
class ModelEntry:
    """All versions of one model name (read-only; a change makes a new entry)."""

    name: str
    versions: Mapping[str, ServedModel]
    default: str
    chooser: VersionChooser | None = None

    def pick(self, version: int | str | None = None) -> ServedModel:
        """The version asked for, or the one the chooser (else the default) picks.

        Raises:
            NotFoundError: the version asked for is not served (naming those that are).

        """
        if version is None:
            if self.chooser is None:
                return self.versions[self.default]
            return self.versions.get(self.chooser.choose(self), self.versions[self.default])
        served = self.versions.get(str(version))
        if served is None:
            known = ", ".join(self.versions)
            raise NotFoundError(
                f"model {self.name!r} has no version {str(version)!r} (served versions: {known})"
            )
        return served


class ModelTable:
    """Served models by name and version, with the default version of each name.

    Reads (:meth:`resolve`, :meth:`entry`) take no lock; changes are serialised by a lock and
    published as a new snapshot, so they are atomic for readers.
    """

    def __init__(
        self, models: Iterable[ServedModel] = (), *, outliers: DetectorSource | None = None
    ) -> None:
        """A table holding ``models``; the first version added under a name is its default.

        ``outliers`` finds the outlier detector of a version :meth:`add_version` loads.
        """
        self._lock = threading.Lock()
        self._outliers = outliers
        self._entries: Mapping[str, ModelEntry] = MappingProxyType({})
        for served in models:
            self.add(served)

    # ---- reads (lock-free) -------------------------------------------------------------------

    def resolve(self, name: str, version: int | str | None = None) -> ServedModel:
        """The model that answers a request for ``name`` (and ``version``, if given).

        Raises:
            NotFoundError: no such name or version (naming what is served).

        """
        return self.entry(name).pick(version)

    def entry(self, name: str) -> ModelEntry:
        """All versions of ``name``.

        Raises:
            NotFoundError: no model of that name is served.

        """
        entries = self._entries
        found = entries.get(name)
        if found is None:
            served = ", ".join(entries) or "none"
            raise NotFoundError(f"no model named {name!r} is served (served: {served})")
        return found

    def names(self) -> list[str]:
        """The served model names, in the order they were first added."""
        return list(self._entries)

    def default_version(self, name: str) -> str:
        """The default version of ``name``."""
        return self.entry(name).default

    def __iter__(self) -> Iterator[ServedModel]:
        """Every served version of every name."""
        for entry in self._entries.values():
            yield from entry.versions.values()

    def __len__(self) -> int:
        """How many versions are served, over all names."""
        return sum(len(e.versions) for e in self._entries.values())

    def __contains__(self, name: object) -> bool:
        """Whether a model of that name is served."""
        return name in self._entries

    # ---- changes (atomic) --------------------------------------------------------------------

    def add(self, served: ServedModel, *, default: bool = False) -> None:
        """Serve a new version; it becomes the default if it is the first of its name or if asked.

        Raises:
            ConflictError: that name and version is already served (use :meth:`replace`).

        """
        with self._lock:
            entry = self._entries.get(served.name)
            if entry is not None and served.key in entry.versions:
                raise ConflictError(
                    f"model {served.name!r} version {served.key!r} is already served"
                )
            self._put(served, make_default=default or entry is None)

    def replace(self, served: ServedModel, *, default: bool = True) -> None:
        """Serve ``served`` in place of its version, or as a new one, and make it the default.

        Both happen in one atomic step; ``default=False`` keeps the current default.
        """
        with self._lock:
            entry = self._entries.get(served.name)
            self._put(served, make_default=default or entry is None)

    def set_default(self, name: str, version: int | str) -> None:
        """Make ``version`` the default of ``name``.

        Raises:
            NotFoundError: no such name or version.

        """
        with self._lock:
            entry = self.entry(name)
            served = entry.pick(version)
            self._publish(name, ModelEntry(name, entry.versions, served.key, entry.chooser))

    def serves(self, name: str, version: int | str) -> bool:
        """Whether version ``version`` of ``name`` is served."""
        entry = self._entries.get(name)
        return entry is not None and str(version) in entry.versions

    def add_version(self, name: str, version: int, model: LoadedModel) -> None:
        """Serve a loaded version of ``name`` (the default only if it is the first).

        Its outlier detector comes from the table's ``outliers`` source, if it has one.

        Raises:
            ConflictError: that version is already served.
            InputError: a model without a signature (see :class:`ServedModel`).

        """
        detector = self._outliers(name, version) if self._outliers is not None else None
        self.add(ServedModel(name, version, model, outliers=detector))

    def split(self, name: str, weights: Mapping[str, float] | None, *, seed: int) -> None:
        """Split requests that name no version of ``name`` by ``weights`` (``None``: no split).

        This is how a rollout moves traffic (:class:`WeightedChooser`).
        """
        if weights is None:
            self.set_chooser(name, None)
            return
        self.set_chooser(name, WeightedChooser(weights, seed=seed))

    def set_chooser(self, name: str, chooser: VersionChooser | None) -> None:
        """Let ``chooser`` pick the version of requests that name none (``None``: the default)."""
        with self._lock:
            entry = self.entry(name)
            self._publish(name, ModelEntry(name, entry.versions, entry.default, chooser))

    def remove(self, name: str, version: int | str) -> ServedModel:
        """Stop serving one version (requests already holding it finish with it).

        Raises:
            NotFoundError: no such name or version.
            ConflictError: it is the default version while other versions remain.

        """
        with self._lock:
            entry = self.entry(name)
            served = entry.pick(version)
            versions = {k: v for k, v in entry.versions.items() if k != served.key}
            entries = dict(self._entries)
            if not versions:
                del entries[name]
            elif served.key == entry.default:
                raise ConflictError(
                    f"version {served.key!r} is the default of model {name!r}: "
                    "set another default before removing it"
                )
            else:
                entries[name] = ModelEntry(
                    name, MappingProxyType(versions), entry.default, entry.chooser
                )
            self._entries = MappingProxyType(entries)
            return served

    def _put(self, served: ServedModel, *, make_default: bool) -> None:
        entry = self._entries.get(served.name)
        versions = dict(entry.versions) if entry is not None else {}
        versions[served.key] = served
        default = served.key if make_default or entry is None else entry.default
        chooser = entry.chooser if entry is not None else None
        self._publish(
            served.name, ModelEntry(served.name, MappingProxyType(versions), default, chooser)
        )

    def _publish(self, name: str, entry: ModelEntry) -> None:
        entries = dict(self._entries)
        entries[name] = entry
        self._entries = MappingProxyType(entries)
