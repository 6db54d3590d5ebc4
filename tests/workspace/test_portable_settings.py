"""``driftline.toml`` names stores inside the workspace relative to it, so the folder can move."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftline.core.settings import SETTINGS_FILE, Settings, portable_url
from driftline.workspace import Workspace


def _store_lines(folder: Path) -> list[str]:
    text = (folder / SETTINGS_FILE).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith(("metadata", "artifacts"))]


def test_stores_given_inside_the_folder_are_recorded_relative_and_move_with_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ws"
    (folder / "db").mkdir(parents=True)
    with Workspace.init(
        folder,
        metadata_url=f"sqlite:///{folder / 'db' / 'meta.db'}",
        artifacts_url=f"file://{folder / 'blobs'}",
    ) as ws:
        obj = ws.artifacts.put_bytes("notes/a.txt", b"kept")
        ws.metadata.put_artifact(ws.new_artifact("file", obj, name="a"))
    assert _store_lines(folder) == ['metadata = "sqlite:///db/meta.db"', 'artifacts = "blobs"']
    moved = tmp_path / "moved"
    folder.rename(moved)
    with Workspace.open(moved) as ws:
        (found,) = ws.metadata.artifacts()
        assert found.uri == "artifact:notes/a.txt"
        assert ws.artifacts.read_bytes(found.uri, found.sha256) == b"kept"
        assert ws.settings.artifacts_url == str(moved / "blobs")
        assert ws.settings.metadata_url == f"sqlite:///{moved / 'db' / 'meta.db'}"


def test_relative_stores_given_at_init_are_read_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    with Workspace.init("ws", artifacts_url="elsewhere/artifacts") as ws:
        obj = ws.artifacts.put_bytes("a.bin", b"x")
    assert (tmp_path / "elsewhere" / "artifacts" / "a.bin").is_file()
    assert _store_lines(tmp_path / "ws") == [f'artifacts = "{tmp_path / "elsewhere/artifacts"}"']
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.artifacts.read_bytes(obj.uri, obj.sha256) == b"x"
    with Workspace.init("ws2", artifacts_url="ws2/artifacts"):
        pass
    assert _store_lines(tmp_path / "ws2") == ['artifacts = "artifacts"']


def test_the_defaults_record_no_path(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws"):
        pass
    assert _store_lines(tmp_path / "ws") == []
    settings = Settings.load(tmp_path / "ws")
    assert settings.artifacts_url == str(tmp_path / "ws" / "artifacts")


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("/srv/ws", "/srv/ws"),  # the folder itself is not inside it
        ("/srv/ws-other/artifacts", "/srv/ws-other/artifacts"),
        ("/srv/ws/a/../b", "b"),
        ("file:///srv/other", "file:///srv/other"),
    ],
)
def test_other_urls_are_recorded_as_given(url: str, recorded: str) -> None:
    assert portable_url(url, Path("/srv/ws")) == recorded
