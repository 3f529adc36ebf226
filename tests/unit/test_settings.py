"""Settings come from the environment and an optional TOML file; bad values fail by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jarvis.settings import Settings, SettingsError, load_settings
from models import Location


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
        ("JARVIS_LOCATION", "48.85"),
        ("JARVIS_LOCATION", "95,2.35"),
        ("JARVIS_LOCATION", "north,east"),
        ("JARVIS_EDGE_ALLOW", "192.168.1.0/33"),
        ("JARVIS_MISSION_TIME_LIMIT_S", "0"),
        ("JARVIS_MISSION_MEMORY_LIMIT_MB", "lots"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    """Each bad value fails at load with a message that starts with the variable's name."""
    with pytest.raises(SettingsError, match=rf"^{variable}"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), variable: value})


def test_worker_and_exposure_settings_are_read(tmp_path: Path) -> None:
    """Location, chromium, shared dirs, mission limits, wheel dir, token and networks load."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_LOCATION": "48.8566, 2.3522",
            "JARVIS_CHROMIUM": "/opt/chromium/chrome",
            "JARVIS_ALLOWED_DIRS": os.pathsep.join(["/srv/docs", str(tmp_path)]),
            "JARVIS_MISSION_TIME_LIMIT_S": "60",
            "JARVIS_MISSION_MEMORY_LIMIT_MB": "512",
            "JARVIS_WHEEL_DIR": str(tmp_path / "wheels"),
            "JARVIS_EDGE_TOKEN": "token-1234567890",
            "JARVIS_EDGE_ALLOW": "192.168.1.0/24, fd00::/8",
        }
    )
    assert settings.device_location == Location(lat=48.8566, lon=2.3522)
    assert settings.chromium == Path("/opt/chromium/chrome")
    assert settings.allowed_dirs == (Path("/srv/docs"), tmp_path)
    assert (settings.mission_time_limit_s, settings.mission_memory_limit_mb) == (60.0, 512)
    assert settings.wheel_dir == tmp_path / "wheels"
    assert settings.edge_token == "token-1234567890"
    assert settings.edge_allow == ("192.168.1.0/24", "fd00::/8")


def test_worker_settings_have_their_defaults(tmp_path: Path) -> None:
    """No location, the Debian chromium, no shared dirs, 300 s and 1024 MiB, online installs."""
    settings = load_settings({"JARVIS_DATA_DIR": str(tmp_path)})
    assert settings.device_location is None
    assert settings.chromium == Path("/usr/bin/chromium")
    assert settings.allowed_dirs == ()
    assert (settings.mission_time_limit_s, settings.mission_memory_limit_mb) == (300.0, 1024)
    assert (settings.wheel_dir, settings.edge_token, settings.edge_allow) == (None, None, ())


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


def test_the_cloud_reads_its_settings_like_the_edge(tmp_path: Path) -> None:
    """The cloud's own settings (bind address, mission lease, privacy distance, language model)
    come from variables or the TOML file like every other, and bad values name the variable."""
    (tmp_path / "config.toml").write_text(
        'mission_lease_s = 30\nllm_url = "http://127.0.0.1:9/v1"\n', encoding="utf-8"
    )
    settings = load_settings(
        {"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_PRIVACY_DISTANCE_KM": "7.5"}
    )
    assert (settings.mission_lease_s, settings.privacy_distance_km) == (30.0, 7.5)
    assert (settings.llm_url, settings.llm_model, settings.cloud_host) == (
        "http://127.0.0.1:9/v1",
        "gpt-4o-mini",
        "127.0.0.1",
    )
    with pytest.raises(SettingsError, match="JARVIS_LLM_URL"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_LLM_URL": "ftp://x"})
    with pytest.raises(SettingsError, match="JARVIS_PRIVACY_DISTANCE_KM"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_PRIVACY_DISTANCE_KM": "-1"})


def test_a_bad_value_in_the_config_file_names_its_key_and_file(tmp_path: Path) -> None:
    """A bad time zone written in config.toml is reported as that key of that file."""
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Mars/Olympus_Mons"\n')
    with pytest.raises(SettingsError, match=rf"^timezone in {config}: unknown time zone"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path)})


def test_a_bad_port_in_the_config_file_names_its_key(tmp_path: Path) -> None:
    """A port of the wrong type in config.toml names the key, not the environment variable."""
    (tmp_path / "config.toml").write_text('edge_port = "eighty"\n')
    with pytest.raises(SettingsError, match=r"^edge_port in .*config\.toml: 'eighty'"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path)})


def test_home_assistant_settings_are_read_and_checked(tmp_path: Path) -> None:
    """JARVIS_HA_URL and JARVIS_HA_TOKEN are read; a URL that is not http(s) is refused."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_HA_URL": "http://homeassistant.local:8123",
            "JARVIS_HA_TOKEN": "abc",
        }
    )
    assert (settings.ha_url, settings.ha_token) == ("http://homeassistant.local:8123", "abc")
    with pytest.raises(SettingsError, match="JARVIS_HA_URL"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_HA_URL": "homeassistant:8123"})
