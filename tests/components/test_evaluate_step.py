"""The evaluate step called directly: blessing, margins, slices, champions and eval rows."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sklearn import metrics as sk

from driftline.components.evaluation import Evaluation, EvaluationType, evaluate
from driftline.components.models_ref import VersionRef
from driftline.components.trainers import fit_trainer, split_features
from driftline.components.training import model_with_signature
from driftline.core.errors import InputError
from driftline.data.artifact_types import SpanWindow
from driftline.models.artifact import ModelType
from driftline.models.loaded import LoadedModel
from driftline.store.artifacts import using_store
from driftline.workspace import Workspace
from tests.components.conftest import make_table

pytestmark = pytest.mark.usefixtures("synth_span")  # ws holds span 1 of synth

NO_CHAMPION = VersionRef("synth", "champion")


def _fit(spec: str, features: pa.Table, target: Any, params: Any = None) -> LoadedModel:
    fitted = fit_trainer(spec, features, target, params, seed=0)
    return model_with_signature(fitted, features.slice(0, 100))


@pytest.fixture(scope="module")
def models() -> dict[str, LoadedModel]:
    """Models trained on a fresh draw of the synthetic data (not the workspace's span)."""
    features, target = split_features(make_table(5, rows=1500), "label")
    north = pc.equal(features["region"], "north").to_numpy(zero_copy_only=False)
    flipped = np.where(north, 1 - target, target)  # right elsewhere, wrong on north
    with_bonus = features.append_column("bonus", features["x0"])
    return {
        "good": _fit("sklearn:LogisticRegression", features, target),
        "prior": _fit("sklearn:DummyClassifier", features, target, {"strategy": "prior"}),
        "wrong_on_north": _fit(
            "sklearn:HistGradientBoostingClassifier", features, flipped, {"max_iter": 50}
        ),
        "needs_bonus": _fit("sklearn:LogisticRegression", with_bonus, target),
        "no_x5": _fit("sklearn:LogisticRegression", features.drop_columns(["x5"]), target),
        "no_probabilities": _fit("sklearn:RidgeClassifier", features, target),
    }


def _champion(ws: Workspace, model: LoadedModel, version: int = 1) -> VersionRef:
    out = io.BytesIO()
    ModelType.save(model, out)
    stored = ws.artifacts.put_bytes(
        ws.artifacts.new_key("model", "champion.tar.gz"), out.getvalue()
    )
    return VersionRef("synth", "champion", version, stored.uri, stored.sha256)


def _window(ws: Workspace) -> SpanWindow:
    return SpanWindow("synth", tuple(ws.spans("synth")))


def _evaluate(ws: Workspace, model: LoadedModel, champion: VersionRef, **kw: Any) -> Evaluation:
    with using_store(ws.artifacts):
        return evaluate(model, _window(ws), champion, **kw)  # type: ignore[no-any-return]


def _eval_rows(ws: Workspace, span_number: int | None = None) -> tuple[pa.Table, Any]:
    return split_features(ws.read_span(ws.span("synth", span_number), "eval"), "label")


def _accuracy(model: LoadedModel, features: pa.Table, truth: Any) -> float:
    return float(np.mean(model.predict(features) == truth))


def test_first_model_without_a_floor_is_blessed(ws: Workspace, models: Any) -> None:
    result = _evaluate(ws, models["good"], NO_CHAMPION)
    features, truth = _eval_rows(ws)
    assert result.blessed is True
    assert result.champion is None
    assert result.champion_version is None
    assert result.rows == ws.span("synth").eval_rows == len(truth)
    assert result.spans == [1]
    assert result.challenger["accuracy"] == pytest.approx(
        _accuracy(models["good"], features, truth)
    )
    assert set(result.challenger) == {"accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss"}
    assert result.reason.startswith("first model: accuracy")
    assert "no floor set" in result.reason


def test_first_model_with_a_floor(ws: Workspace, models: Any) -> None:
    accuracy = _evaluate(ws, models["good"], NO_CHAMPION).challenger["accuracy"]
    below = _evaluate(ws, models["good"], NO_CHAMPION, first_model_min=accuracy + 0.01)
    assert below.blessed is False
    assert f"floor {accuracy + 0.01:g}" in below.reason
    reached = _evaluate(ws, models["good"], NO_CHAMPION, first_model_min=accuracy)
    assert reached.blessed is True
    # a floor on a metric where lower is better is a ceiling
    loss = _evaluate(ws, models["good"], NO_CHAMPION, metric="log_loss").challenger["log_loss"]
    over = _evaluate(
        ws, models["good"], NO_CHAMPION, metric="log_loss", first_model_min=loss - 0.01
    )
    assert over.blessed is False
    under = _evaluate(
        ws, models["good"], NO_CHAMPION, metric="log_loss", first_model_min=loss + 0.01
    )
    assert under.blessed is True


def test_a_better_challenger_is_blessed(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["prior"], version=3)
    result = _evaluate(ws, models["good"], champion)
    features, truth = _eval_rows(ws)
    assert result.blessed is True
    assert result.champion_version == 3
    assert result.champion is not None
    assert result.champion["accuracy"] == pytest.approx(_accuracy(models["prior"], features, truth))
    assert result.challenger["accuracy"] > result.champion["accuracy"] + 0.2
    assert "vs champion v3's" in result.reason


def test_a_worse_challenger_is_not_blessed_unless_the_margin_allows(
    ws: Workspace, models: Any
) -> None:
    champion = _champion(ws, models["good"])
    worse = _evaluate(ws, models["prior"], champion)
    assert worse.blessed is False
    assert worse.champion is not None
    gap = worse.champion["accuracy"] - worse.challenger["accuracy"]
    assert gap > 0.2
    assert "is worse than champion v1's" in worse.reason
    assert "by more than the tolerance 0" in worse.reason
    assert _evaluate(ws, models["prior"], champion, tolerance=gap - 1e-6).blessed is False
    allowed = _evaluate(ws, models["prior"], champion, tolerance=gap + 1e-6)
    assert allowed.blessed is True
    assert allowed.tolerance == pytest.approx(gap + 1e-6)


def test_the_former_keyword_margin_still_works_with_a_warning(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["good"])
    with pytest.warns(DeprecationWarning, match="`margin` is now `tolerance`"):
        old = _evaluate(ws, models["prior"], champion, margin=1.0)
    assert (old.tolerance, old.blessed) == (1.0, True)
    with pytest.warns(DeprecationWarning, match="Evaluation.margin is now"):
        assert old.margin == 1.0
    stored = {**old.to_dict(), "margin": 0.25}  # an evaluation written before the rename
    del stored["tolerance"]
    assert Evaluation.from_dict(stored).tolerance == 0.25


def test_a_tie_is_blessed_with_no_margin(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["good"])
    result = _evaluate(ws, models["good"], champion, slices=["region"])
    assert result.champion == result.challenger
    assert result.blessed is True
    assert all(s["challenger"] == s["champion"] for s in result.slices)


def test_log_loss_is_better_when_lower(ws: Workspace, models: Any) -> None:
    good_champion = _champion(ws, models["good"])
    worse = _evaluate(ws, models["prior"], good_champion, metric="log_loss")
    assert worse.champion is not None
    # the prior model is more accurate than nothing, but its log loss is higher: not blessed
    assert worse.challenger["log_loss"] > worse.champion["log_loss"]
    assert worse.blessed is False
    gap = worse.challenger["log_loss"] - worse.champion["log_loss"]
    assert _evaluate(ws, models["prior"], good_champion, metric="log_loss", tolerance=gap + 1e-6)
    better = _evaluate(ws, models["good"], _champion(ws, models["prior"]), metric="log_loss")
    assert better.blessed is True
    assert better.metric == "log_loss"


def test_slices_on_a_text_column(ws: Workspace, models: Any) -> None:
    result = _evaluate(ws, models["good"], NO_CHAMPION, slices=["region"])
    features, truth = _eval_rows(ws)
    region = features["region"].to_numpy(zero_copy_only=False)
    assert [s["value"] for s in result.slices] == ["east", "north", "south"]
    for s in result.slices:
        mask = region == s["value"]
        assert s["column"] == "region"
        assert s["rows"] == int(mask.sum())
        expected = _accuracy(models["good"], features.filter(pa.array(mask)), truth[mask])
        assert s["challenger"] == pytest.approx(expected)
        assert "champion" not in s
    assert sum(s["rows"] for s in result.slices) == result.rows


def test_slices_on_a_numeric_column_are_quartiles(ws: Workspace, models: Any) -> None:
    result = _evaluate(ws, models["good"], NO_CHAMPION, slices=["x0"])
    features, truth = _eval_rows(ws)
    x0 = features["x0"].to_numpy()
    edges = np.quantile(x0, [0.25, 0.5, 0.75])
    bounds = [-np.inf, *edges, np.inf]
    assert len(result.slices) == 4
    assert result.slices[0]["value"].startswith("[-inf, ")
    assert result.slices[-1]["value"].endswith(", inf)")
    for i, s in enumerate(result.slices):
        mask = (x0 >= bounds[i]) & (x0 < bounds[i + 1])
        assert s["rows"] == int(mask.sum())
        assert abs(s["rows"] - len(x0) / 4) <= 1
        expected = _accuracy(models["good"], features.filter(pa.array(mask)), truth[mask])
        assert s["challenger"] == pytest.approx(expected)
    assert sum(s["rows"] for s in result.slices) == result.rows


def test_a_slice_where_the_challenger_is_worse_blocks_blessing(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["good"])
    plain = _evaluate(ws, models["wrong_on_north"], champion, slices=["region"])
    assert plain.champion is not None
    overall_gap = plain.champion["accuracy"] - plain.challenger["accuracy"]
    gaps = {s["value"]: s["champion"] - s["challenger"] for s in plain.slices}
    assert gaps["north"] > overall_gap + 0.2  # the challenger is much worse on north only
    margin = (overall_gap + gaps["north"]) / 2
    assert max(gaps["east"], gaps["south"]) < margin
    blocked = _evaluate(ws, models["wrong_on_north"], champion, slices=["region"], tolerance=margin)
    assert blocked.blessed is False
    assert blocked.reason == "worse than champion v1 on slices region=north"
    # a slice smaller than min_slice_rows is reported but does not gate
    north_rows = next(s["rows"] for s in plain.slices if s["value"] == "north")
    small = _evaluate(
        ws,
        models["wrong_on_north"],
        champion,
        slices=["region"],
        tolerance=margin,
        min_slice_rows=north_rows + 1,
    )
    assert small.blessed is True
    assert len(small.slices) == 3
    # without slices the same margin blesses it
    assert _evaluate(ws, models["wrong_on_north"], champion, tolerance=margin).blessed is True


def test_slices_are_scored_and_gated_on_probability_metrics(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["good"])
    plain = _evaluate(ws, models["wrong_on_north"], champion, slices=["region"], metric="log_loss")
    features, truth = _eval_rows(ws)
    region = features["region"].to_numpy(zero_copy_only=False)
    for s in plain.slices:
        mask = region == s["value"]
        rows = features.filter(pa.array(mask))
        for who, name in (("challenger", "wrong_on_north"), ("champion", "good")):
            proba = models[name].predict_proba(rows)
            assert s[who] == pytest.approx(sk.log_loss(truth[mask], proba, labels=[0, 1])), who
    assert plain.champion is not None
    overall_gap = plain.challenger["log_loss"] - plain.champion["log_loss"]
    gaps = {s["value"]: s["challenger"] - s["champion"] for s in plain.slices}
    assert gaps["north"] > overall_gap > 0  # lower is better: the challenger is worse on north
    margin = (overall_gap + gaps["north"]) / 2
    assert max(gaps["east"], gaps["south"]) < margin
    blocked = _evaluate(
        ws,
        models["wrong_on_north"],
        champion,
        slices=["region"],
        metric="log_loss",
        tolerance=margin,
    )
    assert blocked.blessed is False
    assert blocked.reason == "worse than champion v1 on slices region=north"


def test_rows_missing_the_slice_column_are_a_slice_of_their_own(ws: Workspace, models: Any) -> None:
    rng = np.random.default_rng(8)
    table = make_table(8, rows=1200)
    absent = rng.uniform(size=table.num_rows) < 0.15
    x5 = pa.array(table["x5"].to_numpy(), mask=absent)
    region = pa.array(table["region"].to_numpy(zero_copy_only=False), mask=absent[::-1].copy())
    table = table.set_column(5, "x5", x5).set_column(6, "region", region)
    ws.ingest("synth", table, label="label")
    result = _evaluate(ws, models["no_x5"], NO_CHAMPION, slices=["x5", "region"])
    eval_rows = ws.read_span(ws.span("synth", 2), "eval")
    assert result.rows == eval_rows.num_rows
    by_column: dict[str, dict[str, int]] = {}
    for s in result.slices:
        by_column.setdefault(s["column"], {})[s["value"]] = s["rows"]
    for column, found in by_column.items():
        assert sum(found.values()) == result.rows, column  # every row is in one slice
    x5_slices, region_slices = by_column["x5"], by_column["region"]
    assert x5_slices.pop("(missing)") == eval_rows["x5"].null_count > 0
    assert len(x5_slices) == 4
    assert "nan" not in " ".join(x5_slices)  # quartiles of the values that are there
    assert max(x5_slices.values()) - min(x5_slices.values()) <= 1
    assert region_slices.pop("(missing)") == eval_rows["region"].null_count > 0
    assert set(region_slices) == {"east", "north", "south"}


def test_a_champion_without_probabilities_cannot_gate_on_roc_auc(
    ws: Workspace, models: Any
) -> None:
    champion = _champion(ws, models["no_probabilities"], version=4)
    result = _evaluate(ws, models["good"], champion, metric="roc_auc", slices=["region"])
    assert result.champion is None
    assert result.reason.startswith("first model: roc_auc")
    assert "champion v4 cannot compute roc_auc on these rows" in result.reason
    assert result.blessed is True
    # on accuracy it can be compared
    assert _evaluate(ws, models["good"], champion).champion_version == 4


def test_a_champion_that_cannot_score_the_rows_is_reported(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["needs_bonus"], version=2)
    result = _evaluate(ws, models["good"], champion)
    assert result.champion is None
    assert result.champion_version is None
    assert result.blessed is True  # judged as a first model
    assert result.reason.startswith("first model: accuracy")
    assert "champion v2 cannot score these rows" in result.reason
    assert "'bonus'" in result.reason
    floor = _evaluate(ws, models["good"], champion, first_model_min=0.999)
    assert floor.blessed is False


def test_eval_on_latest_or_the_whole_window(ws: Workspace, models: Any) -> None:
    ws.ingest("synth", make_table(1, rows=1000), label="label")
    first, second = ws.spans("synth")
    latest = _evaluate(ws, models["good"], NO_CHAMPION)
    assert latest.rows == second.eval_rows
    assert latest.spans == [2]
    features, truth = _eval_rows(ws, 2)
    assert latest.challenger["accuracy"] == pytest.approx(
        _accuracy(models["good"], features, truth)
    )
    window = _evaluate(ws, models["good"], NO_CHAMPION, eval_on="window")
    assert window.rows == first.eval_rows + second.eval_rows
    assert window.spans == [1, 2]


def test_bad_arguments(ws: Workspace, models: Any) -> None:
    with pytest.raises(InputError, match="unknown metric 'accuracyy'"):
        _evaluate(ws, models["good"], NO_CHAMPION, metric="accuracyy")
    with pytest.raises(InputError, match="metric 'rmse' cannot be computed here"):
        _evaluate(ws, models["good"], NO_CHAMPION, metric="rmse")
    with pytest.raises(InputError, match="slice column 'city' does not exist"):
        _evaluate(ws, models["good"], NO_CHAMPION, slices=["city"])


def test_evaluation_round_trips_through_its_artifact_type(ws: Workspace, models: Any) -> None:
    champion = _champion(ws, models["prior"])
    result = _evaluate(ws, models["good"], champion, slices=["region", "x0"], tolerance=0.01)
    # the prior model predicts the majority class, which is right on the top quartile of x0
    assert result.reason.startswith("worse than champion v1 on slices x0=[")
    out = io.BytesIO()
    properties = EvaluationType.save(result, out)
    assert properties == {
        "blessed": result.blessed,
        "metric": "accuracy",
        "challenger": result.challenger["accuracy"],
        "champion": result.champion["accuracy"] if result.champion else None,
        "champion_version": 1,
    }
    loaded = EvaluationType.load(io.BytesIO(out.getvalue()), properties)
    assert loaded == result
    again = io.BytesIO()
    EvaluationType.save(loaded, again)
    assert again.getvalue() == out.getvalue()
