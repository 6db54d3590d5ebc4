"""``-p KEY=VALUE`` texts parsed for their parameter's annotation (``parse_param_options``)."""

from __future__ import annotations

from driftline.cli.run_cmds import parse_param_options
from driftline.components import standard_pipeline


def test_a_parameter_shared_by_steps_of_one_type_is_parsed_once() -> None:
    pipeline = standard_pipeline()
    owners = [s.name for s in pipeline.steps if any(p.name == "seed" for p in s.params)]
    assert len(owners) > 1  # train and monitor_reference both take a seed
    assert parse_param_options(pipeline, ["seed=3"]) == {"seed": 3}
    assert parse_param_options(pipeline, ["train.seed=4"]) == {"train.seed": 4}


def test_an_unknown_parameter_is_left_for_the_run_to_name() -> None:
    assert parse_param_options(standard_pipeline(), ["nope=1"]) == {"nope": "1"}
