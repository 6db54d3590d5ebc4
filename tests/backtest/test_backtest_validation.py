"""The backtest validates as the training pipeline does: a corrupt span's retrain is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from driftline.backtest.report import text_table
from driftline.backtest.run import run_backtest
from driftline.data.schema import Schema
from tests.backtest.test_backtest import concept_flip, policy

EVERY_SPAN = [{"kind": "new_data", "min_rows": 1}]


def _blank(table: pa.Table, column: str, start: int, stop: int) -> pa.Table:
    """``column`` with every value of rows ``[start, stop)`` missing (a corrupt span)."""
    values = table.column(column).to_numpy()
    mask = np.zeros(len(values), dtype=bool)
    mask[start:stop] = True
    index = table.column_names.index(column)
    return table.set_column(index, column, pa.array(values, mask=mask))


def test_a_span_with_an_empty_column_is_refused_and_never_trained_on(tmp_path: Path) -> None:
    data = _blank(concept_flip(4000, 4000), "b", 1500, 2000)  # span 4 of 500 rows
    result = run_backtest(data, policy(EVERY_SPAN, span_rows=500, spans=3), baselines=("every",))
    (refused,) = result.refused
    assert refused.span == 4
    assert refused.trained_spans == (2, 4)
    assert not refused.blessed
    assert refused.challenger is None
    assert "span d:4 failed validation" in refused.reason
    assert "b: has no value: all 500 rows are missing" in refused.reason
    # the loop goes on: the next span's retrain leaves span 4 out of its window
    after = [d for d in result.decisions if d.span > 4]
    assert [d.span for d in after] == [5, 6, 7]
    assert not any(d.refused for d in after)
    assert after[0].trained_spans == (2, 5)
    policy_method = result.method("policy")
    assert (policy_method.retrains, policy_method.refused) == (6, 1)
    assert result.method("every").refused == 1  # the baseline runs the same pipeline

    table = text_table(result)
    assert "refused retrains of the policy (1):" in table
    assert "after span 4: validate: span d:4 failed validation" in table
    page = result.to_html(tmp_path / "report.html").read_text()
    assert '<table class="refused">' in page
    assert "b: has no value: all 500 rows are missing" in page
    assert ">refused<" in page
    assert result.to_dict()["decisions"][3]["refused"] is True


def test_the_window_after_a_refused_span_holds_only_good_spans() -> None:
    data = _blank(concept_flip(4000, 4000), "b", 1500, 2000)
    result = run_backtest(data, policy(EVERY_SPAN, span_rows=500, spans=3), baselines=())
    by_span = {d.span: d for d in result.decisions}
    # spans 3, 5 and 6 (span 4 left out): three spans' train rows, as many as spans 1-3 gave
    full = by_span[3].train_rows
    assert by_span[6].trained_spans == (3, 6)
    assert abs(by_span[6].train_rows - full) < 60  # each span holds about 400 train rows


def test_drift_is_not_corruption_values_out_of_the_observed_range_train() -> None:
    data = concept_flip(4000, 4000)
    shifted = data.column("b").to_numpy() + np.where(np.arange(4000) >= 2000, 50.0, 0.0)
    data = data.set_column(1, "b", pa.array(shifted))  # far outside the first span's range
    result = run_backtest(data, policy(EVERY_SPAN, span_rows=500), baselines=())
    assert result.refused == ()
    assert all(d.challenger is not None for d in result.decisions)


def test_a_declared_bound_is_a_contract(tmp_path: Path) -> None:
    data = concept_flip(4000, 4000)
    shifted = data.column("b").to_numpy() + np.where(np.arange(4000) >= 2500, 50.0, 0.0)
    data = data.set_column(1, "b", pa.array(shifted))
    schema = Schema.from_toml(
        'dataset = "d"\nlabel = "y"\n'
        '[columns.a]\ntype = "double"\nkind = "numeric"\nnullable = false\n'
        '[columns.b]\ntype = "double"\nkind = "numeric"\nnullable = false\n'
        'bounds = "declared"\nmax = 10.0\n'
        '[columns.y]\ntype = "int64"\nkind = "numeric"\nnullable = false\n'
    )
    result = run_backtest(data, policy(EVERY_SPAN, span_rows=500), baselines=(), schema=schema)
    assert [d.span for d in result.refused] == [6, 7]
    assert "b: 100.0% of values are outside" in result.refused[0].reason
    assert all(not d.refused for d in result.decisions if d.span < 6)


def test_refusals_are_deterministic() -> None:
    data = _blank(concept_flip(3000, 3000), "a", 1000, 1500)
    first = run_backtest(data, policy(EVERY_SPAN, span_rows=500), baselines=())
    again = run_backtest(data, policy(EVERY_SPAN, span_rows=500), baselines=())
    assert first.to_json(timings=False) == again.to_json(timings=False)
    assert [d.span for d in first.refused] == [3]


@pytest.mark.parametrize("delay", [0, 700])
def test_every_span_is_validated_once_it_is_labelled(delay: int) -> None:
    data = _blank(concept_flip(4000, 4000), "b", 2000, 2500)  # span 5
    result = run_backtest(data, policy(EVERY_SPAN, span_rows=500), delay=delay, baselines=())
    (refused,) = result.refused
    assert refused.trained_spans[1] == 5
