"""A workspace moved, copied or restored elsewhere reads everything it holds, without the original.

One workspace is built per metadata backend (module-scoped): a span, the standard training
pipeline (a registered champion), the batch-prediction pipeline, and predictions served over
HTTP into the prediction log. Each test then moves or copies it as a user would, removes the
original, and checks the new place: every artifact verifies against its SHA-256; ``driftline
spans``, ``models``, ``lineage``, ``profile`` answer; a new batch-prediction run reads the
champion and writes its outputs into the new place; the champion is served again and its new
predictions join the old ones; and no row of the metadata names the old or the new folder.

- copy (``cp -r``): SQLite only copies with the folder; with PostgreSQL the database is
  restored from ``pg_dump`` into a new database that the copy's ``driftline.toml`` names, as
  docs/workspace.md says;
- move (rename the folder);
- the artifact folder moved out of the workspace, ``driftline.toml`` pointed at it;
- an older workspace whose metadata recorded absolute ``file://`` locations, moved.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from driftline.components import batch_pipeline, standard_pipeline
from driftline.core.settings import Settings
from driftline.pipeline import run_pipeline
from driftline.store.queries import ArtifactQuery
from driftline.workspace import Workspace
from tests.components.conftest import make_table, params
from tests.conftest import Run, WorkspaceMaker, dump_database
from tests.reliability.trials import Trial
from tests.serving.conftest import LiveServer

pytestmark = pytest.mark.slow

BATCH = """\
from driftline.core.settings import Settings
from driftline.components import batch_pipeline

pipeline = batch_pipeline()
"""
REQUEST_ROWS = 3


@dataclass
class Built:
    """The workspace built once per backend, and what it held when it was built."""

    folder: Path
    backend: str
    maker: WorkspaceMaker
    artifacts: int
    predictions: int


def _batch_params(incoming: Path) -> dict[str, object]:
    return {
        "dataset": "synth",
        "model_name": "synth",
        "path": str(incoming),
        "pattern": "*.parquet",
        "label": "label",
        "threshold": 0.8,
    }


def _serve(ws: Workspace, requests: int, seed: int) -> None:
    """Serve the champion over HTTP with a durable log, send ``requests`` requests, stop."""
    from driftline.serving.workspace_app import build_app

    journal = ws.settings.workspace / "journal"  # as `driftline serve` keeps it
    app = build_app(
        ws.metadata,
        ws.artifacts,
        freeze_gc=False,
        rollouts=False,
        durability="durable",
        journal_dir=journal,
    )
    with LiveServer(app) as server:
        for i in range(requests):
            table = make_table(seed + i, rows=REQUEST_ROWS).drop(["label"])
            body = {"inputs": {name: table[name].to_pylist() for name in table.column_names}}
            asked = urllib.request.Request(
                f"{server.url}/invocations",
                data=json.dumps(body).encode(),
                headers={"content-type": "application/json"},
            )
            with urllib.request.urlopen(asked, timeout=30) as answer:
                assert answer.status == 200
                assert len(json.loads(answer.read())["predictions"]) == REQUEST_ROWS


def _predicted_rows(ws: Workspace) -> int:
    return int(ws.monitor.predictions("synth").num_rows)


@pytest.fixture(scope="module")
def built(module_new_workspace: WorkspaceMaker, tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("built")
    folder = base / "ws"
    with module_new_workspace(folder) as ws:
        ws.ingest("synth", make_table(0), label="label")
        run_pipeline(ws, standard_pipeline(), params=params(), progress=False)
        incoming = base / "incoming"
        incoming.mkdir()
        pq.write_table(make_table(7, rows=300), incoming / "day1.parquet")
        run_pipeline(ws, batch_pipeline(), params=_batch_params(incoming), progress=False)
        _serve(ws, requests=4, seed=100)
        built = Built(
            folder,
            module_new_workspace.backend,
            module_new_workspace,
            len(ws.metadata.artifacts(ArtifactQuery())),
            _predicted_rows(ws),
        )
    assert built.predictions == 4 * REQUEST_ROWS
    return built


def _metadata_url(folder: Path) -> str:
    return Settings.load(folder).metadata_url


def _copy(built: Built, to: Path) -> Path:
    """``cp -r`` of the built workspace (with PostgreSQL: and its database, dumped and restored)."""
    shutil.copytree(built.folder, to, symlinks=True)
    if built.backend == "postgres":
        target = built.maker.metadata_url()
        assert target is not None
        _pg_copy(_metadata_url(built.folder), target)
        _set(to, "metadata", target)
    return to


def _pg_copy(source: str, target: str) -> None:
    """``pg_dump`` the database of ``source`` and restore it into the one of ``target``."""
    from driftline.testing.postgres import find_bindir

    bindir = find_bindir()
    url = sa.engine.make_url(source)
    conn = ["-h", str(url.host), "-p", str(url.port), "-U", str(url.username)]
    dump = subprocess.run(
        [str(bindir / "pg_dump"), *conn, "--no-owner", "-Fc", str(url.database)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    restore = [str(bindir / "pg_restore"), *conn, "--no-owner", "-d"]
    target_db = str(sa.engine.make_url(target).database)
    subprocess.run([*restore, target_db], input=dump.stdout, check=True, timeout=60)


def _set(folder: Path, key: str, value: str) -> None:
    """Set ``[store] key`` in the workspace's ``driftline.toml``."""
    path = folder / "driftline.toml"
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip("# ").startswith(f"{key} =")
    ]
    lines.insert(lines.index("[store]") + 1, f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cli_json(run: Run, folder: Path, *args: str) -> Any:
    done = run(*args, "-w", str(folder), "--json")
    assert done.code == 0, f"driftline {' '.join(args)}: {done.out}{done.err}"
    return json.loads(done.out)


def _check(run: Run, built: Built, folder: Path, gone: list[Path], tmp: Path) -> str:
    """Everything the workspace in ``folder`` holds is readable there; return a summary."""
    verified = _cli_json(run, folder, "verify")
    assert verified["failures"] == [], verified["failures"]
    assert verified["checked"] == built.artifacts
    spans = _cli_json(run, folder, "spans", "synth")
    assert [s["number"] for s in spans] == [1], spans
    for args in (("models", "list"), ("models", "show", "synth:1"), ("profile", "synth:1")):
        done = run(*args, "-w", str(folder))
        assert done.code == 0, f"driftline {' '.join(args)}: {done.out}{done.err}"
    with Workspace.open(folder) as ws:
        model = ws.registry.champion("synth")
        lineage = run("lineage", str(model.model_id), "--up", "-w", str(folder))
        assert lineage.code == 0, lineage.err
        assert "span" in lineage.out

    incoming = tmp / "incoming-new"
    incoming.mkdir()
    pq.write_table(make_table(9, rows=200), incoming / "day2.parquet")
    (tmp / "batch.py").write_text(BATCH, encoding="utf-8")
    batch = ["run", str(tmp / "batch.py")]
    for name, value in _batch_params(incoming).items():
        batch += ["-p", f"{name}={value}"]
    result = _cli_json(run, folder, *batch)
    assert result["status"] == "COMPLETE", result

    with Workspace.open(folder) as ws:
        assert ws.artifacts.root_uri.startswith(("file://", "s3://"))
        _serve(ws, requests=2, seed=200)
        assert _predicted_rows(ws) == built.predictions + 2 * REQUEST_ROWS
        written = ws.artifacts.list_keys()
        recorded = ws.metadata.artifacts(ArtifactQuery())
        uris = [a.uri for a in recorded]
        url = ws.settings.metadata_url
    assert all(u.startswith("artifact:") for u in uris), [u for u in uris if ":" not in u[:9]]
    assert {u.removeprefix("artifact:") for u in uris} <= set(written)
    after = _cli_json(run, folder, "verify")
    assert after["failures"] == []
    assert after["checked"] == len(recorded)
    rows = repr(dump_database(url))
    for place in [folder, *gone]:
        assert str(place) not in rows, f"the metadata names the folder {place}"
    return (
        f"{built.artifacts} artifacts verified, then a batch run and "
        f"{2 * REQUEST_ROWS} served predictions added {len(recorded) - built.artifacts} more"
    )


def test_a_copied_workspace_reads_everything_without_the_original(
    trial: Trial, built: Built, run: Run, tmp_path: Path
) -> None:
    trial.tries(
        "copy a workspace (`cp -r`; with PostgreSQL also `pg_dump` | `pg_restore` into a new "
        "database), delete the original, use the copy"
    )
    with trial.attempt():
        original = _copy(built, tmp_path / "original")
        copy = _copy(
            Built(original, built.backend, built.maker, built.artifacts, built.predictions),
            tmp_path / "elsewhere" / "copy",
        )
        shutil.rmtree(original)
        found = _check(run, built, copy, [original], tmp_path)
    trial.lost(0)
    trial.found(f"{built.backend}: {found}")


def test_a_moved_workspace_reads_everything(
    trial: Trial, built: Built, run: Run, tmp_path: Path
) -> None:
    trial.tries("rename a workspace's folder, use it there")
    with trial.attempt():
        first = _copy(built, tmp_path / "first")
        moved = tmp_path / "renamed"
        first.rename(moved)
        found = _check(run, built, moved, [first], tmp_path)
    trial.lost(0)
    trial.found(f"{built.backend}: {found}")


def test_an_artifact_folder_moved_out_of_the_workspace(
    trial: Trial, built: Built, run: Run, tmp_path: Path
) -> None:
    trial.tries("move the artifact folder to another disk and point `driftline.toml` at it")
    with trial.attempt():
        folder = _copy(built, tmp_path / "ws")
        elsewhere = tmp_path / "disk2" / "driftline-artifacts"
        elsewhere.parent.mkdir()
        (folder / "artifacts").rename(elsewhere)
        _set(folder, "artifacts", str(elsewhere))
        found = _check(run, built, folder, [folder / "artifacts"], tmp_path)
    trial.lost(0)
    trial.found(f"{built.backend}: {found}")


def test_an_older_workspace_with_absolute_locations_still_moves(
    trial: Trial, built: Built, run: Run, tmp_path: Path
) -> None:
    trial.tries(
        "a workspace whose metadata recorded absolute `file://` locations (older driftline): "
        "move it, use it"
    )
    with trial.attempt():
        old = _copy(built, tmp_path / "old")
        root = (old / "artifacts").as_uri()
        url = _metadata_url(old)
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                rewritten = conn.execute(
                    sa.text(
                        "UPDATE driftline_artifact SET uri = :root || '/' || substr(uri, 10) "
                        "WHERE uri LIKE 'artifact:%'"
                    ),
                    {"root": root},
                ).rowcount
        finally:
            engine.dispose()
        assert rewritten == built.artifacts
        moved = tmp_path / "restored"
        old.rename(moved)
        with Workspace.open(moved) as ws:
            absolute = [a for a in ws.metadata.artifacts(ArtifactQuery()) if a.uri.startswith(root)]
            assert len(absolute) == built.artifacts
            for artifact in absolute:
                ws.artifacts.verify(artifact.uri, artifact.sha256)
        verified = _cli_json(run, moved, "verify")
        assert verified["failures"] == []
        assert verified["checked"] == built.artifacts
        size = sum(a.size for a in absolute)
    trial.lost(0)
    trial.found(
        f"{built.backend}: {built.artifacts} artifacts recorded as {root[:7]}… absolute URIs "
        f"({size:,} bytes) verified after the folder moved"
    )
