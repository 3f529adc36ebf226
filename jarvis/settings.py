"""Settings: loaded once per process from environment variables and an optional TOML file.

Precedence: environment variable > TOML file > default. The TOML file is ``$JARVIS_CONFIG`` when
set, else ``config.toml`` in the data dir when it exists; its keys are the field names below
(``edge_port = 8765``). A bad value fails at start-up with a message naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from models.devices import Location
from models.errors import DecodeError
from models.settings import WakeSensitivity

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]


class SettingsError(ValueError):
    """A setting has a value Jarvis cannot use; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    """Where the edge keeps its database, models and profiles (and the embedded PostgreSQL)."""
    database_url: str | None = None
    """PostgreSQL DSN for the cloud; unset means an embedded server under the data dir."""
    cloud_url: str | None = None
    """Base URL of the cloud brain the edge connects to."""
    edge_host: str = "127.0.0.1"
    """Address the edge HTTP API binds; loopback unless you mean to expose it."""
    edge_port: Port = 8765
    """Port of the edge HTTP API (0 picks a free one)."""
    cloud_port: Port = 8766
    """Port of the cloud brain's HTTP API."""
    device_name: str = ""
    """A human name for this device ("kitchen pi"); defaults to the host name."""
    timezone: str | None = None
    """IANA time zone for time and date replies; unset means the system's zone."""
    voice: Literal["auto", "off"] = "auto"
    """``auto`` listens on the microphone when one exists and speaks replies; ``off``: text only."""
    stt_engine: Literal["auto", "vosk", "vosk-free", "whisper"] = "auto"
    """``auto``: vosk with the command grammar first, whisper when that is not a sure command."""
    vosk_model: Path | None = None
    whisper_model: Path | None = None
    """A faster-whisper model folder; unset means the installed package, then the data dir."""
    stt_language: str = "en"
    input_device: str | None = None
    """Microphone name (part of it) or index; unset means the default input device."""
    trailing_silence_ms: Annotated[int, msgspec.Meta(ge=100, le=5000)] = 600
    """Silence that ends an utterance, in milliseconds; too short cuts people off."""
    tts_engine: Literal["pyttsx3", "piper", "none"] = "pyttsx3"
    piper_voice: Path | None = None
    speak_to: Path | None = None
    """Write spoken replies into this WAV file instead of the sound device."""
    ptt_key: str | None = None
    """Push-to-talk: one character is a terminal key; a name like ``f8`` a desktop hotkey."""
    barge_in: bool = True
    """Talking while Jarvis speaks stops it (use headphones or echo cancellation)."""
    log_level: Literal["debug", "info", "warning", "error"] | None = None
    """Unset: warnings and errors on a console; `up`, `edge` and `cloud` log `info` as JSON."""
    log_format: Literal["auto", "json", "console"] = "auto"
    """``auto`` writes readable lines on a terminal and JSON lines otherwise."""
    worker: bool = True
    """Offer this device to the cloud as a mission worker; false: it only asks."""
    location: str | None = None
    """Where this device is, ``"lat,lon"`` in decimal degrees; the cloud routes by it."""
    chromium: Path = Path("/usr/bin/chromium")
    """The chromium executable browser missions drive."""
    allowed_dirs: tuple[Path, ...] = ()
    """Directories a mission may read files from (``os.pathsep``-separated in the variable)."""
    mission_time_limit_s: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    """Longest a Python mission's code may run, in seconds."""
    mission_memory_limit_mb: Annotated[int, msgspec.Meta(ge=16)] = 1024
    """Resident memory of a mission's whole process tree, in MiB."""
    wheel_dir: Path | None = None
    """A local directory of wheels: Python missions then install from it only, offline."""
    edge_token: str | None = None
    """Bearer token the edge HTTP API requires; needed when it binds beyond loopback."""
    edge_allow: tuple[str, ...] = ()
    """Client networks (CIDRs, comma-separated in the variable) the edge HTTP API admits."""
    retention_days: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    """How long the cloud keeps handled message ids, delivered messages and trace events."""
    cloud_host: str = "127.0.0.1"
    """Address the cloud brain binds (``jarvis cloud --host`` overrides it)."""
    mission_lease_s: Annotated[float, msgspec.Meta(gt=0)] = 15.0
    """A worker unheard for this long loses its mission to another (edges heartbeat every
    third of it, at most every 10 s)."""
    privacy_distance_km: Annotated[float, msgspec.Meta(gt=0)] = 50.0
    """Privacy actions on a device farther than this from the asker need a spoken yes."""
    llm_url: str | None = None
    """An OpenAI-compatible endpoint for the cloud's optional language-model planner."""
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    weather_url: str = "https://api.open-meteo.com"
    """Base URL of the Open-Meteo forecast API the cloud asks for the weather."""
    geocoding_url: str | None = None
    """Base URL of Open-Meteo's geocoding API (place names); unset: Open-Meteo's own for the
    public forecast API, the forecast server's for any other."""
    weather_ttl_s: Annotated[float, msgspec.Meta(gt=0)] = 1800.0
    """How long the cloud keeps a place's forecast before asking the provider again."""
    weather_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    """Longest one call to the weather provider may take."""
    alarm_snooze_min: Annotated[int, msgspec.Meta(ge=1, le=60)] = 10
    """Minutes a plain "snooze" puts a ringing alarm off."""
    alarm_ring_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 300.0
    """How long an unanswered alarm keeps ringing, in seconds, before it gives up."""
    holiday_country: Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{2}$")] = "US"
    """ISO 3166 country code whose holidays "how many days until …" counts to."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names (comma-separated in the variable) the edge and cloud HTTP APIs answer besides
    loopback ones and their bind address; any other ``Host`` gets 421 (DNS rebinding)."""
    edge_tls_cert: Path | None = None
    """A PEM certificate (chain): the edge API and console then serve HTTPS, which browsers
    need before they lend a page the microphone anywhere but on loopback."""
    edge_tls_key: Path | None = None
    """The certificate's PEM private key, when it is not in the certificate file."""
    ha_url: str | None = None
    """Home Assistant's base URL (``http://homeassistant.local:8123``); house commands are local
    only when it and ``ha_token`` are set (the cloud's device settings win over both)."""
    ha_token: str | None = None
    """A Home Assistant long-lived access token; never logged."""
    wyoming_uri: str | None = None
    """Serve Jarvis's speech-to-text, voice and understanding over the Wyoming protocol here
    (``tcp://127.0.0.1:10300``); unset: no Wyoming server."""
    wyoming_satellites: tuple[str, ...] = ()
    """Wyoming satellites (``tcp://kitchen-pi:10700``, comma-separated in the variable) whose
    microphones and speakers Jarvis uses; it keeps re-dialling each one."""
    learned_tier: bool = True
    """Load the learned understanding model (the edge's tier behind the templates, the cloud's
    second chance); false: the templates alone on the edge, no second chance in the cloud."""
    wake_word: str = "hey jarvis"
    """The phrase that wakes the microphone (or a trained wake word ``.npz``); ``none`` listens
    all the time. Push-to-talk never needs it."""
    wake_sensitivity: WakeSensitivity = "normal"
    """``high`` misses fewer phrases in the voices and rooms the wake word finds hard, and wakes
    falsely more often (thresholds the training chose for it, stored in the model)."""
    wake_companion: bool = True
    """For "hey jarvis", microWakeWord's detector also wakes Jarvis beside our heads: it hears
    voices ours misses (see ``assistant.audio.wake_companion``); false: our heads alone."""
    wake_check: bool = True
    """Where the wake word has a whisper check (``assistant.audio.wake_check``) and whisper
    tiny.en is installed, a step the detector half believes wakes Jarvis when whisper's encoder
    hears the phrase too: it hears voices the heads miss; false: the heads alone."""
    wake_slowed: bool = True
    """Where the detector nearly woke (it peaks at 0.9 or more under its threshold), the heads
    hear the last 2 s again slowed down (``assistant.audio.wake_slowed``): they learned the
    phrase from voices slower than people who say it quickly; false: they hear it once."""
    follow_up_s: Annotated[float, msgspec.Meta(ge=0, le=60)] = 5.0
    """After a reply, seconds a follow-up may be said without the wake word (0: none)."""
    noise_suppression: bool = False
    """For noisy rooms: WebRTC noise suppression and automatic gain before speech recognition,
    and whisper steered toward the grammar's phrases. Off by default: in a quiet room it costs
    whisper tiny.en ~8 points of right intents (see the README's figures)."""
    echo_cancellation: bool = True
    """Cancel Jarvis's own voice from the microphone (speex) so it can be talked over on
    loudspeakers; without a canceller, barge-in needs the push-to-talk key."""
    listen_to: Path | None = None
    """Hear this WAV file instead of the microphone (recordings, tests)."""
    edge_only: bool = False
    """Privacy: nothing is forwarded to the cloud; requests that need it are answered so."""

    @property
    def wake_phrase(self) -> str | None:
        """``wake_word``, or ``None`` when it is ``none`` (always listening)."""
        return None if self.wake_word.strip().lower() == "none" else self.wake_word.strip()

    @property
    def device_location(self) -> Location | None:
        """``location`` parsed (it was validated at load)."""
        return None if self.location is None else parse_location(self.location)


ENVIRONMENT: Mapping[str, str] = {
    "data_dir": "JARVIS_DATA_DIR",
    "database_url": "DATABASE_URL",
    "cloud_url": "JARVIS_CLOUD_URL",
    "edge_host": "JARVIS_EDGE_HOST",
    "edge_port": "JARVIS_EDGE_PORT",
    "cloud_port": "JARVIS_CLOUD_PORT",
    "device_name": "JARVIS_DEVICE_NAME",
    "timezone": "JARVIS_TIMEZONE",
    "voice": "JARVIS_VOICE",
    "stt_engine": "JARVIS_STT_ENGINE",
    "vosk_model": "JARVIS_VOSK_MODEL",
    "whisper_model": "JARVIS_WHISPER_MODEL",
    "stt_language": "JARVIS_STT_LANGUAGE",
    "input_device": "JARVIS_INPUT_DEVICE",
    "trailing_silence_ms": "JARVIS_TRAILING_SILENCE_MS",
    "tts_engine": "JARVIS_TTS_ENGINE",
    "piper_voice": "JARVIS_PIPER_VOICE",
    "speak_to": "JARVIS_SPEAK_TO",
    "ptt_key": "JARVIS_PTT_KEY",
    "barge_in": "JARVIS_BARGE_IN",
    "log_level": "JARVIS_LOG_LEVEL",
    "log_format": "JARVIS_LOG_FORMAT",
    "worker": "JARVIS_WORKER",
    "location": "JARVIS_LOCATION",
    "chromium": "JARVIS_CHROMIUM",
    "allowed_dirs": "JARVIS_ALLOWED_DIRS",
    "mission_time_limit_s": "JARVIS_MISSION_TIME_LIMIT_S",
    "mission_memory_limit_mb": "JARVIS_MISSION_MEMORY_LIMIT_MB",
    "wheel_dir": "JARVIS_WHEEL_DIR",
    "edge_token": "JARVIS_EDGE_TOKEN",
    "edge_allow": "JARVIS_EDGE_ALLOW",
    "retention_days": "JARVIS_RETENTION_DAYS",
    "cloud_host": "JARVIS_CLOUD_HOST",
    "mission_lease_s": "JARVIS_MISSION_LEASE_S",
    "privacy_distance_km": "JARVIS_PRIVACY_DISTANCE_KM",
    "llm_url": "JARVIS_LLM_URL",
    "llm_model": "JARVIS_LLM_MODEL",
    "llm_api_key": "JARVIS_LLM_API_KEY",
    "weather_url": "JARVIS_WEATHER_URL",
    "geocoding_url": "JARVIS_GEOCODING_URL",
    "weather_ttl_s": "JARVIS_WEATHER_TTL_S",
    "weather_timeout_s": "JARVIS_WEATHER_TIMEOUT_S",
    "alarm_snooze_min": "JARVIS_ALARM_SNOOZE_MIN",
    "alarm_ring_s": "JARVIS_ALARM_RING_S",
    "holiday_country": "JARVIS_HOLIDAY_COUNTRY",
    "allowed_hosts": "JARVIS_ALLOWED_HOSTS",
    "edge_tls_cert": "JARVIS_EDGE_TLS_CERT",
    "edge_tls_key": "JARVIS_EDGE_TLS_KEY",
    "ha_url": "JARVIS_HA_URL",
    "ha_token": "JARVIS_HA_TOKEN",
    "wyoming_uri": "JARVIS_WYOMING_URI",
    "wyoming_satellites": "JARVIS_WYOMING_SATELLITES",
    "learned_tier": "JARVIS_LEARNED_TIER",
    "wake_word": "JARVIS_WAKE_WORD",
    "wake_sensitivity": "JARVIS_WAKE_SENSITIVITY",
    "wake_companion": "JARVIS_WAKE_COMPANION",
    "wake_check": "JARVIS_WAKE_CHECK",
    "wake_slowed": "JARVIS_WAKE_SLOWED",
    "follow_up_s": "JARVIS_FOLLOW_UP_S",
    "edge_only": "JARVIS_EDGE_ONLY",
    "listen_to": "JARVIS_LISTEN_TO",
    "noise_suppression": "JARVIS_NOISE_SUPPRESSION",
    "echo_cancellation": "JARVIS_ECHO_CANCELLATION",
}
LIST_SEPARATORS: Mapping[str, str] = {
    "allowed_dirs": os.pathsep,
    "edge_allow": ",",
    "allowed_hosts": ",",
    "wyoming_satellites": ",",
}
"""Settings that hold a list: how their environment variable separates the items."""
CONFIG_FILE_VARIABLE = "JARVIS_CONFIG"
DEFAULT_DATA_DIR = Path("~/.local/share/jarvis")

_FIELD_AT = re.compile(r"at `\$\.(\w+)`")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings for this process; raises SettingsError naming the bad variable."""
    environ = os.environ if environ is None else environ
    from_env: dict[str, Any] = {
        field: environ[var] for field, var in ENVIRONMENT.items() if environ.get(var)
    }
    for field, separator in LIST_SEPARATORS.items():
        if field in from_env:
            items = (item.strip() for item in from_env[field].split(separator))
            from_env[field] = [item for item in items if item]
    data_dir = Path(from_env.get("data_dir", str(DEFAULT_DATA_DIR))).expanduser()
    from_file = _read_config_file(environ, data_dir)
    values: dict[str, Any] = {**from_file, **from_env}
    values.setdefault("data_dir", str(data_dir))
    name = _namer(set(from_file) - set(from_env), _config_path(environ, data_dir))
    try:
        settings = msgspec.convert(values, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as error:
        raise SettingsError(_explain(error, values, name)) from None
    return _checked(settings, name)


def setting_name(field: str, environ: Mapping[str, str] | None = None) -> str:
    """How the user wrote ``field``: ``timezone in /path/config.toml`` when the config file set
    it and no variable overrides it, else its environment variable (``JARVIS_TIMEZONE``)."""
    environ = os.environ if environ is None else environ
    data_dir = Path(environ.get(ENVIRONMENT["data_dir"]) or DEFAULT_DATA_DIR).expanduser()
    path = _config_path(environ, data_dir)
    try:
        in_file = set(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        in_file = set()
    from_env = {key for key, var in ENVIRONMENT.items() if environ.get(var)}
    return _namer(in_file - from_env, path)(field)


def _namer(file_only: set[str], path: Path) -> Callable[[str], str]:
    def name(field: str) -> str:
        return f"{field} in {path}" if field in file_only else ENVIRONMENT.get(field, field)

    return name


def _config_path(environ: Mapping[str, str], data_dir: Path) -> Path:
    explicit = environ.get(CONFIG_FILE_VARIABLE)
    return Path(explicit).expanduser() if explicit else data_dir / "config.toml"


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with some fields replaced (a command-line option), checked again."""
    return _checked(
        msgspec.structs.replace(settings, **changes), lambda field: ENVIRONMENT.get(field, field)
    )


def _decode_path(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser()
    raise NotImplementedError(kind)


def _read_config_file(environ: Mapping[str, str], data_dir: Path) -> dict[str, Any]:
    explicit = environ.get(CONFIG_FILE_VARIABLE)
    path = _config_path(environ, data_dir)
    if not path.exists():
        if explicit:
            raise SettingsError(f"{CONFIG_FILE_VARIABLE}: the file {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot read the configuration file ({error})") from None
    unknown = sorted(set(data) - set(ENVIRONMENT))
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return data


def _explain(
    error: msgspec.ValidationError, values: Mapping[str, Any], name: Callable[[str], str]
) -> str:
    match = _FIELD_AT.search(str(error))
    if match is None:
        return str(error)
    field = match.group(1)
    problem = _FIELD_AT.sub("", str(error)).rstrip(" -")
    return f"{name(field)}: {values.get(field)!r} is not valid: {problem}"


def _checked(settings: Settings, name: Callable[[str], str]) -> Settings:
    if settings.timezone is not None:
        try:
            zoneinfo.ZoneInfo(settings.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"{name('timezone')}: unknown time zone {settings.timezone!r}"
            ) from None
    for field in ("cloud_url", "llm_url", "weather_url", "geocoding_url", "ha_url"):
        url = getattr(settings, field)
        if url is not None and not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name(field)}: expected an http(s) URL, got {url!r}")
    if settings.wyoming_uri is not None and not settings.wyoming_uri.startswith(
        ("tcp://", "unix://")
    ):
        raise SettingsError(
            f"{name('wyoming_uri')}: expected tcp://HOST:PORT or unix://PATH, "
            f"got {settings.wyoming_uri!r}"
        )
    for satellite in settings.wyoming_satellites:
        if not satellite.startswith(("tcp://", "unix://")):
            raise SettingsError(
                f"{name('wyoming_satellites')}: expected tcp://HOST:PORT, got {satellite!r}"
            )
    if settings.location is not None:
        try:
            parse_location(settings.location)
        except ValueError as error:
            raise SettingsError(f"{name('location')}: {error}") from None
    for network in settings.edge_allow:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name('edge_allow')}: {network!r} is not a network such as 192.168.1.0/24"
            ) from None
    if settings.edge_token is not None and not settings.edge_token.strip():
        raise SettingsError(f"{name('edge_token')}: the token must not be blank")
    if not settings.wake_word.strip():
        raise SettingsError(f"{name('wake_word')}: give a phrase, a .npz path or none")
    if not settings.device_name:
        settings = msgspec.structs.replace(settings, device_name=socket.gethostname())
    return settings


def parse_location(text: str) -> Location:
    """``"48.8566,2.3522"`` → a Location; ValueError saying what is wrong otherwise."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(f"expected 'lat,lon' in decimal degrees, got {text!r}")
    try:
        lat, lon = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"expected 'lat,lon' in decimal degrees, got {text!r}") from None
    try:
        return Location(lat=lat, lon=lon)
    except DecodeError as error:
        raise ValueError(f"{error.field} {error.problem}") from None
