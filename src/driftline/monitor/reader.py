"""The prediction log and feedback labels of one workspace: :class:`MonitorReader`.

``Workspace.monitor`` is one; each method is a reader of :mod:`driftline.monitor.predictions`
bound to the workspace's stores.

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     table = ws.monitor.joined("churn")
    ...     metrics = ws.monitor.live_metrics("churn")
    >>> table.num_rows, "label" in table.column_names, metrics
    (0, True, {})

"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["MonitorReader"]


class MonitorReader:
    """Read the logged predictions and labels of a workspace's models, and their live metrics.

    Args:
        stores: the metadata and artifact stores (a :class:`~driftline.store.stores.Stores`, a
            workspace); ``MonitorReader(metadata, artifacts)`` works too.

    """

    def __init__(
        self, stores: HasStores | MetadataStore, artifacts: ArtifactStore | None = None
    ) -> None:
        self.stores = Stores.of(stores, artifacts)

    def predictions(
        self,
        model: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        version: int | str | None = None,
    ) -> Any:
        """The logged predictions of ``model`` (see :func:`driftline.monitor.read_predictions`)."""
        from driftline.monitor import read_predictions

        s = self.stores
        return read_predictions(
            s.metadata, s.artifacts, model, since=since, until=until, version=version
        )

    def feedback(
        self, model: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> Any:
        """The labels recorded for ``model`` (see :func:`driftline.monitor.read_feedback`)."""
        from driftline.monitor import read_feedback

        s = self.stores
        return read_feedback(s.metadata, s.artifacts, model, since=since, until=until)

    def joined(
        self,
        model: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        version: int | str | None = None,
    ) -> Any:
        """Predictions with their newest labels (see :func:`driftline.monitor.joined`)."""
        from driftline.monitor import joined

        s = self.stores
        return joined(s.metadata, s.artifacts, model, since=since, until=until, version=version)

    def live_metrics(
        self,
        model: str,
        metric: str = "accuracy",
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, dict[str, int | float]]:
        """The live ``metric`` of each version of ``model`` over a window of its log.

        See :func:`driftline.monitor.live_metrics` for what is returned and raised.
        """
        from driftline.monitor import live_metrics

        return live_metrics(self.joined(model, since=since, until=until), metric)

    def update_windows(self, model: str, *, window: timedelta | None = None) -> Any:
        """Profile what ``model`` logged since the last update into live windows.

        See :func:`driftline.monitor.windows.update_windows` (returns a ``WindowUpdate``).
        """
        from driftline.monitor.windows import DEFAULT_WINDOW, update_windows

        return update_windows(self.stores, model, window=window or DEFAULT_WINDOW)

    def windows(
        self,
        model: str,
        *,
        version: int | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        window: timedelta | None = None,
    ) -> list[Any]:
        """The stored live windows of ``model`` (see :func:`driftline.monitor.live_windows`)."""
        from driftline.monitor.windows import DEFAULT_WINDOW, live_windows

        return live_windows(
            self.stores,
            model,
            version=version,
            since=since,
            until=until,
            window=window or DEFAULT_WINDOW,
        )

    def metrics(
        self,
        model: str,
        *,
        version: int | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        window: timedelta | None = None,
        update: bool = True,
    ) -> list[Any]:
        """Each live window's metrics (see :func:`driftline.monitor.window_metrics`)."""
        from driftline.monitor.window_metrics import window_metrics
        from driftline.monitor.windows import DEFAULT_WINDOW

        return window_metrics(
            self.stores,
            model,
            version=version,
            since=since,
            until=until,
            window=window or DEFAULT_WINDOW,
            update=update,
        )

    def drift_series(
        self,
        model: str,
        *,
        feature: str | None = None,
        version: int | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        window: timedelta | None = None,
        update: bool = True,
    ) -> Any:
        """Input drift per window as a table (see :func:`driftline.monitor.series.drift_series`)."""
        from driftline.monitor.series import drift_series
        from driftline.monitor.windows import DEFAULT_WINDOW

        return drift_series(
            self.stores,
            model,
            feature=feature,
            version=version,
            since=since,
            until=until,
            window=window or DEFAULT_WINDOW,
            update=update,
        )
