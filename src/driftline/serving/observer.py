"""Around each prediction of a workspace-backed server: the log, feedback and rollouts.

:class:`ServingObserver` is given to :func:`~driftline.serving.app.create_app`. After each
answered request it appends the inputs and predictions to the prediction log (a queue append),
remembers the predictions of the last ``recent`` requests by request id, and tells the rollout
driver. Feedback (``POST /v2/models/{name}/feedback``) goes to the feedback log; a label for a
remembered request also counts towards the live accuracy of the version that answered it, which
is what a canary is judged on (and towards that of a shadow that scored the same request). In
the background it polls for rollouts to start or abort.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

    from driftline.monitor.logs.feedback import FeedbackLog
    from driftline.monitor.logs.log_stats import LogStats
    from driftline.monitor.logs.predlog import PredictionLog
    from driftline.rollout.driver import RolloutDriver
    from driftline.serving.outlier_scoring import Outliers
    from driftline.serving.table import ServedModel

__all__ = ["ServingObserver"]

log = logging.getLogger("driftline.rollout.engines")


class ServingObserver:
    """Prediction log, feedback and rollouts around a server (see the module docstring)."""

    def __init__(
        self,
        *,
        predictions: PredictionLog | None = None,
        feedback: FeedbackLog | None = None,
        rollouts: RolloutDriver | None = None,
        recent: int = 100_000,
        poll_seconds: float = 1.0,
    ) -> None:
        self.predictions = predictions
        self.feedback = feedback
        self.rollouts = rollouts
        self.poll_seconds = poll_seconds
        self._recent: OrderedDict[str, tuple[str, str, Any]] = OrderedDict()
        self._limit = recent
        self._lock = threading.Lock()

    def on_predictions(
        self,
        served: ServedModel,
        request_id: str,
        table: pa.Table,
        predictions: Any,
        *,
        outliers: Outliers | None = None,
    ) -> None:
        """Called after a request was answered (on the request's thread: keep it cheap).

        ``outliers``: the rows' outlier scores and flags, logged with them (``None``: the
        version has no detector, and the log gets no outlier columns).
        """
        if self.predictions is not None:
            scored = None if outliers is None else (outliers.scores, outliers.flags)
            self.predictions.log(
                served.name, served.key, request_id, table, predictions, outliers=scored
            )
        with self._lock:
            self._recent[request_id] = (served.name, served.key, predictions)
            if len(self._recent) > self._limit:
                self._recent.popitem(last=False)
        if self.rollouts is not None:
            self.rollouts.after_request(served, ok=True, table=table, request_id=request_id)

    def on_failure(self, served: ServedModel) -> None:
        """Called when the model failed on a valid request (a server-side error)."""
        if self.rollouts is not None:
            self.rollouts.after_request(served, ok=False)

    def on_feedback(self, name: str, labels: Mapping[str, Any]) -> int:
        """Record labels by request id; count them for live metrics. Returns how many.

        Raises:
            InputError: labels that are not a mapping of request id to a label or a list of
                labels (one per row), naming the problem.

        """
        if not isinstance(labels, Mapping) or not labels:
            raise InputError('feedback must be {"labels": {"<request id>": <label>, ...}}')
        recorded = self.feedback.record(name, labels) if self.feedback is not None else 0
        if self.rollouts is None:
            return recorded or len(labels)
        from driftline.rollout.driver import score_labels

        for request_id, label in labels.items():
            with self._lock:
                found = self._recent.get(str(request_id))
            if found is not None and found[0] == name:
                scored = score_labels(found[2], label)
                if scored is not None:
                    self.rollouts.record_labels(
                        name, found[1], labelled=scored[0], correct=scored[1]
                    )
            self.rollouts.shadow_labels(name, str(request_id), label)  # judged on it too
        return recorded or len(labels)

    async def run(self) -> None:
        """The background loop: poll for rollouts to start or abort."""
        if self.rollouts is None:
            return
        while True:
            try:
                await asyncio.to_thread(self.rollouts.poll)
            except Exception:  # a failed poll (say, the database is away) is tried again
                log.exception("could not poll for rollouts")
            await asyncio.sleep(self.poll_seconds)

    def log_stats(self) -> dict[str, LogStats]:
        """The counters of the logs this observer keeps, by name (``predictions``, ``feedback``)."""
        logs = {"predictions": self.predictions, "feedback": self.feedback}
        return {name: log.stats() for name, log in logs.items() if log is not None}

    def close(self) -> None:
        """Flush the logs and record pending rollout decisions."""
        if self.rollouts is not None:
            self.rollouts.close()
        if self.predictions is not None:
            self.predictions.close()
        if self.feedback is not None:
            self.feedback.close()
