"""What a rollout needs of the server it runs in: a table of served versions it can split.

The driver (:class:`~driftline.rollout.driver.RolloutDriver`) works through these protocols, so
the rollout package never imports the server: the model server's
:class:`~driftline.serving.table.ModelTable` satisfies :class:`TrafficTable`, and its
:class:`~driftline.serving.table.ServedModel` satisfies :class:`ServedVersion`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from driftline.models.loaded import LoadedModel

__all__ = ["Predicts", "ServedVersion", "TrafficTable"]


class Predicts(Protocol):
    """Runs one served version on a batch of rows."""

    def predict(self, data: Any, output: str = ...) -> Any:
        """The predictions of ``output`` (``predict`` by default) for ``data``."""
        ...


class ServedVersion(Protocol):
    """One version of a named model that answers requests."""

    @property
    def name(self) -> str:
        """The model's name."""
        ...

    @property
    def key(self) -> str:
        """The version, as a string."""
        ...

    @property
    def spec(self) -> Predicts:
        """How it predicts."""
        ...


class TrafficTable(Protocol):
    """The versions a server serves, which one answers by default, and how traffic splits."""

    def __contains__(self, name: object) -> bool:
        """Whether a model of that name is served."""
        ...

    def resolve(self, name: str, version: int | str | None = None) -> ServedVersion:
        """The version that answers a request for ``name`` (``version``, if given)."""
        ...

    def serves(self, name: str, version: int | str) -> bool:
        """Whether that version of ``name`` is served."""
        ...

    def add_version(self, name: str, version: int, model: LoadedModel) -> None:
        """Serve a loaded version (not as the default)."""
        ...

    def set_default(self, name: str, version: int | str) -> None:
        """Make ``version`` the default of ``name``."""
        ...

    def split(self, name: str, weights: Mapping[str, float] | None, *, seed: int) -> None:
        """Split requests that name no version by ``weights`` (``None``: the default answers)."""
        ...
