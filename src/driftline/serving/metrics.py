"""Prometheus metrics of the model server, in the text exposition format (version 0.0.4).

- ``driftline_http_requests_total``: requests by endpoint, model, version and status;
- ``driftline_http_request_errors_total``: 4xx and 5xx responses by endpoint, model and status;
- ``driftline_http_request_duration_seconds``: a latency histogram by endpoint;
- ``driftline_predictions_total``: answered prediction requests by model and version (the
  traffic each version gets), and ``driftline_predicted_rows_total``: their rows;
- ``driftline_model_default_version``: 1 for the default version of each model;
- ``driftline_outlier_rows_total``: rows flagged as outliers, by model and version, and
  ``driftline_outlier_scoring_errors_total``: requests whose outlier scoring failed (their rows
  were answered and logged with null scores).

Labels only ever hold endpoint names the server defines and models it serves: a request for an
unknown model counts under ``model=""``, so clients cannot grow the label sets.

Examples:
    >>> metrics = Metrics()
    >>> metrics.observe("infer", "churn", "1", 200, 0.002)
    >>> metrics.predicted("churn", "1", 5)
    >>> text = metrics.render()
    >>> 'requests_total{endpoint="infer",model="churn",version="1",status="200"} 1' in text
    True
    >>> 'duration_seconds_bucket{endpoint="infer",le="0.0025"} 1' in text
    True

"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from driftline.monitor.logs.log_stats import LogStats
    from driftline.serving.table import ModelTable

__all__ = ["CONTENT_TYPE", "LABELS_KEY", "Metrics", "MetricsMiddleware"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LABELS_KEY = "driftline.labels"
"""The ASGI scope key of the dict in which an endpoint names itself, its model and version."""

BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Iterable[Any]) -> str:
    pairs = ",".join(f'{n}="{_escape(str(v))}"' for n, v in zip(names, values, strict=True))
    return "{" + pairs + "}"


class Metrics:
    """Counters and a latency histogram, safe to update from several threads."""

    def __init__(self, buckets: Sequence[float] = BUCKETS) -> None:
        """Empty metrics; ``buckets`` are the histogram's upper bounds in seconds."""
        self.buckets = tuple(sorted(buckets))
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str, int], int] = {}
        self._errors: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, list[float]] = {}
        self._predictions: dict[tuple[str, str], int] = {}
        self._rows: dict[tuple[str, str], int] = {}
        self._outliers: dict[tuple[str, str], int] = {}
        self._outlier_errors: dict[tuple[str, str], int] = {}

    def observe(self, endpoint: str, model: str, version: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        with self._lock:
            key = (endpoint, model, version, status)
            self._requests[key] = self._requests.get(key, 0) + 1
            if status >= 400:
                ekey = (endpoint, model, status)
                self._errors[ekey] = self._errors.get(ekey, 0) + 1
            hist = self._latency.get(endpoint)
            if hist is None:
                hist = self._latency[endpoint] = [0.0] * (len(self.buckets) + 3)
            hist[bisect_left(self.buckets, seconds)] += 1
            hist[-2] += seconds
            hist[-1] += 1

    def predicted(self, model: str, version: str, rows: int) -> None:
        """Count one answered prediction request of ``rows`` rows for a model version."""
        key = (model, version)
        with self._lock:
            self._predictions[key] = self._predictions.get(key, 0) + 1
            self._rows[key] = self._rows.get(key, 0) + rows

    def outliers(self, model: str, version: str, flagged: int, *, failed: bool = False) -> None:
        """Count a request's rows flagged as outliers, or its failed outlier scoring."""
        key = (model, version)
        with self._lock:
            self._outliers[key] = self._outliers.get(key, 0) + flagged
            if failed:
                self._outlier_errors[key] = self._outlier_errors.get(key, 0) + 1

    def render(
        self, table: ModelTable | None = None, logs: Mapping[str, LogStats] | None = None
    ) -> str:
        """Everything in the Prometheus text format.

        Args:
            table: the served models (their default versions).
            logs: the counters of the prediction and feedback logs, by log name: rows accepted,
                written, dropped (queue full), rejected and lost; rows queued; failed writes.

        """
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")

        with self._lock:
            requests = dict(self._requests)
            errors = dict(self._errors)
            latency = {k: list(v) for k, v in self._latency.items()}
            predictions = dict(self._predictions)
            rows = dict(self._rows)
            outliers = dict(self._outliers)
            outlier_errors = dict(self._outlier_errors)
        name = "driftline_http_requests_total"
        family(name, "counter", "HTTP requests answered, by endpoint, model, version and status.")
        for key, count in sorted(requests.items()):
            labels = _labels(("endpoint", "model", "version", "status"), key)
            lines.append(f"{name}{labels} {count}")
        name = "driftline_http_request_errors_total"
        family(name, "counter", "HTTP responses with a 4xx or 5xx status.")
        for ekey, count in sorted(errors.items()):
            lines.append(f"{name}{_labels(('endpoint', 'model', 'status'), ekey)} {count}")
        name = "driftline_http_request_duration_seconds"
        family(name, "histogram", "Time from a request's arrival to its response, in seconds.")
        for endpoint, hist in sorted(latency.items()):
            cumulative = 0.0
            for bound, observed in zip((*self.buckets, float("inf")), hist, strict=False):
                cumulative += observed
                le = "+Inf" if bound == float("inf") else repr(bound)
                labels = _labels(("endpoint", "le"), (endpoint, le))
                lines.append(f"{name}_bucket{labels} {int(cumulative)}")
            labels = _labels(("endpoint",), (endpoint,))
            lines.append(f"{name}_sum{labels} {hist[-2]!r}")
            lines.append(f"{name}_count{labels} {int(hist[-1])}")
        name = "driftline_predictions_total"
        family(name, "counter", "Answered prediction requests, by model and version.")
        for pkey, count in sorted(predictions.items()):
            lines.append(f"{name}{_labels(('model', 'version'), pkey)} {count}")
        name = "driftline_predicted_rows_total"
        family(name, "counter", "Rows predicted, by model and version.")
        for pkey, count in sorted(rows.items()):
            lines.append(f"{name}{_labels(('model', 'version'), pkey)} {count}")
        name = "driftline_outlier_rows_total"
        family(name, "counter", "Rows flagged as outliers, by model and version.")
        for pkey, count in sorted(outliers.items()):
            lines.append(f"{name}{_labels(('model', 'version'), pkey)} {count}")
        name = "driftline_outlier_scoring_errors_total"
        family(name, "counter", "Requests whose outlier scoring failed, by model and version.")
        for pkey, count in sorted(outlier_errors.items()):
            lines.append(f"{name}{_labels(('model', 'version'), pkey)} {count}")
        name = "driftline_model_default_version"
        family(name, "gauge", "1 for the version that answers requests naming no version.")
        if table is not None:
            for model in table.names():
                version = table.default_version(model)
                lines.append(f"{name}{_labels(('model', 'version'), (model, version))} 1")
        if logs:
            _log_lines(logs, lines, family)
        return "\n".join(lines) + "\n"


def _log_lines(
    logs: Mapping[str, LogStats], lines: list[str], family: Callable[[str, str, str], None]
) -> None:
    """The families of the logs' counters, appended to ``lines``."""
    name = "driftline_log_rows_total"
    family(
        name, "counter", "Rows of the prediction and feedback logs, by log and what became of them."
    )
    for log, stats in sorted(logs.items()):
        for state, count in (
            ("accepted", stats.rows),
            ("written", stats.written_rows),
            ("dropped", stats.dropped_rows),
            ("rejected", stats.rejected_rows),
            ("lost", stats.lost_rows),
        ):
            lines.append(f"{name}{_labels(('log', 'state'), (log, state))} {count}")
    name = "driftline_log_queued_rows"
    family(name, "gauge", "Accepted rows of a log not written to a segment yet.")
    for log, stats in sorted(logs.items()):
        lines.append(f"{name}{_labels(('log',), (log,))} {stats.queued_rows}")
    name = "driftline_log_write_failures_total"
    family(name, "counter", "Failed attempts to write a log segment (each retry counts).")
    for log, stats in sorted(logs.items()):
        lines.append(f"{name}{_labels(('log',), (log,))} {stats.write_failures}")


class MetricsMiddleware:
    """ASGI middleware that times every HTTP request and counts it in :class:`Metrics`.

    Endpoints name themselves, their model and version in ``scope[LABELS_KEY]``; requests that
    reach no endpoint count as ``endpoint="other"``.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        """Wrap ``app``."""
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then record its status and latency."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        labels = {"endpoint": "other", "model": "", "version": ""}
        scope[LABELS_KEY] = labels
        start = time.perf_counter()
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            self.metrics.observe(
                labels["endpoint"],
                labels["model"],
                labels["version"],
                status,
                time.perf_counter() - start,
            )
