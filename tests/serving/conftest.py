"""Shared fixtures: seeded models saved and loaded as served, apps, and a real uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.models import LoadedModel, load_model, save_model
from driftline.serving import ServedModel, create_app

TOKEN = "s3cret-token"


def _numeric_data() -> tuple[pa.Table, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype(np.int64)
    return pa.table({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}), x, y


def _mixed_data() -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 300
    city = rng.choice(["paris", "lyon", "nice"], size=n)
    age = rng.normal(40.0, 10.0, size=n)
    visits = rng.integers(0, 20, size=n)
    y = ((city == "paris") ^ (age > 40.0)).astype(np.int64)
    table = pa.table({"city": city.tolist(), "age": age, "visits": visits})
    return table, y


@pytest.fixture(scope="session")
def numeric_table() -> pa.Table:
    return _numeric_data()[0]


@pytest.fixture(scope="session")
def mixed_table() -> pa.Table:
    return _mixed_data()[0]


@pytest.fixture(scope="session")
def numeric_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """A scikit-learn pipeline (scaler + logistic regression) on three double columns."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table, x, y = _numeric_data()
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    folder = tmp_path_factory.mktemp("models") / "numeric"
    save_model(model, folder, sample=table)
    return load_model(folder)


@pytest.fixture(scope="session")
def numeric_model_v2(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """Another version of the numeric model (a shallow tree), so versions answer differently."""
    from sklearn.tree import DecisionTreeClassifier

    table, x, y = _numeric_data()
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, y)
    folder = tmp_path_factory.mktemp("models") / "numeric-v2"
    save_model(model, folder, sample=table)
    return load_model(folder)


@pytest.fixture(scope="session")
def mixed_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """A pipeline on a string, a double and an int64 column (ColumnTransformer + encoder)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder, StandardScaler

    table, y = _mixed_data()
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
    model = make_pipeline(encode, LogisticRegression()).fit(table.to_pandas(), y)
    folder = tmp_path_factory.mktemp("models") / "mixed"
    save_model(model, folder, sample=table)
    return load_model(folder)


@pytest.fixture
def served(
    numeric_model: LoadedModel, numeric_model_v2: LoadedModel, mixed_model: LoadedModel
) -> list[ServedModel]:
    return [
        ServedModel("churn", 1, numeric_model),
        ServedModel("churn", 2, numeric_model_v2),
        ServedModel("shops", "2024-06", mixed_model, metadata={"run": "r-17"}),
    ]


@pytest.fixture
def app(served: list[ServedModel]) -> Any:
    return create_app(served, token=TOKEN, max_body_bytes=1 << 20, freeze_gc=False)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


class LiveServer:
    """uvicorn serving an app on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, ws="none", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def live(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
