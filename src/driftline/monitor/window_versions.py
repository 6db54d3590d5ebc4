"""What the monitor knows of each logged version: its training profile, monitor reference, model.

The prediction log names the version that answered each row as text (``"3"``); a registered
version has a number. :class:`VersionLookup` finds, once per version and call, the version's
training profile (recorded at registration as ``profile_id``) and its monitor reference
(:meth:`driftline.registry.ModelRegistry.monitor_reference`), and loads its model when a window
needs re-scoring. A part that is not there is never an error: :class:`VersionFacts` says why,
once, in ``notes``.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     facts = VersionLookup(ws, "churn").facts("3")
    >>> facts.training is None, facts.reference is None
    (True, True)
    >>> facts.notes[0]
    "model 'churn' is not registered: no training profile or monitor reference for version 3"

"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftline.core.errors import DriftlineError, NotFoundError
from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.models.loaded import LoadedModel
    from driftline.models.monitoring.reference import MonitorReference

__all__ = ["VersionFacts", "VersionLookup"]


@dataclass(frozen=True)
class VersionFacts:
    """What is known of one logged version.

    Attributes:
        version: the version as logged.
        number: its registered number (``None``: not a registered version).
        training: its training profile, or ``None``.
        reference: its monitor reference, or ``None``.
        notes: why a part is missing, one sentence each.
        profile_id: the training profile's artifact id, if any.
        reference_id: the monitor reference's artifact id, if any.

    """

    version: str
    number: int | None
    training: Profile | None
    reference: MonitorReference | None
    notes: tuple[str, ...] = ()
    profile_id: int | None = None
    reference_id: int | None = None


def _number(version: str) -> int | None:
    try:
        number = int(version)
    except ValueError:
        return None
    return number if number >= 1 and str(number) == version else None


class VersionLookup:
    """Finds, once per version, what the monitor needs of it (see the module docstring).

    Args:
        stores: the workspace's stores (anything with ``metadata`` and ``artifacts``).
        model: the model's name.

    """

    def __init__(self, stores: HasStores, model: str) -> None:
        self.stores = Stores.of(stores)
        self.model = model
        self._facts: dict[str, VersionFacts] = {}
        self._loaded: dict[str, LoadedModel | None] = {}

    def afresh(self) -> VersionLookup:
        """A lookup that finds every version's facts again but keeps the models loaded.

        A registered version's model never changes; its facts may (a version registered since,
        a reference added): a long-lived process starts each update with this.
        """
        found = VersionLookup(self.stores, self.model)
        found._loaded = {v: m for v, m in self._loaded.items() if m is not None}
        return found

    def facts(self, version: str) -> VersionFacts:
        """What is known of ``version`` (looked up on first use)."""
        if version not in self._facts:
            self._facts[version] = self._find(version)
        return self._facts[version]

    def loaded(self, version: str) -> LoadedModel | None:
        """The model of ``version``, loaded once (``None``: not registered or unreadable)."""
        if version not in self._loaded:
            number = self.facts(version).number
            self._loaded[version] = None
            if number is not None:
                from driftline.registry import ModelRegistry

                registry = ModelRegistry(self.stores)
                with contextlib.suppress(DriftlineError):  # said by the caller: no estimate
                    self._loaded[version] = registry.load(registry.version(self.model, number))
        return self._loaded[version]

    def _find(self, version: str) -> VersionFacts:
        from driftline.registry import ModelRegistry

        number = _number(version)
        what = f"version {version}"
        if number is None:
            why = f"{what} is not a registered version number: no training profile or reference"
            return VersionFacts(version, None, None, None, (why,))
        registry = ModelRegistry(self.stores)
        try:
            found = registry.version(self.model, number)
        except NotFoundError as exc:
            if self.model not in registry.models():
                why = (
                    f"model {self.model!r} is not registered: no training profile or "
                    f"monitor reference for {what}"
                )
            else:
                why = f"{exc}: no training profile or monitor reference for {what}"
            return VersionFacts(version, None, None, None, (why,))
        notes: list[str] = []
        training = self._training(found.profile_id, what, notes)
        stored = self.stores.metadata.get_artifact(found.artifact_id).properties
        reference_id = stored.get("reference_id")
        reference: MonitorReference | None = None
        try:
            reference = registry.monitor_reference(self.model, number)
        except DriftlineError as exc:
            notes.append(f"the monitor reference of {what} cannot be read: {exc}")
        else:
            if reference is None:
                notes.append(
                    f"{what} was registered without a monitor reference: no output drift, "
                    "outlier reference or accuracy estimate"
                )
        return VersionFacts(
            version,
            number,
            training,
            reference,
            tuple(notes),
            profile_id=None if training is None else found.profile_id,
            reference_id=None if reference is None or reference_id is None else int(reference_id),
        )

    def _training(self, profile_id: Any, what: str, notes: list[str]) -> Profile | None:
        from driftline.data.profile import Profile

        if profile_id is None:
            notes.append(f"{what} was registered without a training profile: no input drift")
            return None
        try:
            artifact = self.stores.metadata.get_artifact(int(profile_id))
            data = self.stores.artifacts.read_bytes(
                artifact.uri, artifact.sha256, label=f"training profile {artifact.id}"
            )
            return Profile.from_bytes(data)
        except DriftlineError as exc:
            notes.append(f"the training profile of {what} cannot be read: {exc}")
            return None
