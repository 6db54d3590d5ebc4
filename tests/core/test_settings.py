from pathlib import Path

import pytest

from driftline.core.errors import ConfigError
from driftline.core.settings import SETTINGS_FILE, Settings


def test_defaults_live_in_the_workspace_folder(tmp_path: Path) -> None:
    s = Settings.load(tmp_path)
    assert s.workspace == tmp_path
    assert s.metadata_url == f"sqlite:///{tmp_path / 'metadata.db'}"
    assert s.artifacts_url == str(tmp_path / "artifacts")
    assert s.sources["metadata_url"] == "default"


def test_environment_chooses_the_workspace_when_no_argument(tmp_path: Path) -> None:
    s = Settings.load(env={"DRIFTLINE_WORKSPACE": str(tmp_path / "ws")})
    assert s.workspace == tmp_path / "ws"


def test_argument_wins_over_environment_workspace(tmp_path: Path) -> None:
    s = Settings.load(tmp_path / "a", env={"DRIFTLINE_WORKSPACE": str(tmp_path / "b")})
    assert s.workspace == tmp_path / "a"


def test_library_call_reads_no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTLINE_METADATA_URL", "postgresql+psycopg://x@h/db")
    assert Settings.load(tmp_path).metadata_url.startswith("sqlite:///")


def test_file_values_are_relative_to_the_workspace(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        '[store]\nmetadata = "sqlite:///meta/x.db"\nartifacts = "blobs"\n'
    )
    s = Settings.load(tmp_path)
    assert s.metadata_url == f"sqlite:///{tmp_path / 'meta/x.db'}"
    assert s.artifacts_url == str(tmp_path / "blobs")
    assert s.sources["artifacts_url"].endswith(SETTINGS_FILE)


def test_environment_wins_over_file(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text('[store]\nartifacts = "s3://from-file"\n')
    s = Settings.load(tmp_path, env={"DRIFTLINE_ARTIFACTS_URL": "s3://from-env/p"})
    assert s.artifacts_url == "s3://from-env/p"
    assert s.sources["artifacts_url"] == "DRIFTLINE_ARTIFACTS_URL"


def test_absolute_and_remote_values_are_kept(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        '[store]\nmetadata = "postgresql+psycopg://u:p@h:5432/d"\nartifacts = "file:///srv/a"\n'
    )
    s = Settings.load(tmp_path)
    assert s.metadata_url == "postgresql+psycopg://u:p@h:5432/d"
    assert s.artifacts_url == "/srv/a"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[store\n", "not valid TOML"),
        ("[stor]\nmetadata='x'\n", "unknown section [stor]"),
        ("[store]\nmetadta='x'\n", "unknown key store.metadta"),
        ("[store]\nmetadata=3\n", "store.metadata must be a non-empty string"),
        ("[store]\nartifacts=''\n", "store.artifacts must be a non-empty string"),
        ("store = 1\n", "[store] must be a table"),
    ],
)
def test_bad_settings_file_names_the_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / SETTINGS_FILE).write_text(text)
    with pytest.raises(ConfigError) as info:
        Settings.load(tmp_path)
    assert fragment in str(info.value)
    assert str(tmp_path / SETTINGS_FILE) in str(info.value)


def test_settings_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_bytes(b"[store]\nmetadata = '\xff\xfe'\n")
    with pytest.raises(ConfigError, match=r"not UTF-8|not valid TOML"):
        Settings.load(tmp_path)


def test_unknown_driftline_variable_is_a_warning_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driftline.core import settings as module

    module._warned.discard("DRIFTLINE_METADATA_UR")
    env = {"DRIFTLINE_METADATA_UR": "x", "DRIFTLINE_FOO": "1"}
    module._warned.discard("DRIFTLINE_FOO")
    first = Settings.load(tmp_path, env=env)
    Settings.load(tmp_path, env=env)
    err = capsys.readouterr().err
    assert first.metadata_url == Settings.defaults(tmp_path).metadata_url
    assert err.count("DRIFTLINE_METADATA_UR ") == 1, err
    assert "did you mean DRIFTLINE_METADATA_URL?" in err
    assert err.count("DRIFTLINE_FOO") == 1
    assert "DRIFTLINE_WORKSPACE" in err


def test_env_only_workspace_needs_both_urls_and_no_file(tmp_path: Path) -> None:
    env = {"DRIFTLINE_METADATA_URL": "sqlite:////x/m.db", "DRIFTLINE_ARTIFACTS_URL": "s3://b/p"}
    assert Settings.load(tmp_path / "none", env=env).from_env
    assert not Settings.load(tmp_path / "none", env={"DRIFTLINE_ARTIFACTS_URL": "s3://b"}).from_env
    (tmp_path / SETTINGS_FILE).write_text("[store]\n", encoding="utf-8")
    assert not Settings.load(tmp_path, env=env).from_env


def test_server_tokens_exported_do_not_break_other_commands(tmp_path: Path) -> None:
    """``driftline serve`` reads its tokens from the environment; every command must accept them."""
    env = {"DRIFTLINE_FEEDBACK_TOKEN": "labels", "DRIFTLINE_SERVE_TOKEN": "admin"}
    assert Settings.load(tmp_path, env=env).workspace == tmp_path


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_debug_flag(tmp_path: Path, value: str, expected: bool) -> None:
    assert Settings.load(tmp_path, env={"DRIFTLINE_DEBUG": value}).debug is expected
