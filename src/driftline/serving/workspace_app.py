"""A server for the models of a workspace's registry: what ``driftline serve`` runs.

:func:`build_app` serves, for each registered model (or those named), the version its
``champion`` alias points at (else its latest), with the prediction log, the feedback log and the
rollout driver wired in (see :mod:`driftline.serving.observer`).

Examples:
    >>> import tempfile
    >>> import numpy as np, pyarrow as pa
    >>> from sklearn.linear_model import LogisticRegression
    >>> from starlette.testclient import TestClient
    >>> from driftline.models.artifact import ModelType
    >>> from driftline.models.saving import save_model
    >>> from driftline.workspace import Workspace
    >>> sample = pa.table({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> fitted = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> with tempfile.TemporaryDirectory() as tmp, Workspace.init(tmp + "/ws") as ws:
    ...     _ = save_model(fitted, tmp + "/m", sample=sample)
    ...     import pathlib
    ...     with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
    ...         props = ModelType.save(pathlib.Path(tmp + "/m"), out)
    ...     model = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
    ...     _ = ws.registry.register("toy", model.id)
    ...     _ = ws.registry.promote("toy", 1)
    ...     with TestClient(build_app(ws.metadata, ws.artifacts, freeze_gc=False)) as client:
    ...         answer = client.post("/invocations", json={"inputs": {"x": [3.0]}})
    >>> answer.json(), "x-request-id" in answer.headers
    ({'predictions': [1]}, True)

"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from driftline.core.errors import NotFoundError
from driftline.registry.versions import CHAMPION

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from driftline.monitor.logs.durability import Durability
    from driftline.serving.access import Access
    from driftline.serving.limits import FeedbackLimits
    from driftline.store.artifacts import ArtifactStore
    from driftline.store.metadata import MetadataStore

__all__ = ["build_app", "registered_detector", "served_versions"]

log = logging.getLogger("driftline.serving")


def registered_detector(registry: Any, name: str, version: int) -> Any:
    """The outlier detector of a registered version's monitor reference, or ``None``.

    ``None`` too when the version has no reference, or when it cannot be read (logged): a
    version serves without outlier scores rather than not at all.
    """
    read = getattr(registry, "monitor_reference", None)
    if read is None:
        return None
    try:
        reference = read(name, version)
    except Exception:  # a damaged reference must not stop the version from serving
        log.exception("the monitor reference of %s version %s cannot be read", name, version)
        return None
    return getattr(reference, "outliers", None)


def served_versions(registry: Any, names: Sequence[str] = ()) -> list[Any]:
    """The :class:`~driftline.serving.table.ServedModel` of each model's champion (else latest).

    Raises:
        NotFoundError: a named model is not registered, or nothing is registered.

    """
    from driftline.serving.table import ServedModel

    known = registry.models()
    wanted = list(names) or known
    missing = [n for n in wanted if n not in known]
    if missing or not wanted:
        listed = ", ".join(known) or "none"
        what = f"model {missing[0]!r} is not registered" if missing else "no model is registered"
        raise NotFoundError(f"{what} (registered: {listed}); push one with a training pipeline")
    out = []
    for name in wanted:
        version = registry.alias(name, CHAMPION) or registry.version(name)
        metadata = {"registered_version": version.number, "aliases": list(version.aliases)}
        detector = registered_detector(registry, name, version.number)
        loaded = registry.load(version)
        out.append(ServedModel(name, version.number, loaded, metadata, outliers=detector))
    return out


def build_app(
    metadata: MetadataStore,
    artifacts: ArtifactStore,
    *,
    models: Sequence[str] = (),
    token: str | None = None,
    access: Access | None = None,
    feedback_limits: FeedbackLimits | None = None,
    max_body_bytes: int = 10 * 2**20,
    log_predictions: bool = True,
    exclude: Sequence[str] = (),
    hash_columns: Sequence[str] = (),
    rollouts: bool = True,
    poll_seconds: float = 1.0,
    freeze_gc: bool = True,
    seed: int = 0,
    durability: Durability | str = "buffered",
    journal_dir: str | os.PathLike[str] | None = None,
) -> Starlette:
    """The server of a workspace's registered models (see the module docstring).

    Args:
        metadata: the workspace's metadata store (kept open while the server runs).
        artifacts: its artifact store.
        models: the models to serve (default: every registered model).
        token: the admin bearer token (short for ``access=Access(admin_token=token)``).
        access: the tokens and what each opens (:class:`~driftline.serving.access.Access`).
        feedback_limits: the bounds on feedback (:class:`~driftline.serving.limits.FeedbackLimits`).
        max_body_bytes: the largest request body accepted.
        log_predictions: append every prediction to the prediction log.
        exclude: input columns never written to the log.
        hash_columns: input columns written to the log as their stable 64-bit hash.
        rollouts: run rollouts (``driftline rollout start``); only one server process may.
        poll_seconds: how often to look for rollouts to start or abort.
        freeze_gc: see :func:`~driftline.serving.app.create_app`.
        seed: the seed of the traffic split.
        durability: when a prediction or a label is acknowledged: ``"buffered"`` (in memory)
            or ``"durable"`` (in the journal, on disk; see
            :mod:`~driftline.monitor.logs.durability`).
        journal_dir: the local folder of the logs' journals (needed when durable); journals
            that crashed servers left there are replayed into the logs at the start.

    """
    from driftline.monitor.logs.durability import Durability, DurableAcks, check_durability
    from driftline.monitor.logs.feedback import FeedbackLog
    from driftline.monitor.logs.predlog import PredictionLog
    from driftline.registry import ModelRegistry
    from driftline.rollout.driver import RolloutDriver
    from driftline.rollout.store import RolloutStore
    from driftline.serving.app import create_app
    from driftline.serving.observer import ServingObserver
    from driftline.serving.table import ModelTable

    registry = ModelRegistry(metadata, artifacts)
    table = ModelTable(
        served_versions(registry, models),
        outliers=lambda name, version: registered_detector(registry, name, version),
    )
    mode = check_durability(durability)
    observer = ServingObserver(
        predictions=(
            PredictionLog(
                metadata,
                artifacts,
                exclude=exclude,
                hash_columns=hash_columns,
                durability=mode,
                journal_dir=journal_dir,
            )
            if log_predictions
            else None
        ),
        feedback=(
            FeedbackLog(metadata, artifacts, durability=mode, journal_dir=journal_dir)
            if log_predictions
            else None
        ),
        rollouts=RolloutDriver(table, registry, RolloutStore(metadata), seed=seed)
        if rollouts
        else None,
        poll_seconds=poll_seconds,
    )
    app = create_app(
        table,
        token=token,
        access=access,
        feedback_limits=feedback_limits,
        max_body_bytes=max_body_bytes,
        freeze_gc=freeze_gc,
        observer=observer,
    )
    if mode is Durability.DURABLE and log_predictions:
        from starlette.middleware import Middleware

        # innermost, so that the metrics count the status actually sent
        app.user_middleware.append(Middleware(DurableAcks))
    return app
