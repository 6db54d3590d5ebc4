"""A commented policy to start from: what ``driftline init --policy`` writes to ./driftline.toml.

Examples:
    >>> from driftline.policy.model import Policy
    >>> import tomllib
    >>> Policy.from_dict(tomllib.loads(POLICY_TEMPLATE)).window.spans
    5

"""

from __future__ import annotations

from pathlib import Path

from driftline.core.errors import InputError

__all__ = ["POLICY_TEMPLATE", "write_policy_template"]

POLICY_TEMPLATE = """\
# The policy of this project: what to train, when to retrain, what may replace the champion and
# how it goes out. `driftline controller`, `driftline trigger` and `driftline backtest` read it
# from here (this folder or a sub-folder); see docs/controller.md for every key.

[model]
name = "my-model"              # the registered model
dataset = "my-data"            # the dataset its spans are ingested into
label = "label"                # the label column
trainer = "sklearn:HistGradientBoostingClassifier"   # or "pipelines/train.py:fit"
metric = "accuracy"

[window]
spans = 5                      # train on the last 5 spans

# [[trigger]]
# kind = "cron"
# schedule = "0 3 * * *"       # every day at 03:00 UTC

# [[trigger]]
# kind = "new_data"
# path = "incoming"            # new files here become spans...
# pattern = "*.parquet"
# min_rows = 5000              # ...and 5000 new labelled rows start a retrain

# [[trigger]]
# kind = "metric"
# metric = "accuracy"          # the champion's live accuracy, from feedback labels
# below = 0.80
# min_labels = 500

# [[trigger]]
# kind = "drift"
# share = 0.5                  # half the columns of the newest span drifted

# [[trigger]]
# kind = "drift"
# source = "live"              # the newest hour of logged predictions, not the newest span
# share = 0.3
# min_rows = 500

# [[trigger]]
# kind = "outliers"
# rate_above = 0.05            # over 5% of the newest hour's rows unlike the training data

# [[trigger]]
# kind = "metric"
# metric = "estimated_accuracy"  # the label-free estimate of the newest hour
# below = 0.80

[gate]
tolerance = 0.0                # the challenger must not be worse than the champion
# first_model_min = 0.6        # the first model must reach this

[rollout]
plan = "canary"                # canary, blue-green, shadow, or none (promote at once)
steps = [5, 25, 100]
hold_requests = 500            # check each step after 500 of the candidate's requests

[cooldown]
minutes = 60                   # no automatic retrain within an hour of the last one
"""
"""The policy template: the ``[model]`` keys to fill in, the rest commented or defaults."""


def write_policy_template(path: str | Path) -> Path:
    """Write :data:`POLICY_TEMPLATE` to ``path``; refuse to overwrite a file.

    Raises:
        InputError: ``path`` exists.

    """
    file = Path(path)
    try:
        with file.open("x", encoding="utf-8") as out:
            out.write(POLICY_TEMPLATE)
    except FileExistsError:
        raise InputError(f"{file} exists already: edit it, or remove it first") from None
    return file
