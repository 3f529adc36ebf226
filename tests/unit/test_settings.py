"""Settings come from the environment and an optional TOML file; bad values fail by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from jarvis.settings import Settings, SettingsError, load_settings


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    """With only a data dir, every setting has its documented default."""
    settings = load_settings({"JARVIS_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert (settings.edge_host, settings.edge_port, settings.cloud_port) == (
        "127.0.0.1",
        8765,
        8766,
    )
    assert settings.database_url is None
    assert settings.device_name  # the host name


def test_environment_overrides_the_config_file(tmp_path: Path) -> None:
    """A TOML file sets values; an environment variable beats it."""
    (tmp_path / "config.toml").write_text('edge_port = 9000\ndevice_name = "kitchen pi"\n')
    settings = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_EDGE_PORT": "9100"})
    assert settings.edge_port == 9100
    assert settings.device_name == "kitchen pi"


def test_settings_are_frozen(tmp_path: Path) -> None:
    """Nobody can change a setting after start-up."""
    settings = load_settings({"JARVIS_DATA_DIR": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.edge_port = 1  # type: ignore[misc]
    assert isinstance(settings, Settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("JARVIS_EDGE_PORT", "eighty"),
        ("JARVIS_EDGE_PORT", "70000"),
        ("JARVIS_CLOUD_PORT", "-1"),
        ("JARVIS_TIMEZONE", "Mars/Olympus_Mons"),
        ("JARVIS_CLOUD_URL", "ftp://example"),
        ("JARVIS_LOG_LEVEL", "chatty"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    """Each bad value fails at load with a message that starts with the variable's name."""
    with pytest.raises(SettingsError, match=rf"^{variable}"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), variable: value})


def test_a_broken_config_file_is_reported(tmp_path: Path) -> None:
    """An unreadable TOML file and an unknown key both fail with the file's path."""
    config = tmp_path / "jarvis.toml"
    config.write_text("edge_port = [")
    environ = {"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_CONFIG": str(config)}
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(environ)
    config.write_text("edge_prot = 1\n")
    with pytest.raises(SettingsError, match="unknown setting"):
        load_settings(environ)


def test_a_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    """JARVIS_CONFIG pointing nowhere is a mistake, not something to ignore."""
    with pytest.raises(SettingsError, match=r"^JARVIS_CONFIG"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_CONFIG": str(tmp_path / "x")})
