"""Ingest real data (elec2, read in place) and check rows, split and the stored profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftline.data import profile_table
from tests.conftest import WorkspaceMaker


@pytest.mark.slow
def test_elec2_round_trip(tmp_path: Path, shared_data: Path, new_workspace: WorkspaceMaker) -> None:
    with new_workspace(tmp_path / "ws") as ws:
        span = ws.ingest("elec2", shared_data / "elec2.csv.gz", label="label")
        assert span.rows == 45_312
        assert span.train_rows + span.eval_rows == 45_312
        assert abs(span.eval_rows / span.rows - 0.2) < 0.01
        assert span.columns[-1] == "label"
        assert span.label == "label"
        every = ws.read_span(span, "all")
        assert every.num_rows == 45_312
        assert ws.read_span(span, "train").num_rows == span.train_rows
        stored = ws.span_profile(span)
        assert stored.to_bytes() == profile_table(every).to_bytes()
        assert stored["label"].frequent is not None
        assert stored["label"].frequent.estimate([0, 1]).tolist() == [26_075, 19_237]
