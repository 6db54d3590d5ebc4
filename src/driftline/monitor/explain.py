"""Why accuracy fell: :func:`explain`.

Given a model and a time range, :func:`explain` reads the model's live windows
(:func:`driftline.monitor.window_metrics.window_metrics`) and answers four questions:

1. **Where did accuracy fall?** The accuracy of each window is the realised accuracy where labels
   exist, else the label-free estimate (never a mix: ``accuracy_source`` says which). The window
   where it fell is the start of the later level of the best two-level fit of that series whose
   later level is lower (weighted by each window's rows); ``accuracy_before`` and
   ``accuracy_after`` are the two levels.
2. **Which inputs moved?** Each input of the serving version is compared between its training
   profile and that window's profile by one distance for every kind of column (Jensen-Shannon,
   numeric inputs binned at the training quantiles), weighted by the version's permutation
   importance on its evaluation rows (stored with the version at training time). Inputs are
   ranked by ``distance * max(importance, 0)``; without an importance, by the distance alone
   (said in ``notes``). ``drifted`` is the monitor's own verdict on that input in that window.
3. **Sudden or gradual?** The drift statistics of the top inputs over the windows (each scaled to
   its largest value, then averaged) are classified by
   :func:`~driftline.monitor.change_shape.change_shape`: a step is sudden, a ramp gradual.
4. **Where are the errors?** Where labels exist, the error rate in bins of the top inputs (bins
   from the training profile, :mod:`driftline.monitor.error_bins`).

When the realised accuracy fell but the label-free estimate did not, the inputs alone do not
explain the fall: the notes say the relation between inputs and labels may have changed (concept
drift, which no input statistic can see).

Examples:
    >>> import tempfile
    >>> from driftline.workspace import Workspace
    >>> with tempfile.TemporaryDirectory() as folder, Workspace.init(folder + "/ws") as ws:
    ...     try:
    ...         explain(ws, "churn")
    ...     except NotFoundError as exc:
    ...         print(type(exc).__name__)
    ModelNotFoundError

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.core.errors import InputError, NotFoundError
from driftline.monitor.accuracy_fall import FallenWindow, accuracy_series, fallen_window
from driftline.monitor.change_shape import fit_change
from driftline.monitor.input_ranking import InputChange, score_inputs
from driftline.monitor.logs.segments import input_column
from driftline.monitor.windows import DEFAULT_WINDOW
from driftline.store.stores import HasStores, Stores

if TYPE_CHECKING:
    from driftline.data.profile import Profile
    from driftline.models.monitoring.reference import MonitorReference

__all__ = ["DEFAULT_TOP", "TOP_SHARE", "Explanation", "InputChange", "explain"]

DEFAULT_TOP = 3
"""How many top inputs the shape and the error bins look at."""

TOP_SHARE = 0.1
"""A flagged input is a top input when its score is at least this share of the best score."""


@dataclass(frozen=True)
class Explanation:
    """Why accuracy fell: the window, the inputs that moved, the shape, the errors by bin.

    Attributes:
        model: the model's name.
        version: the version explained (the one serving the latest window of the range).
        start: the start of the window where accuracy fell.
        end: its end.
        accuracy_before: the accuracy level before that window (``None`` when nothing is known
            from before).
        accuracy_after: the accuracy level from that window on.
        accuracy_source: ``"realised"`` (from labels) or ``"estimated"`` (label-free).
        ranked: every input, the most moved (weighted by importance) first.
        shape: ``"sudden"``, ``"gradual"`` or ``"none"`` (the top inputs did not change).
        summary: the answer in one line.
        error_by_bin: for each top input, where labels exist: its bins with ``bin``, ``rows``,
            ``errors`` and ``error_rate``.
        notes: what could not be done, or should be known, each said once.

    """

    model: str
    version: str
    start: datetime
    end: datetime
    accuracy_before: float | None
    accuracy_after: float | None
    accuracy_source: str
    ranked: tuple[InputChange, ...]
    shape: str
    summary: str
    error_by_bin: dict[str, list[dict[str, Any]]]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (times in ISO 8601).

        Examples:
            >>> from datetime import datetime, timezone
            >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
            >>> e = Explanation("churn", "1", t, t, 0.9, 0.7, "realised", (), "none", "...", {})
            >>> e.to_dict()["start"], e.to_dict()["accuracy_after"]
            ('2026-01-01T00:00:00+00:00', 0.7)

        """
        return {
            "model": self.model,
            "version": self.version,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
            "accuracy_source": self.accuracy_source,
            "shape": self.shape,
            "summary": self.summary,
            "ranked": [c.to_dict() for c in self.ranked],
            "error_by_bin": self.error_by_bin,
            "notes": list(self.notes),
        }


def _range(since: datetime | None, until: datetime | None) -> str:
    lo = "the start" if since is None else since.isoformat()
    hi = "now" if until is None else until.isoformat()
    return f"from {lo} to {hi}"


def _training_profile(stores: Stores, model: str, version: str) -> tuple[Profile | None, str]:
    """The version's training profile, or ``None`` and why."""
    from driftline.data.profile import Profile
    from driftline.registry import ModelRegistry

    found = ModelRegistry(stores.metadata, stores.artifacts).version(model, int(version))
    if found.profile_id is None:
        return None, f"version {version} has no training profile: inputs cannot be ranked"
    artifact = stores.metadata.get_artifact(found.profile_id)
    label = f"training profile of {model} version {version}"
    return Profile.from_bytes(
        stores.artifacts.read_bytes(artifact.uri, artifact.sha256, label=label)
    ), ""


def _reference(stores: Stores, model: str, version: str) -> tuple[MonitorReference | None, str]:
    from driftline.registry import ModelRegistry

    found = ModelRegistry(stores.metadata, stores.artifacts).monitor_reference(model, int(version))
    if found is None:
        return None, f"version {version} was registered without a monitor reference"
    return found, ""


def _rank(
    stores: Stores,
    fell: Any,
    training: Profile | None,
    reference: MonitorReference | None,
    window: timedelta,
) -> tuple[list[InputChange], list[str]]:
    """Every input ranked by how far it moved in the window ``fell``, weighted by importance."""
    from driftline.monitor.windows import live_windows

    if training is None:
        return [], []
    found = live_windows(
        stores, fell.model, version=fell.version, since=fell.start, until=fell.end, window=window
    )
    current = next((w for w in found if w.start == fell.start), None)
    if current is None or current.rows == 0:
        return [], [f"the window from {fell.start.isoformat()} has no profile: inputs not ranked"]
    if reference is not None:
        features: list[str] = list(reference.features)
    else:
        features = [d.feature for d in fell.drift]
    drifted = set(fell.drifted)
    importance = None if reference is None else reference.importance
    return score_inputs(training, current.profile, features, importance, drifted)


def _tops(ranked: Sequence[InputChange], top: int) -> list[InputChange]:
    """The inputs that explain the most: flagged ones whose score counts, else the best scores.

    A flagged input whose score is under :data:`TOP_SHARE` of the best one (the model hardly
    uses it) is left out; without a flagged input, the ``top`` best scores above zero.
    """
    best = max((c.score for c in ranked), default=0.0)
    flagged = [c for c in ranked if c.drifted and c.score > 0 and c.score >= TOP_SHARE * best]
    return flagged[:top] or [c for c in ranked if c.score > 0][:top]


def _shape(windows: Sequence[Any], features: Sequence[str]) -> tuple[str, str]:
    """The shape of the top inputs' drift statistics over the windows, and when it changed."""
    import numpy as np

    if not features or len(windows) < 2:
        return "none", ""
    table = np.full((len(windows), len(features)), np.nan)
    column = {f: j for j, f in enumerate(features)}
    for i, m in enumerate(windows):  # windows, not rows
        for d in m.drift:
            if d.feature in column and d.statistic is not None:
                table[i, column[d.feature]] = abs(float(d.statistic))
    seen = ~np.isnan(table).all(axis=0)
    if not seen.any():
        return "none", ""
    table = table[:, seen]
    top = np.nanmax(table, axis=0)
    scaled = table / np.where(top > 0, top, 1.0)
    with np.errstate(all="ignore"):
        counted = (~np.isnan(scaled)).sum(axis=1)
        mean = np.where(counted > 0, np.nansum(scaled, axis=1) / np.maximum(counted, 1), np.nan)
    fit = fit_change(mean.tolist())
    if fit.start is None or fit.end is None:
        return fit.shape, ""
    end = _when(windows[fit.end].start)
    if fit.shape == "gradual":
        return fit.shape, f" from {_when(windows[fit.start].start)} to {end}"
    return fit.shape, f" at {end}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _bins(
    stores: Stores,
    fell: Any,
    training: Profile,
    tops: Sequence[InputChange],
    reference: MonitorReference | None,
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Error rate by bins of the top inputs, on the labelled rows of the window ``fell``."""
    from driftline.monitor.error_bins import error_by_bin, labelled_errors

    classes = None
    if reference is not None and reference.calibration is not None:
        classes = reference.calibration.classes
    rows, wrong, why = labelled_errors(stores, fell, classes)
    if rows is None:
        return {}, [why]
    out: dict[str, list[dict[str, Any]]] = {}
    notes: list[str] = []
    for change in tops:  # the few top inputs, not rows
        name = input_column(change.feature)
        if name not in rows.column_names or change.feature not in training:
            notes.append(f"no error bins for {change.feature!r}: it was not logged as sent")
            continue
        try:
            out[change.feature] = error_by_bin(rows[name], wrong, training[change.feature])
        except InputError as exc:
            notes.append(f"no error bins for {change.feature!r}: {exc}")
    return out, notes


def _summary(
    model: str,
    version: str,
    source: str,
    fell: FallenWindow,
    tops: Sequence[InputChange],
    shape: str,
    changed_at: str,
) -> str:
    """The answer in one line."""
    when = _when(fell.metrics.start)
    if fell.before is not None and fell.after is not None:
        fall = f"{source} accuracy went from {fell.before:.3f} to {fell.after:.3f} at {when}"
    else:
        fall = f"{source} accuracy was {fell.after:.3f} at {when}"
    head = f"{model} version {version}: {fall}"
    moved = [c.feature for c in tops if c.drifted]
    if not moved:
        return f"{head}; no input moved enough to be flagged"
    names = ", ".join(moved)
    if shape == "none":
        return f"{head}; inputs that moved most: {names} (no clear change over the windows)"
    return f"{head}; inputs that moved most: {names}; a {shape} change{changed_at}"


def explain(
    stores: HasStores,
    model: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    top: int = DEFAULT_TOP,
) -> Explanation:
    """Explain why the accuracy of ``model`` fell between ``since`` and ``until``.

    See the module docstring for what is found and how.

    Args:
        stores: the workspace (anything with ``metadata`` and ``artifacts``).
        model: the registered model's name.
        since: the first time looked at (default: the start of its log).
        until: the end of the range, excluded (default: now).
        window: the window length (a multiple of the stored windows; default one hour).
        top: how many top inputs the shape and the error bins look at.

    Raises:
        ModelNotFoundError: no registered model has that name (listing those that exist).
        NotFoundError: the model has no logged predictions in the range.
        InputError: neither labels nor an accuracy estimate in any window of the range (the
            reasons the monitor gave are named), or a bad argument.

    """
    from driftline.monitor.window_metrics import window_metrics
    from driftline.registry import ModelRegistry
    from driftline.registry.versions import check_model_name

    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a whole number of inputs, at least 1, got {top!r}")
    s = Stores.of(stores)
    check_model_name(model)
    ModelRegistry(s.metadata, s.artifacts).versions(model)  # an unknown model fails here
    found = window_metrics(s, model, since=since, until=until, window=window)
    if not found:
        raise NotFoundError(
            f"model {model!r} has no logged predictions {_range(since, until)}: no window to "
            "explain"
        )
    version = max(found, key=lambda m: m.start).version
    windows = sorted((m for m in found if m.version == version), key=lambda m: m.start)
    notes: list[str] = []
    others = sorted({m.version for m in found} - {version})
    if others:
        notes.append(
            f"version {version} served the latest window and is explained; version(s) "
            f"{', '.join(others)} also served in this range"
        )
    source, series = accuracy_series(windows)
    if not series:
        said = sorted({n for m in windows for n in m.notes})
        raise InputError(
            f"model {model!r} version {version} has neither labels nor an accuracy estimate "
            f"{_range(since, until)}" + (f": {'; '.join(said)}" if said else "")
        )
    reference, why = _reference(s, model, version)
    training, why_not = _training_profile(s, model, version)
    notes.extend(n for n in (why, why_not) if n)
    eval_accuracy = None
    if reference is not None and reference.calibration is not None:
        eval_accuracy = reference.calibration.accuracy
    fell: FallenWindow = fallen_window(series, source, eval_accuracy)
    notes.extend(fell.notes)
    ranked, rank_notes = _rank(s, fell.metrics, training, reference, window)
    notes.extend(rank_notes)
    tops = _tops(ranked, top)
    shape, changed_at = _shape(windows, [c.feature for c in tops])
    bins: dict[str, list[dict[str, Any]]] = {}
    if source == "realised" and training is not None:
        bins, bin_notes = _bins(s, fell.metrics, training, tops, reference)
        notes.extend(bin_notes)
    summary = _summary(model, version, source, fell, tops, shape, changed_at)
    return Explanation(
        model=model,
        version=version,
        start=fell.metrics.start,
        end=fell.metrics.end,
        accuracy_before=fell.before,
        accuracy_after=fell.after,
        accuracy_source=source,
        ranked=tuple(ranked),
        shape=shape,
        summary=summary,
        error_by_bin=bins,
        notes=tuple(dict.fromkeys(notes)),
    )
