"""The model server keeps the contract of its own OpenAPI document, checked by schemathesis.

A uvicorn server on 127.0.0.1 serves a workspace's two models (one on two numbers, with a second
registered version to roll out; one on a string, a number and an integer), with the prediction
log, feedback and rollouts. schemathesis reads the server's ``/openapi.json`` and, for every
operation, sends the document's examples, requests generated from it (positive) and requests
that break it (negative), seeded so that every run sends the same ones, and runs every check it
has on each answer: no 5xx; status, content type, headers and body as documented; a request the
document allows is accepted, one it forbids is refused; 405s carry ``Allow``; auth is not ignored.
Every operation must be answered with a 2xx at least once.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tests.reliability.trials import Trial
from tests.serving.conftest import TOKEN, LiveServer

pytestmark = pytest.mark.slow

POSITIVE = 25
"""Generated requests per operation that the document allows."""
NEGATIVE = 15
"""Generated requests per operation that break the document."""


def _register(ws: Any, root: Path, name: str, model: Any, sample: pa.Table) -> None:
    from driftline.models.artifact import ModelType
    from driftline.models.saving import save_model
    from driftline.registry import ModelRegistry

    folder = root / f"{name}-{len(list(root.iterdir()))}"
    save_model(model, folder, sample=sample)
    with ws.artifacts.writer(ws.artifacts.new_key("model", "m.tar.gz")) as out:
        props = ModelType.save(folder, out)
    artifact = ws.metadata.put_artifact(ws.new_artifact("model", out.result, properties=props))
    ModelRegistry(ws.metadata, ws.artifacts).register(name, artifact.id, by="test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any]]:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from driftline.registry import ModelRegistry
    from driftline.serving import Access, FeedbackLimits
    from driftline.serving.workspace_app import build_app
    from driftline.workspace import Workspace

    root = tmp_path_factory.mktemp("contract")
    models = root / "models"
    models.mkdir()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    sample = pa.table({"a": x[:20, 0], "b": x[:20, 1]})
    city = rng.choice(["paris", "lyon", "nice"], size=200)
    shops = pa.table(
        {"city": city, "age": rng.normal(40, 10, 200), "visits": rng.integers(0, 9, 200)}
    )
    encode = ColumnTransformer(
        [
            (
                "city",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                ["city"],
            ),
            ("numbers", StandardScaler(), ["age", "visits"]),
        ]
    )
    mixed = make_pipeline(encode, LogisticRegression()).fit(shops.to_pandas(), y)
    with Workspace.init(root / "ws") as ws:
        _register(ws, models, "m", LogisticRegression().fit(x, y), sample)
        _register(
            ws, models, "m", DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, y), sample
        )
        _register(ws, models, "shops", mixed, shops.slice(0, 20))
        registry = ModelRegistry(ws.metadata, ws.artifacts)
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


def _send(
    operation: Any,
    strategy: Any,
    count: int,
    answers: Counter[str],
    failures: list[str],
    trial: Trial,
) -> None:
    """Send up to ``count`` cases of ``strategy`` (seeded); run every check on each answer.

    A failed check is kept in ``failures`` (the operation, the status and the check's message)
    and the next case is sent, so that one run shows every failure.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    checks = CHECKS.get_all()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=count,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        response = case.call(headers=headers, timeout=30)
        answers[f"{label} {response.status_code}"] += 1
        try:
            with trial.attempt():
                case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # a failed check, or several
            failures.append(f"{label} -> {response.status_code}: {exc}\n{case.as_curl_command()}")

    with contextlib.suppress(Unsatisfiable):  # nothing to generate (no invalid bare GET)
        check()


def test_every_operation_keeps_the_documented_contract(
    server: tuple[LiveServer, Any], trial: Trial
) -> None:
    import schemathesis
    from schemathesis.generation import GenerationMode
    from schemathesis.generation.hypothesis.builder import TestPhase

    trial.tries(
        "schemathesis against the served /openapi.json: its examples, generated valid and "
        "invalid requests to every operation, every check"
    )
    live, _ = server
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    answers: Counter[str] = Counter()
    failures: list[str] = []
    for operation in operations:
        sent = (answers, failures, trial)
        _send(operation, operation.as_strategy(phase=TestPhase.EXAMPLES), 5, *sent)
        _send(operation, operation.as_strategy(), POSITIVE, *sent)
        _send(operation, operation.as_strategy(GenerationMode.NEGATIVE), NEGATIVE, *sent)
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    succeeded = {key.rsplit(" ", 1)[0] for key in answers if key.rsplit(" ", 1)[1][0] == "2"}
    assert succeeded == labels, sorted(labels - succeeded)
    assert {"POST /v2/models/m/feedback", "POST /admin/rollouts", "POST /invocations"} <= labels
    trial.lost(0)
    statuses = Counter(key.rsplit(" ", 1)[1][0] + "xx" for key in answers.elements())
    trial.found(
        f"{len(operations)} operations, {trial.tried} requests ({statuses['2xx']} answered 2xx, "
        f"{statuses['4xx']} refused 4xx, {statuses['5xx']} 5xx), every one as the document "
        "says; each operation answered 2xx at least once"
    )
