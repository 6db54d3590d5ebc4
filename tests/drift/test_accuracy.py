"""The default rule finds known injected shifts at 100,000 rows, and flags nothing else."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from driftline.data import profile_table
from driftline.drift import Method, compare
from tests.drift.conftest import Profiles


def test_default_rule_precision_and_recall_at_100k(shifted_100k: Profiles) -> None:
    report = compare(shifted_100k.reference, shifted_100k.current)
    found = set(report.drifted_columns)
    truth = shifted_100k.data.shifted
    precision = len(found & truth) / max(len(found), 1)
    recall = len(found & truth) / len(truth)
    assert precision >= 0.95, sorted(found - truth)
    assert recall >= 0.95, sorted(truth - found)
    assert {report[c].method for c in report.compared_columns} == {
        Method.WASSERSTEIN,
        Method.JENSENSHANNON,
    }
    assert report.share_drifted == len(found) / 30
    assert report.dataset_drift is (report.share_drifted >= 0.5)


def test_reference_against_itself_drifts_nowhere(shifted_100k: Profiles) -> None:
    report = compare(shifted_100k.reference, shifted_100k.reference)
    assert report.drifted_columns == ()
    assert all(report[c].statistic == 0.0 for c in report.compared_columns)


def test_two_samples_of_one_distribution_do_not_drift() -> None:
    data = profile_table  # a second, independent draw of the unshifted reference
    from tests.drift.conftest import shifted_tables

    a = shifted_tables(100_000, seed=1)
    b = shifted_tables(100_000, seed=2)
    report = compare(data(a.reference), data(b.reference))
    assert report.drifted_columns == ()


def test_ks_adjustment_keeps_equal_distributions_quiet_despite_sketch_error() -> None:
    # Small sketches (k=64: ε = 4.7 %) make the sketch error dominate, as at 10^6+ rows with the
    # default k: unadjusted, the KS test flags equal distributions; adjusted by ε_r + ε_c, not.
    rng = np.random.default_rng(5)
    cols = {f"x{i}": rng.normal(size=200_000) for i in range(6)}
    ref = profile_table(pa.table(cols), k=64)
    cur = profile_table(pa.table({n: rng.normal(size=200_000) for n in cols}), k=64, seed=1)
    methods = dict.fromkeys(cols, "ks")
    adjusted = compare(ref, cur, methods=methods)
    raw = compare(ref, cur, methods=methods, adjust_for_sketch_error=False)
    assert adjusted.drifted_columns == ()
    assert len(raw.drifted_columns) >= 3
    shifted = profile_table(pa.table({"x0": rng.normal(0.3, 1, 200_000)}), k=64)
    assert compare(ref, shifted, columns=["x0"], methods={"x0": "ks"})["x0"].drifted
