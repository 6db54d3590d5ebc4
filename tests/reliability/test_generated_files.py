"""Generated CSV bytes and Parquet tables through ``driftline ingest`` (hypothesis).

Each generated file is ingested as the first span of a new dataset: it is stored, or refused with
one ``error:`` line and exit 2 (bad input), never a traceback; when refused, nothing stored
changes. Examples are derandomized (the same on every run) and bounded.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftline.cli.main import main
from tests.reliability.hostile import stored
from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_CELLS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(
        ["", '"', '""', '"a,b"', "x;y", "\n", "\r\n", "\x00", "é", "true", "2024-01-31"]
    ),
)
_TEXT = st.builds(
    lambda rows, sep, eol: eol.join(sep.join(row) for row in rows),
    st.integers(1, 5).flatmap(
        lambda width: st.lists(st.lists(_CELLS, min_size=width, max_size=width), max_size=8)
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n"]),
)
_CSV = st.one_of(
    st.builds(
        lambda text, codec: text.encode(codec, errors="replace"),
        _TEXT,
        st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16"]),
    ),
    st.binary(max_size=400),
)
_COLUMN_TYPES = st.sampled_from(["int", "float", "str", "bool", "list", "struct", "null"])


class _Workspace:
    """One workspace for all examples; each example ingests into a new dataset."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        assert self.cli("init", str(folder))[0] == 0

    def cli(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            else:
                code = 0
        return code, out.getvalue(), err.getvalue()

    def ingest(self, path: Path) -> tuple[int, str]:
        """Ingest ``path`` as a new dataset; assert the outcome is documented; say what it was."""
        before = stored(self.folder)
        dataset = f"g{next(self.counter)}"
        code, out, err = self.cli("ingest", dataset, str(path), "-w", str(self.folder))
        assert "Traceback" not in out + err, err
        assert "internal error" not in err, err
        if code == 0:
            assert f"ingested {dataset}:1" in out, out
            return code, "stored"
        assert code == 2, (code, err)
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, err
        assert stored(self.folder) == before, "a refused ingest changed what is stored"
        return code, lines[0]


@pytest.fixture
def workspace(tmp_path: Path) -> _Workspace:
    return _Workspace(tmp_path / "ws")


def _column(kind: str, rows: int, draw: Any) -> Any:
    import pyarrow as pa

    values = range(rows)
    if kind == "int":
        return pa.array([draw(st.integers(-(2**63), 2**63 - 1)) for _ in values], pa.int64())
    if kind == "float":
        return pa.array([draw(st.floats(allow_nan=True)) for _ in values], pa.float64())
    if kind == "str":
        return pa.array([draw(st.one_of(st.none(), st.text(max_size=5))) for _ in values])
    if kind == "bool":
        return pa.array([draw(st.one_of(st.none(), st.booleans())) for _ in values], pa.bool_())
    if kind == "list":
        return pa.array([[i, i] for i in values], pa.list_(pa.int64()))
    if kind == "struct":
        return pa.array([{"a": i} for i in values])
    return pa.nulls(rows)


@st.composite
def _tables(draw: Any) -> tuple[Any, bool]:
    import pyarrow as pa

    rows = draw(st.integers(0, 12))
    kinds = draw(st.lists(_COLUMN_TYPES, min_size=1, max_size=5))
    names = draw(st.lists(st.text(max_size=4), min_size=len(kinds), max_size=len(kinds)))
    table = pa.Table.from_arrays([_column(k, rows, draw) for k in kinds], names=names)
    return table, draw(st.booleans())  # and whether the file is cut short


def _ingest_one(trial: Trial, workspace: _Workspace, path: Path, outcomes: dict[str, int]) -> None:
    """Ingest ``path`` as one attempt, counting it as stored or refused."""
    with trial.attempt():
        _, said = workspace.ingest(path)
        outcomes["stored" if said == "stored" else "refused"] += 1
        trial.lost(0)


def _found(trial: Trial, outcomes: dict[str, int]) -> None:
    """Both outcomes happened (the generator reaches both), and the trial says how many."""
    assert outcomes["stored"] > 0, outcomes
    assert outcomes["refused"] > 0, outcomes
    trial.found(
        f"{outcomes['stored']} stored, {outcomes['refused']} refused with one line; "
        "no traceback; nothing stored changed on refusal"
    )


def test_generated_csv_files_are_stored_or_refused_cleanly(
    trial: Trial, workspace: _Workspace, tmp_path: Path
) -> None:
    trial.tries("ingest 80 generated CSV files (text in 3 encodings, 4 delimiters, or raw bytes)")
    outcomes: dict[str, int] = {"stored": 0, "refused": 0}

    @_SETTINGS
    @given(data=_CSV)
    def check(data: bytes) -> None:
        path = tmp_path / "generated.csv"
        path.write_bytes(data)
        _ingest_one(trial, workspace, path, outcomes)

    check()
    _found(trial, outcomes)


def test_generated_parquet_files_are_stored_or_refused_cleanly(
    trial: Trial, workspace: _Workspace, tmp_path: Path
) -> None:
    trial.tries("ingest 80 generated Parquet tables (nested, null, duplicate names, truncated)")
    import pyarrow.parquet as pq

    outcomes: dict[str, int] = {"stored": 0, "refused": 0}

    @_SETTINGS
    @given(case=_tables())
    def check(case: tuple[Any, bool]) -> None:
        table, cut = case
        path = tmp_path / "generated.parquet"
        pq.write_table(table, path)
        if cut:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        _ingest_one(trial, workspace, path, outcomes)

    check()
    _found(trial, outcomes)
