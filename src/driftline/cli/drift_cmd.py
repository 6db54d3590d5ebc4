"""``driftline drift``: compare a current span or file with a reference, from profiles alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from driftline.cli.options import (
    CliState,
    common_options,
    echo_json,
    html_option,
    json_option,
    pass_state,
)
from driftline.cli.reading import read_options, reading
from driftline.core.errors import DriftlineError, InputError

if TYPE_CHECKING:
    from driftline.data.catalog import DataCatalog
    from driftline.data.profile import Profile
    from driftline.drift import DriftReport
    from driftline.drift.options import DriftOptions

__all__ = ["DriftDetectedError", "drift"]


class DriftDetectedError(DriftlineError):
    """Dataset drift was found and ``--fail-on-drift`` asked for a failing exit code."""


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option} takes COLUMN=VALUE, got {text!r}")
        out[key.strip()] = value.strip()
    return out


def _thresholds(values: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for column, text in _pairs(values, "--threshold").items():
        try:
            out[column] = float(text)
        except ValueError:
            raise InputError(f"--threshold {column}={text}: {text!r} is not a number") from None
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"


def _table(report: DriftReport) -> Table:
    verdict = "[red]drift[/]" if report.dataset_drift else "[green]no drift[/]"
    table = Table(
        title=(
            f"dataset: {verdict} · {len(report.drifted_columns)} of {len(report.compared_columns)} "
            f"compared columns drifted (share {report.share_drifted:.2f}, "
            f"threshold {report.drift_share:.2f})"
        ),
        title_justify="left",
    )
    for col in ("column", "kind", "method", "statistic", "p-value", "threshold", "drift"):
        table.add_column(
            col, justify="right" if col in {"statistic", "p-value", "threshold"} else "left"
        )
    for c in report.columns:
        mark = (
            "[red]yes[/]"
            if c.drifted
            else ("no" if c.status.value == "compared" else c.status.value)
        )
        table.add_row(
            escape(c.column),
            c.kind.value if c.kind is not None else "",
            c.method.value if c.method is not None else "",
            _fmt(c.statistic),
            _fmt(c.adjusted_p_value if c.adjusted_p_value is not None else c.p_value),
            _fmt(c.threshold),
            mark,
        )
    return table


def _drift(
    state: CliState, reference: str, current: str, options: DriftOptions, *, record: bool
) -> DriftReport:
    """Drift in the workspace; of two files (paths or URLs), with no workspace too."""
    from driftline.core.errors import WorkspaceNotFoundError
    from driftline.data.refs import RefKind, parse_reference

    try:
        ws = state.open_workspace()
    except WorkspaceNotFoundError:
        if any(parse_reference(r).kind is not RefKind.FILE for r in (reference, current)):
            raise
        return _drift_files(reference, current, options)  # drift of files is never recorded
    with ws:
        return ws.drift(reference, current, options, record=record)


def _drift_files(reference: str, current: str, options: DriftOptions) -> DriftReport:
    """Drift between two files' profiles, outside any workspace (nothing is recorded)."""
    from driftline.data.refs import Reference, Resolved, parse_reference
    from driftline.data.span_catalog import profile_source
    from driftline.workspace.drifting import run_drift

    class Files:
        """Resolves paths alone: what :func:`run_drift` needs of a catalog for two files."""

        def resolve(self, ref: str) -> Resolved:
            return Resolved(parse_reference(ref))

        def load_profile(self, found: Resolved | Reference) -> Profile:
            return profile_source(found.text)

    report, _ = run_drift(cast("DataCatalog", Files()), reference, current, options=options)
    return report


@click.command()
@click.argument("reference")
@click.argument("current")
@html_option("Write an HTML report (works offline) to FILE.")
@json_option
@click.option(
    "--method",
    "methods",
    multiple=True,
    metavar="COL=METHOD",
    help="Use METHOD for COL: ks, chisquare, z, wasserstein, jensenshannon, psi, hellinger.",
)
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="COL=VALUE",
    help="Drift threshold for COL (a p-value level for tests, a distance otherwise).",
)
@click.option(
    "--correction",
    type=click.Choice(["bonferroni", "benjamini-hochberg"]),
    help="Correct the p-values for multiple testing.",
)
@click.option(
    "--drift-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.5,
    show_default=True,
    help="Dataset drift when this share of columns drifted.",
)
@click.option("--columns", metavar="COL,COL", help="Only these columns (comma-separated).")
@click.option("--fail-on-drift", is_flag=True, help="Exit with 1 when the dataset drifted.")
@click.option("--no-record", is_flag=True, help="Do not store the report in the workspace.")
@read_options(encoding=True)
@common_options
@pass_state
def drift(
    state: CliState,
    /,
    reference: str,
    current: str,
    html_path: Path | None,
    as_json: str | None,
    methods: tuple[str, ...],
    thresholds: tuple[str, ...],
    correction: str | None,
    drift_share: float,
    columns: str | None,
    fail_on_drift: bool,
    no_record: bool,
    **read: Any,
) -> None:
    """Compare CURRENT with REFERENCE column by column, from their profiles.

    Each is DATASET (its latest span), DATASET:N (span N), #ID (the artifact with that id: a
    span or a profile), or a path: a saved profile, or a CSV, Parquet or Arrow file, folder or
    glob (profiled on the fly), local or an fsspec URL (s3://...); see docs/references.md. The
    reference's raw rows are never needed. Two files need no workspace (nothing is recorded).
    """
    from driftline.cli.references import say_ref_notes
    from driftline.drift.options import DriftOptions

    say_ref_notes(reference, current)

    options = DriftOptions(
        columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
        methods=_pairs(methods, "--method"),
        thresholds=_thresholds(thresholds),
        correction=correction or None,
        drift_share=drift_share,
    )
    with reading([reference, current], read) as say:
        report = _drift(state, reference, current, options, record=not no_record)
    if as_json:
        echo_json(as_json, report.to_json())
    if as_json != "-":
        Console().print(_table(report))
    if html_path is not None:
        written = report.to_html(html_path, title=f"Drift: {current} against {reference}")
        click.echo(f"wrote {written}", err=True)
    if fail_on_drift and report.dataset_drift:
        raise DriftDetectedError(
            f"dataset drift: {len(report.drifted_columns)} column(s) drifted: "
            + ", ".join(report.drifted_columns[:10])
        )
    say()
