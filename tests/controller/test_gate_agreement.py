"""The evaluate step and the backtest's replay give the same gate decision on the same rows.

One span of 3,000 rows: ingested into a workspace for the ``evaluate`` step, and prepared as a
backtest stream with spans of 3,000 rows (so both hold out the same eval rows). The slice column
``g`` is missing on a third of the rows; the challenger is wrong exactly there, so only the
``(missing)`` slice can refuse it.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from driftline.backtest.observe import ServingChampion
from driftline.backtest.retrain import judge_challenger, outputs
from driftline.backtest.stream import PreparedStream, prepare_stream
from driftline.components.evaluation import Evaluation, evaluate
from driftline.components.models_ref import VersionRef
from driftline.components.trainers import fit_trainer
from driftline.components.training import model_with_signature
from driftline.data.artifact_types import SpanWindow
from driftline.models.artifact import ModelType
from driftline.models.saving import flavor_for
from driftline.policy.model import BacktestSettings, Policy
from driftline.store.artifacts import using_store
from driftline.workspace import Workspace

ROWS = 3000


def _data() -> pa.Table:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(ROWS, 3))
    y = (x[:, 0] - x[:, 1] > 0).astype(np.int64)
    missing = x[:, 2] > 0.45  # about a third of the rows
    g = pa.array(rng.choice(["a", "b"], size=ROWS).tolist(), mask=missing)
    return pa.table({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "g": g, "y": y})


@pytest.fixture(scope="module")
def fitted() -> dict[str, Any]:
    """A champion that predicts the prior; a challenger right everywhere but where g is missing."""
    table = _data()
    features = table.select(["x0", "x1", "x2"])
    y = table.column("y").to_numpy()
    wrong_where_missing = np.where(
        table.column("g").is_null().to_numpy(zero_copy_only=False), 1 - y, y
    )
    challenger = fit_trainer(
        "sklearn:HistGradientBoostingClassifier", features, wrong_where_missing, {"max_iter": 80}
    )
    champion = fit_trainer("sklearn:DummyClassifier", features, y, {"strategy": "prior"})
    return {"table": table, "challenger": challenger, "champion": champion}


def _policy(margin: float, metric: str) -> Policy:
    return Policy.from_dict(
        {
            "model": {"name": "m", "dataset": "d", "label": "y"},
            "gate": {"metric": metric, "tolerance": margin, "slices": ["g"]},
            "backtest": {"span_rows": ROWS, "exclude": ["g"]},
        }
    )


def _step(ws: Workspace, fitted: dict[str, Any], margin: float, metric: str) -> Evaluation:
    table = fitted["table"]
    ws.ingest("d", table, label="y")
    sample = table.select(["x0", "x1", "x2"]).slice(0, 100)
    out = io.BytesIO()
    ModelType.save(model_with_signature(fitted["champion"], sample), out)
    stored = ws.artifacts.put_bytes(
        ws.artifacts.new_key("model", "champion.tar.gz"), out.getvalue()
    )
    champion = VersionRef("m", "champion", 1, stored.uri, stored.sha256)
    challenger = model_with_signature(fitted["challenger"], sample)
    window = SpanWindow("d", tuple(ws.spans("d")))
    with using_store(ws.artifacts):
        result: Evaluation = evaluate(
            challenger, window, champion, metric=metric, tolerance=margin, slices=["g"]
        )
    return result


def _replay(fitted: dict[str, Any], margin: float, metric: str) -> Any:
    policy = _policy(margin, metric)
    settings = BacktestSettings(span_rows=ROWS, exclude=("g",))
    two_spans = pa.concat_tables([fitted["table"], fitted["table"]])  # a stream needs a second
    stream: PreparedStream = prepare_stream(two_spans, "y", settings, delay=0, span_rows=ROWS)
    held = np.flatnonzero(stream.eval_mask[:ROWS])  # the eval rows of the first span
    flavor = flavor_for(fitted["challenger"])
    wanted = metric == "roc_auc"  # the replay asks for probabilities when the gate needs them
    mine = outputs(fitted["challenger"], flavor, stream.inputs.take(held), wanted)
    champion = ServingChampion(fitted["champion"], flavor_for(fitted["champion"]), 1, (0,), 0)
    return held, judge_challenger(stream, policy, held, mine, champion)


def _probability_metrics(found: dict[str, float] | None) -> dict[str, float]:
    return {k: v for k, v in (found or {}).items() if k in ("roc_auc", "log_loss")}


@pytest.mark.parametrize(
    ("margin", "metric"), [(0.0, "accuracy"), (0.3, "accuracy"), (0.0, "roc_auc")]
)
def test_the_step_and_the_replay_agree_on_every_slice(
    ws: Workspace, fitted: dict[str, Any], margin: float, metric: str
) -> None:
    step = _step(ws, fitted, margin, metric)
    held, replayed = _replay(fitted, margin, metric)
    assert step.rows == len(held)  # the same eval rows...
    assert step.blessed == replayed.blessed  # ...the same verdict...
    assert step.reason == replayed.reason  # ...for the same reason
    assert step.slices == replayed.slices  # every slice, scored alike
    # the step scores probability metrics too; the replay only when the gate needs them
    assert step.challenger == {**replayed.challenger, **_probability_metrics(step.challenger)}
    assert step.champion == {**replayed.champion, **_probability_metrics(step.champion)}
    values = [s["value"] for s in step.slices]
    assert values == ["a", "b", "(missing)"]
    missing = step.slices[-1]
    assert missing["rows"] >= 50  # large enough to gate
    assert missing["challenger"] < missing["champion"]
    if margin == 0.0:  # better overall, worse where g is missing: only that slice refuses it
        assert step.challenger[metric] > step.champion[metric]
        assert not step.blessed
        assert step.reason == "worse than champion v1 on slices g=(missing)"
