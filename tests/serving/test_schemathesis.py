"""Generated requests for every operation of ``/openapi.json``, against a real server.

schemathesis reads the server's own OpenAPI document and sends requests generated from it
(seeded, so every run sends the same ones) to a uvicorn server on 127.0.0.1 that serves a
workspace's model with its prediction log, feedback and rollouts. No answer may be a 5xx, every
answer must match the document (status, content type, schema), and every documented operation
must be reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models.artifact import ModelType
from driftline.models.saving import save_model
from driftline.registry import ModelRegistry
from driftline.serving import Access, FeedbackLimits
from driftline.serving.workspace_app import build_app
from tests.conftest import WorkspaceMaker
from tests.serving.conftest import TOKEN, LiveServer

EXAMPLES = 40


def _checks() -> list[Any]:
    """What every answer must satisfy: no 5xx, and status, type, headers and body as documented.

    (Not schemathesis' "a schema-valid request is accepted": a model's inputs are its own
    signature, which the document, shared by every model, cannot spell out.)
    """
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, module_new_workspace: WorkspaceMaker
) -> Iterator[tuple[LiveServer, Any]]:
    from sklearn.linear_model import LogisticRegression

    root = tmp_path_factory.mktemp("schemathesis")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    model = LogisticRegression().fit(x, (x[:, 0] > x[:, 1]).astype(np.int64))
    save_model(model, root / "model", sample=pa.table({"a": x[:20, 0], "b": x[:20, 1]}))
    with module_new_workspace(root / "ws") as ws:
        key = ws.artifacts.new_key("model", "m.tar.gz")
        with ws.artifacts.writer(key) as out:
            props = ModelType.save(root / "model", out)
        artifact = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
        registry = ModelRegistry(ws.metadata, ws.artifacts)
        registry.register("m", artifact.id, by="test")
        registry.promote("m", 1, by="test", reason="first")
        app = build_app(
            ws.metadata,
            ws.artifacts,
            access=Access(admin_token=TOKEN),
            feedback_limits=FeedbackLimits(labels_per_minute=1_000_000),
            freeze_gc=False,
            poll_seconds=0.05,
        )
        with LiveServer(app) as live:
            yield live, app


def _fuzz(operation: Any, headers: dict[str, str], statuses: Counter[str]) -> None:
    """Send ``EXAMPLES`` generated requests for ``operation``; count the answers by status.

    Half the requests to a model's path name the served model (``m``, version 1), so that
    generated bodies reach the endpoint's own checks, not only the 404 of an unknown name.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    checks = _checks()
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real=st.booleans())
    def check(case: Any, real: bool) -> None:
        if real and case.path_parameters:  # half the time, the model that is served
            case.path_parameters = {**case.path_parameters, "name": "m"}
            if "version" in case.path_parameters:
                case.path_parameters["version"] = "1"
        response = case.call(headers=headers, timeout=30)
        statuses[f"{name} {response.status_code}"] += 1
        assert response.status_code < 500, (name, response.status_code, response.text)
        case.validate_response(response, checks=checks)

    check()


def test_every_operation_answers_as_documented_without_a_server_error(
    server: tuple[LiveServer, Any],
) -> None:
    import schemathesis

    live, app = server
    served = {
        f"{method} {route.path}" for route in app.routes for method in route.methods - {"HEAD"}
    }
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[str] = Counter()
    for operation in operations:
        _fuzz(operation, {"Authorization": f"Bearer {TOKEN}"}, statuses)
    documented = {f"{op.method.upper()} {op.path}" for op in operations}
    reached = {key.rsplit(" ", 1)[0] for key in statuses}
    assert documented == served - {"GET /openapi.json"}  # the document it reads is not sent
    assert {"POST /v2/models/{name}/feedback", "GET /admin/rollouts"} <= documented
    assert reached == documented, sorted(documented - reached)
