"""The push step's typed result, as the controller reads it back."""

from __future__ import annotations

import io

import pytest

from driftline.components.push_result import PushResult, PushResultType
from driftline.core.errors import IntegrityError


def test_a_result_survives_its_artifact_type() -> None:
    done = PushResult(
        "churn", blessed=True, pushed=True, version=4, alias=None, champion=3, needs_rollout=True
    )
    out = io.BytesIO()
    properties = PushResultType.save(done, out)
    assert properties == {"model": "churn", "pushed": True, "version": 4}
    assert PushResultType.load(io.BytesIO(out.getvalue()), properties) == done


def test_an_older_result_reads_with_defaults_and_a_broken_one_is_refused() -> None:
    older = {"model": "churn", "blessed": True, "pushed": True, "version": 2, "alias": "champion"}
    read = PushResult.from_dict(older)
    assert (read.champion, read.needs_rollout, read.reason) == (None, False, None)
    with pytest.raises(IntegrityError, match="a push result needs blessed, pushed"):
        PushResult.from_dict({"model": "churn"})
