"""A real Home Assistant on loopback, for tests and benchmarks. Not used in production.

Home Assistant's pins clash with ours, so it gets its own virtual environment, built with uv and
cached under ``~/.cache/jarvis-tests/`` keyed by a hash of the pins (seconds the first time, free
after). :func:`write_configuration` writes a small house (kitchen lights, a living room lamp, a
bedroom fan, a garage door); :class:`HassProcess` starts ``hass --skip-pip`` on it, and
:func:`onboard` gets a long-lived token without a person. Rooms and aliases are set through the
WebSocket registries, as the UI would (YAML cannot make areas).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from assistant.errors import HomeAssistantError
from assistant.home_assistant import websocket_commands

HASS_VERSION = "2024.3.3"
"""The last Home Assistant that installs for Python 3.11."""
PINS: tuple[str, ...] = (
    f"homeassistant=={HASS_VERSION}",
    # Without these Home Assistant tries pip at start-up, offline, and falls into recovery mode.
    "aiohttp_cors==0.7.0",
    "Pillow==10.2.0",
    "hassil==1.6.1",
    "home-assistant-intents==2024.3.12",
    "home-assistant-frontend==20240307.0",
    "securetar==2024.2.1",
    "psutil-home-assistant==0.0.1",
    "ifaddr==0.2.0",
    "janus==1.0.0",
    "SQLAlchemy==2.0.27",
    "fnv-hash-fast==0.5.0",
    "josepy<2",
    # The assist pipeline and its Wyoming integration.
    "wyoming==1.5.3",
    "webrtc-noise-gain==1.2.3",
    "mutagen==1.47.0",
    "ha-ffmpeg==3.1.0",
    "zeroconf==0.131.0",
)
CACHE_DIR = Path(os.environ.get("JARVIS_TEST_CACHE", "~/.cache/jarvis-tests")).expanduser()
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 10.0
CLIENT_ID_PATH = "/"

ENTITIES: dict[str, tuple[str, list[str]]] = {
    # entity id: (area, aliases)
    "light.kitchen_ceiling_light": ("kitchen", []),
    "light.kitchen_counter_light": ("kitchen", []),
    "light.living_room_lamp": ("living_room", ["reading lamp"]),
    "fan.bedroom_fan": ("bedroom", []),
    "cover.garage_door": ("garage", []),
}
AREAS = {
    "kitchen": "Kitchen",
    "living_room": "Living Room",
    "bedroom": "Bedroom",
    "garage": "Garage",
}


class HassError(RuntimeError):
    """Home Assistant could not be built, started or onboarded; the message says which."""


def hass_venv(cache_dir: Path = CACHE_DIR) -> Path:
    """Home Assistant's own virtual environment, built once per set of pins."""
    return cached_venv("hass", PINS, "hass", cache_dir)


def cached_venv(
    prefix: str, pins: tuple[str, ...], script: str, cache_dir: Path = CACHE_DIR
) -> Path:
    """A virtual environment holding ``pins``, built with uv once per set of pins (and Python
    version) under ``cache_dir``; ``script`` is a program it must hold once complete."""
    key = hashlib.sha256("\n".join((sys.version.split()[0], *pins)).encode()).hexdigest()[:16]
    venv = cache_dir / f"{prefix}-{key}"
    if (venv / "bin" / script).exists():
        return venv
    uv = _find_uv()
    if uv is None:
        raise HassError(f"uv is needed to build the {prefix} environment (pip install uv)")
    building = cache_dir / f"{prefix}-{key}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    for command in (
        [uv, "venv", "--quiet", "--python", python, str(building)],
        [uv, "pip", "install", "--quiet", *pins],
    ):
        done = subprocess.run(
            command,
            env={**os.environ, "VIRTUAL_ENV": str(building)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise HassError(f"{' '.join(command[:3])} failed: {done.stderr[-2000:]}")
    try:
        building.rename(venv)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # another session finished first
        return venv
    # Scripts hold the absolute path of their interpreter: point them at the final place.
    _fix_shebangs(building, venv)
    return venv


def _find_uv() -> str | None:
    """uv on PATH, or where ``pip install uv`` put it (the Justfile installs it that way)."""
    places = [Path(sys.base_prefix) / "bin" / "uv", Path("~/.local/bin/uv").expanduser()]
    return shutil.which("uv") or next((str(p) for p in places if p.is_file()), None)


def _fix_shebangs(old: Path, new: Path) -> None:
    for script in (new / "bin").iterdir():
        if not script.is_file() or script.is_symlink():
            continue
        try:
            text = script.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if str(old) in text:
            script.write_text(text.replace(str(old), str(new)), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _template_light(key: str, name: str) -> str:
    return f"""      {key}:
        unique_id: {key}
        friendly_name: "{name}"
        value_template: "{{{{ is_state('input_boolean.{key}', 'on') }}}}"
        level_template: "{{{{ states('input_number.{key}_level') | int(0) }}}}"
        turn_on:
          service: input_boolean.turn_on
          target: {{entity_id: input_boolean.{key}}}
        turn_off:
          service: input_boolean.turn_off
          target: {{entity_id: input_boolean.{key}}}
        set_level:
          - service: input_number.set_value
            target: {{entity_id: input_number.{key}_level}}
            data: {{value: "{{{{ brightness }}}}"}}
          - service: input_boolean.turn_on
            target: {{entity_id: input_boolean.{key}}}
"""


LIGHTS = {
    "kitchen_ceiling_light": "Kitchen ceiling light",
    "kitchen_counter_light": "Kitchen counter light",
    "living_room_lamp": "Living room lamp",
}


def write_configuration(config_dir: Path, port: int) -> None:
    """A small house on ``127.0.0.1:port``: lights, a fan and a garage door, all template
    entities backed by helpers, so every service call really changes a state."""
    config_dir.mkdir(parents=True, exist_ok=True)
    booleans = "".join(
        f"  {key}:\n    name: {key} power\n    initial: true\n" for key in LIGHTS
    ) + (
        "  bedroom_fan:\n    name: bedroom fan power\n    initial: false\n"
        "  garage_door:\n    name: garage door open\n    initial: false\n"
    )
    numbers = "".join(
        f"  {key}_level:\n    name: {key} level\n    min: 0\n    max: 255\n    initial: 255\n"
        for key in LIGHTS
    )
    lights = "".join(_template_light(key, name) for key, name in LIGHTS.items())
    (config_dir / "configuration.yaml").write_text(
        f"""homeassistant:
  name: Test house
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
websocket_api:
onboarding:
config:
conversation:
assist_pipeline:
input_boolean:
{booleans}input_number:
{numbers}light:
  - platform: template
    lights:
{lights}fan:
  - platform: template
    fans:
      bedroom_fan:
        unique_id: bedroom_fan
        friendly_name: "Bedroom fan"
        value_template: "{{{{ states('input_boolean.bedroom_fan') }}}}"
        turn_on:
          service: input_boolean.turn_on
          target: {{entity_id: input_boolean.bedroom_fan}}
        turn_off:
          service: input_boolean.turn_off
          target: {{entity_id: input_boolean.bedroom_fan}}
cover:
  - platform: template
    covers:
      garage_door:
        unique_id: garage_door
        friendly_name: "Garage door"
        device_class: garage
        value_template: "{{{{ is_state('input_boolean.garage_door', 'on') }}}}"
        open_cover:
          service: input_boolean.turn_on
          target: {{entity_id: input_boolean.garage_door}}
        close_cover:
          service: input_boolean.turn_off
          target: {{entity_id: input_boolean.garage_door}}
""",
        encoding="utf-8",
    )


@dataclass
class HassProcess:
    """``hass -c CONFIG_DIR --skip-pip`` on loopback; :meth:`start` waits until ``/api/``
    answers, :meth:`stop` ends it with SIGTERM (Home Assistant's own clean shutdown)."""

    venv: Path
    config_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.config_dir / "hass-stdout.log"

    async def start(self) -> None:
        self._launch()
        await self._wait_ready()

    def _launch(self) -> None:
        # A plain Popen, not asyncio's: a session fixture starts and stops it in different loops.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.venv / "bin" / "hass"), "-c", str(self.config_dir), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise HassError(f"hass exited with {self.process.returncode}: {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(
                        f"{self.url}/api/onboarding", timeout=aiohttp.ClientTimeout(total=2)
                    ) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise HassError(f"Home Assistant did not answer within {START_TIMEOUT_S} s: {self.tail()}")

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        return ""

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, STOP_TIMEOUT_S)


@dataclass
class House:
    """A running Home Assistant and a long-lived token for it."""

    process: HassProcess
    token: str

    @property
    def url(self) -> str:
        return self.process.url


async def onboard(url: str) -> str:
    """A long-lived access token: the onboarding user, an auth code, an access token, then the
    WebSocket ``auth/long_lived_access_token``. Onboarding's ``core_config`` step is skipped: it
    would add integrations that reach the internet."""
    client_id = f"{url}{CLIENT_ID_PATH}"
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        user = {
            "client_id": client_id,
            "name": "Test",
            "username": "test",
            "password": "test-password-1234",
            "language": "en",
        }
        async with session.post(f"{url}/api/onboarding/users", json=user) as response:
            if response.status != 200:
                raise HassError(f"onboarding refused: {response.status} {await response.text()}")
            code = (await response.json())["auth_code"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
        async with session.post(f"{url}/auth/token", data=form) as response:
            access = (await response.json())["access_token"]
        result = await websocket_call(
            session,
            url,
            access,
            {"type": "auth/long_lived_access_token", "client_name": "jarvis", "lifespan": 365},
        )
        return str(result)


async def websocket_call(
    session: aiohttp.ClientSession, url: str, token: str, *commands: dict[str, Any]
) -> Any:
    """Runs ``commands`` in order on one authenticated WebSocket; the last one's result."""
    try:
        results = await websocket_commands(session, url, token, commands)
    except HomeAssistantError as error:
        raise HassError(str(error)) from error
    return results[-1] if results else None


async def furnish(url: str, token: str) -> None:
    """Puts every entity of :data:`ENTITIES` in its room, with its aliases."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as s:
        existing = await websocket_call(s, url, token, {"type": "config/area_registry/list"})
        have = {area["area_id"] for area in existing}
        create = [
            {"type": "config/area_registry/create", "name": name}
            for key, name in AREAS.items()
            if key not in have
        ]
        updates = [
            {
                "type": "config/entity_registry/update",
                "entity_id": entity_id,
                "area_id": area,
                "aliases": aliases,
            }
            for entity_id, (area, aliases) in ENTITIES.items()
        ]
        await websocket_call(s, url, token, *create, *updates)


async def states(url: str, token: str) -> dict[str, str]:
    """Every entity's state, by entity id."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as session,
        session.get(f"{url}/api/states", headers=headers) as response,
    ):
        response.raise_for_status()
        return {item["entity_id"]: item["state"] for item in await response.json()}


async def state_becomes(
    url: str, token: str, entity_id: str, wanted: str, timeout_s: float = 10.0
) -> str:
    """The entity's state once it is ``wanted``, or its last state after ``timeout_s``: a
    template light follows its backing entity a moment after the service call returns."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        found = (await states(url, token))[entity_id]
        if found == wanted or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.1)


async def call_service(url: str, token: str, domain: str, service: str, **data: Any) -> None:
    """Sets the house up for a test (``light.turn_on`` …)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as session,
        session.post(
            f"{url}/api/services/{domain}/{service}", headers=headers, json=data
        ) as response,
    ):
        response.raise_for_status()


async def add_wyoming(url: str, token: str, host: str, port: int) -> str:
    """Adds a Wyoming service through Home Assistant's config flow, as a person would in the
    UI; the config entry's id."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S), headers=headers
    ) as session:
        async with session.post(
            f"{url}/api/config/config_entries/flow", json={"handler": "wyoming"}
        ) as response:
            flow = await response.json()
        async with session.post(
            f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
            json={"host": host, "port": port},
        ) as response:
            done = await response.json()
    if done.get("type") != "create_entry":
        raise HassError(f"the Wyoming config flow did not finish: {done}")
    return str(done["result"]["entry_id"])


async def remove_config_entry(url: str, token: str, entry_id: str) -> None:
    """Removes an integration's config entry (and its entities), as the UI's Delete does."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as session,
        session.delete(
            f"{url}/api/config/config_entries/entry/{entry_id}", headers=headers
        ) as response,
    ):
        response.raise_for_status()


async def entities_of(url: str, token: str, entry_id: str) -> list[str]:
    """The entity ids a config entry made (``stt.…``, ``wake_word.…``), from the registry."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as s:
        listed = await websocket_call(s, url, token, {"type": "config/entity_registry/list"})
    return sorted(e["entity_id"] for e in listed if e.get("config_entry_id") == entry_id)


async def create_pipeline(
    url: str,
    token: str,
    stt_engine: str,
    name: str,
    *,
    wake_word_entity: str | None = None,
    wake_word_id: str | None = None,
) -> str:
    """An assist pipeline: ``stt_engine`` for speech, Home Assistant's own agent for intents,
    and a wake word entity (a model of it) when given."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as s:
        created = await websocket_call(
            s,
            url,
            token,
            {
                "type": "assist_pipeline/pipeline/create",
                "name": name,
                "language": "en",
                "conversation_engine": "homeassistant",
                "conversation_language": "en",
                "stt_engine": stt_engine,
                "stt_language": "en",
                "tts_engine": None,
                "tts_language": None,
                "tts_voice": None,
                "wake_word_entity": wake_word_entity,
                "wake_word_id": wake_word_id,
            },
        )
    return str(created["id"])


async def run_pipeline(
    url: str,
    token: str,
    pipeline_id: str,
    pcm: bytes,
    chunk_bytes: int = 3200,
    *,
    start_stage: str = "stt",
    real_time: bool = False,
) -> list[dict[str, Any]]:
    """Runs ``assist_pipeline/run`` from ``start_stage`` (speech, or the wake word) to intent
    on 16 kHz mono int16 ``pcm``, sent as binary WebSocket messages (``real_time``: paced as a
    microphone would send them, so the wake word is heard before the command has all arrived);
    the pipeline's events, up to ``run-end``, each with ``at`` (``time.perf_counter()`` on
    receipt), and an ``audio-sent`` event when the audio ended."""
    events: list[dict[str, Any]] = []
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
        session.ws_connect(f"{url}/api/websocket") as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise HassError("WebSocket authentication refused")
        await ws.send_json(
            {
                "id": 1,
                "type": "assist_pipeline/run",
                "pipeline": pipeline_id,
                "start_stage": start_stage,
                "end_stage": "intent",
                "input": {"sample_rate": 16000},
            }
        )
        handler: int | None = None
        while True:
            message = await ws.receive_json()
            if message.get("type") == "result":
                if not message.get("success"):
                    raise HassError(f"assist_pipeline/run refused: {message.get('error')}")
                continue
            event = {**(message.get("event") or {}), "at": time.perf_counter()}
            events.append(event)
            if event.get("type") == "run-start":
                handler = event["data"]["runner_data"]["stt_binary_handler_id"]
                prefix = bytes([handler])
                for offset in range(0, len(pcm), chunk_bytes):
                    await ws.send_bytes(prefix + pcm[offset : offset + chunk_bytes])
                    if real_time:
                        await asyncio.sleep(chunk_bytes / (2 * 16000))
                await ws.send_bytes(prefix)  # the end of the audio
                events.append({"type": "audio-sent", "at": time.perf_counter()})
            if event.get("type") in ("run-end", "error"):
                return events
