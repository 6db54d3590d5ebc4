"""The checks a policy passes before anything runs: its columns, its trainer, its parameters.

Reading a policy (:meth:`~driftline.policy.model.Policy.from_dict`) checks every key on its own:
types, ranges, safe model and dataset names, a schedule that can fire. What a key names outside
the file is checked here, before a controller, a trigger or a backtest starts, so a bad policy
is refused in a second instead of after training:

* the label and every column the policy names (``gate.slices``; for a backtest also
  ``backtest.time_column`` and ``backtest.exclude``) are columns of the data: the dataset's
  schema, or its newest span when it has no schema (a dataset without spans yet is not checked:
  a ``new_data`` trigger may bring its first span), or the backtest's table; a near miss is
  named (``did you mean 'label'?``). When the dataset's spans were ingested with another label,
  that is said too (training uses the spans' label);
* the trainer resolves (:func:`~driftline.components.trainers.check_trainer`): a scikit-learn
  estimator is constructed with ``trainer_params`` and checked against the types and ranges it
  declares; a trainer function must accept them.

Each refusal is a :class:`~driftline.core.errors.ConfigError` naming the file, the key and what
to do (exit code 2 on the command line).

Examples:
    >>> from driftline.policy.model import Policy
    >>> policy = Policy.from_dict({"model": {"name": "m", "dataset": "d", "label": "lable"}},
    ...                           "p.toml")
    >>> check_columns(policy, ["a", "b", "label"], "p.toml", "the table t.csv")
    Traceback (most recent call last):
    ...
    driftline.core.errors.ConfigError: p.toml: model.label 'lable' is not a column of the table \
t.csv; did you mean 'label'? its columns: 'a', 'b', 'label'

"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from driftline.core.errors import ConfigError, InputError, NotFoundError
from driftline.data.profile import listing
from driftline.policy.model import Policy

if TYPE_CHECKING:
    from driftline.store.stores import HasStores

__all__ = [
    "check_columns",
    "check_policy_trainer",
    "dataset_columns",
    "preflight_table",
    "preflight_workspace",
    "trainer_spec",
]


def _near(name: str, columns: Sequence[str]) -> str:
    """``did you mean 'x'? `` for the closest columns (case aside), or nothing."""
    by_lower = {c.lower(): c for c in columns}
    found = [by_lower[c] for c in difflib.get_close_matches(name.lower(), list(by_lower), n=3)]
    return f"did you mean {', '.join(repr(c) for c in found)}? " if found else ""


def check_columns(
    policy: Policy,
    columns: Sequence[str],
    where: str,
    source: str,
    *,
    backtest: bool = False,
) -> None:
    """Check that every column ``policy`` names is one of ``columns`` (those of ``source``).

    Named columns: ``model.label`` and ``gate.slices``; with ``backtest`` also
    ``backtest.time_column`` and ``backtest.exclude``.

    Raises:
        ConfigError: naming the key, the missing column, a near miss and the columns there are.

    """
    named: list[tuple[str, str]] = [("model.label", policy.model.label)]
    named += [("gate.slices", c) for c in policy.gate.slices]
    if backtest:
        if policy.backtest.time_column is not None:
            named.append(("backtest.time_column", policy.backtest.time_column))
        named += [("backtest.exclude", c) for c in policy.backtest.exclude]
    present = set(columns)
    for key, column in named:
        if column not in present:
            raise ConfigError(
                f"{where}: {key} {column!r} is not a column of {source}; "
                f"{_near(column, columns)}its columns: {listing(columns, limit=12)}"
            )


def dataset_columns(stores: HasStores, dataset: str) -> tuple[list[str], str, str | None] | None:
    """The columns of ``dataset``, where they come from, and its label; ``None`` without spans.

    The columns are those of the dataset's current schema, else those of its newest span.
    """
    from driftline.data.catalog import DataCatalog

    catalog = DataCatalog(stores)
    spans = catalog.spans(dataset)
    if not spans:
        return None
    newest = spans[-1]
    try:
        schema = catalog.schema(dataset)
    except NotFoundError:
        label = newest.label
        return list(newest.columns), f"dataset {dataset!r} (its span {newest.number})", label
    label = schema.label if schema.label is not None else newest.label
    return list(schema.names), f"dataset {dataset!r} (its schema)", label


def trainer_spec(policy: Policy, base: Path | None = None) -> str:
    """``model.trainer``, with a relative ``file.py`` taken from ``base`` (the policy's folder)."""
    trainer = policy.model.trainer
    file, colon, function = trainer.rpartition(":")
    if base is not None and colon and file.endswith(".py") and not Path(file).is_absolute():
        return f"{base / Path(file).expanduser()}:{function}"
    return trainer


def check_policy_trainer(policy: Policy, where: str, base: Path | None = None) -> None:
    """Check that ``model.trainer`` resolves and takes ``model.trainer_params``.

    Raises:
        ConfigError: naming the key (``model.trainer`` or ``model.trainer_params``) and why.

    """
    from driftline.components.trainers import check_trainer

    m = policy.model
    try:
        check_trainer(trainer_spec(policy, base), m.trainer_params)
    except InputError as exc:
        text = " ".join(str(exc).split()).rstrip(".")
        if m.trainer_params and "trainer_params" in text:
            raise ConfigError(
                f"{where}: model.trainer_params: {text}; fix or remove the parameter"
            ) from None
        raise ConfigError(
            f"{where}: model.trainer = {m.trainer!r}: {text}; name a scikit-learn estimator "
            "(sklearn:NAME), lightgbm:NAME or a function (module:function, file.py:function)"
        ) from None


def preflight_table(
    policy: Policy, columns: Sequence[str], *, where: str, source: str, base: Path | None = None
) -> None:
    """Every check of a policy a backtest replays over a table of ``columns`` (see the module).

    Raises:
        ConfigError: the first check that fails (naming the key).

    """
    check_columns(policy, columns, where, source, backtest=True)
    check_policy_trainer(policy, where, base)


def preflight_workspace(
    policy: Policy, stores: HasStores, *, where: str, base: Path | None = None
) -> None:
    """Every check of a policy the controller runs over a workspace's stores (see the module).

    Raises:
        ConfigError: the first check that fails (naming the key).

    """
    found = dataset_columns(stores, policy.model.dataset)
    if found is not None:
        columns, source, label = found
        check_columns(policy, columns, where, source)
        if label is not None and label != policy.model.label:
            raise ConfigError(
                f"{where}: model.label {policy.model.label!r} is not the label of {source}, "
                f"which is {label!r}: set model.label = {label!r}, or ingest spans labelled "
                f"{policy.model.label!r}"
            )
    check_policy_trainer(policy, where, base)
