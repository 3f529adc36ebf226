"""The edge process, wired by hand: database, skills, conversation, cloud link, HTTP API."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import ssl
import sys
import zoneinfo
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol, TypeVar

import aiosqlite
import structlog
import tzlocal
from aiohttp import web

from assistant.audio.microphone import Microphone, input_devices
from assistant.cloud_link import CloudLink, EdgeOnlyLink, NoCloudLink
from assistant.console.cloud_client import ConsoleCloud
from assistant.console.routes import ConsoleParts, add_console
from assistant.console.talk import TalkEngines
from assistant.conversation import Conversation, Identity
from assistant.credentials import device_id_of, read_token, token_path
from assistant.database import open_database
from assistant.device_config import ConfigCache
from assistant.edge_link import EdgeLink
from assistant.edge_tls import tls_context
from assistant.errors import EdgeSetupError, NoInputDeviceError
from assistant.event_log import EventLog
from assistant.events import ReplyBus
from assistant.history import History
from assistant.http_api import create_api
from assistant.http_auth import AccessPolicy, access_policy, is_loopback
from assistant.listening import ListeningState, MutableSource
from assistant.microphone_plug import (
    can_be_plugged_in,
    microphone_plugged_in,
    open_mutable_microphone,
)
from assistant.missions import MissionRunner
from assistant.missions.browser_runner import BrowserRunner, BrowserRunnerConfig
from assistant.missions.privacy import (
    PrivacyRunner,
    PrivacyRunnerConfig,
    ScreenCapturer,
    find_screen_capturer,
)
from assistant.missions.python_env import VenvTools, find_uv
from assistant.missions.python_runner import PythonRunner, PythonRunnerConfig
from assistant.mute_store import MuteStore
from assistant.outbox import Inbox, Outbox
from assistant.phrase_book import PhraseBook
from assistant.platform import PlatformAdapters, discover
from assistant.reply_printer import print_replies
from assistant.skills import AlarmSettings, Skills
from assistant.skills.home import CACHE_FILE as HOME_CACHE_FILE
from assistant.skills.home import HomeSkill, config_from
from assistant.skills.phrases import PhraseSkill
from assistant.speaker_plug import speaker_plugged_in
from assistant.understander import APP_INTENTS, Understander
from assistant.voice_loop import VoiceLoop, VoiceOptions
from assistant.weather_cache import WeatherCache
from assistant.worker import Worker
from jarvis.http_guard import allowed_hosts, runner_options
from jarvis.logs import traced
from jarvis.ports import cannot_listen
from jarvis.settings import Settings
from models import Device, MissionKind, Reply, new_id
from models.device_intents import intent_capabilities

log = structlog.get_logger(__name__)

DEVICE_ID_FILE = "device_id"


def local_device_id(data_dir: Path) -> str:
    """The id of an edge that has no cloud token: made once and kept in the data dir."""
    path = data_dir / DEVICE_ID_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = new_id()
    # Written aside and renamed, so a crash never leaves an empty id behind.
    partial = path.with_suffix(".partial")
    partial.write_text(value, encoding="utf-8")
    os.replace(partial, path)
    return value


def local_timezone(settings: Settings) -> tzinfo:
    if settings.timezone:
        return zoneinfo.ZoneInfo(settings.timezone)
    return tzlocal.get_localzone()


def jarvis_version() -> str:
    try:
        return version("jarvis-assistant")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class MissionFacilities:
    """What this device has for missions, found once at start-up."""

    uv: Path | None = None
    venv: bool = False
    """The standard library's venv can make environments with pip (ensurepip is there)."""
    chromium: Path | None = None
    """The configured chromium, when it exists and can be run, and playwright is installed to
    drive it (it is imported only at the first browser step)."""
    microphone: bool = False
    screen: ScreenCapturer | None = None
    allowed_dirs: tuple[Path, ...] = ()


async def find_facilities(settings: Settings) -> MissionFacilities:
    """What this device offers for missions: nothing when it is not a worker."""
    if not settings.worker:
        return MissionFacilities()
    chromium = settings.chromium
    drivable = importlib.util.find_spec("playwright") is not None
    return MissionFacilities(
        uv=find_uv(),
        venv=importlib.util.find_spec("ensurepip") is not None,
        chromium=chromium
        if drivable and os.access(chromium, os.X_OK) and chromium.is_file()
        else None,
        microphone=await asyncio.to_thread(_has_microphone),
        screen=find_screen_capturer(),
        allowed_dirs=settings.allowed_dirs,
    )


def _has_microphone() -> bool:
    try:
        return bool(input_devices())
    except NoInputDeviceError:
        return False


def capabilities(
    adapters: PlatformAdapters, facilities: MissionFacilities | None = None
) -> frozenset[str]:
    """What this device can do for a mission or a command from another device."""
    found = {"local_intents", "timers", "notes"}
    # Which intents the cloud's second chance may send back here (models.device_intents).
    found.update(intent_capabilities(Skills.HANDLED))
    for name in ("volume", "media", "keyboard"):
        if getattr(adapters, name) is not None:
            found.add(name)
    facilities = facilities or MissionFacilities()
    offered = {
        "python": facilities.uv is not None or facilities.venv,
        "browser": facilities.chromium is not None,
        "microphone": facilities.microphone,
        "files": bool(facilities.allowed_dirs),
        "screen": facilities.screen is not None,
        # "camera" waits for a real camera adapter: none exists yet.
    }
    found.update(name for name, present in offered.items() if present)
    return frozenset(found)


def mission_runners(
    settings: Settings, facilities: MissionFacilities
) -> dict[MissionKind, MissionRunner]:
    """One runner per kind this device can run; built here, started lazily by each runner."""
    missions_dir = settings.data_dir / "missions"
    runners: dict[MissionKind, MissionRunner] = {}
    if facilities.uv is not None or facilities.venv:
        tools = VenvTools(
            python=Path(sys.executable),
            uv=facilities.uv,
            find_links=settings.wheel_dir,
            offline=settings.wheel_dir is not None,
        )
        runners[MissionKind.PYTHON] = PythonRunner(
            PythonRunnerConfig(
                tools=tools,
                work_root=missions_dir / "python",
                time_limit_s=settings.mission_time_limit_s,
                memory_limit_bytes=settings.mission_memory_limit_mb * 1024 * 1024,
            )
        )
    if facilities.chromium is not None:
        runners[MissionKind.BROWSER] = BrowserRunner(
            BrowserRunnerConfig(
                profile_dir=settings.data_dir / "browser-profile",
                data_dir=missions_dir,
                executable_path=facilities.chromium,
            )
        )

    async def open_audio() -> Microphone:
        return await Microphone.open(settings.input_device)

    runners[MissionKind.DEVICE_ACTION] = PrivacyRunner(
        PrivacyRunnerConfig(data_dir=missions_dir, allowed_dirs=settings.allowed_dirs),
        # Even without a microphone now: one plugged in later is offered then (and a mission
        # sent to a device that has none fails saying so).
        open_audio=open_audio,
        screen=facilities.screen,
        camera=None,
    )
    return runners


def _cloud_token(settings: Settings) -> str | None:
    token = read_token(settings.data_dir)
    if settings.cloud_url and token is None:
        raise EdgeSetupError(
            f"JARVIS_CLOUD_URL is set but this edge has no device token at "
            f"{token_path(settings.data_dir)}: run `jarvis cloud enroll NAME` where the cloud "
            f"runs, then `jarvis edge set-token TOKEN` here."
        )
    return token if settings.cloud_url else None


def voice_options(settings: Settings) -> VoiceOptions:
    return VoiceOptions(
        stt_engine=settings.stt_engine,
        vosk_model=settings.vosk_model,
        whisper_model=settings.whisper_model,
        language=settings.stt_language,
        input_device=settings.input_device,
        trailing_silence_ms=settings.trailing_silence_ms,
        tts_engine=settings.tts_engine,
        piper_voice=settings.piper_voice,
        speak_to=settings.speak_to,
        ptt_key=settings.ptt_key,
        barge_in=settings.barge_in,
        wake_word=settings.wake_phrase,
        wake_sensitivity=settings.wake_sensitivity,
        wake_companion=settings.wake_companion,
        wake_check=settings.wake_check,
        wake_slowed=settings.wake_slowed,
        follow_up_s=settings.follow_up_s,
        listen_to=settings.listen_to,
        noise_suppression=settings.noise_suppression,
        echo_cancellation=settings.echo_cancellation,
    )


async def run_edge(
    settings: Settings,
    on_ready: Callable[[str], None] | None = None,
    on_status: Callable[[str], None] | None = None,
    on_reply: Callable[[Reply], None] | None = None,
) -> None:
    """Run the edge until cancelled; ``on_ready`` gets the API's base URL once it listens,
    ``on_status`` the voice loop's lines for a person ("text-only: no microphone found"),
    ``on_reply`` every reply when none can be spoken (text only, no speaker)."""
    # Checked before anything opens: an exposed API without a token must never start.
    access = access_policy(settings.edge_host, settings.edge_token, settings.edge_allow)
    tls = tls_context(settings.edge_tls_cert, settings.edge_tls_key)
    token = _cloud_token(settings)
    device_id = device_id_of(token) if token else local_device_id(settings.data_dir)
    identity = Identity(device_id=device_id, session_id=new_id(), device_name=settings.device_name)
    with traced(device_id=identity.device_id, session_id=identity.session_id):
        async with AsyncExitStack() as stack:
            db, bus = await _open_store(stack, settings)
            adapters = await discover()
            skills = await _start_skills(settings, db, bus, adapters)
            stack.push_async_callback(skills.close)
            facilities = await find_facilities(settings)
            offered = capabilities(adapters, facilities)
            link = _cloud_link(settings, token, identity, offered, db)
            conversation = await _conversation(settings, identity, db, bus, skills, link)
            stack.push_async_callback(conversation.close)
            listening = ListeningState()
            for uri in settings.wyoming_satellites:
                listening.satellite(uri)
            mutes = MuteStore(db)
            await mutes.restore(listening)  # before any microphone opens: a mute outlives us
            # A worker that gets a microphone after start offers it for recording missions.
            offer_microphone = None
            if isinstance(link, EdgeLink) and settings.worker and not facilities.microphone:
                offer_microphone = partial(link.offer, offered | {"microphone"})
            await _start_voice(
                stack, settings, conversation, bus, listening, on_status, on_reply, offer_microphone
            )
            # Loaded once the voice and the printer listen, so a timer that ended while the edge
            # was off is said aloud too.
            await skills.load()
            # Work on the settings the cloud gave last time until it says otherwise.
            await conversation.on_config(await ConfigCache(db).load())
            if isinstance(link, EdgeLink):
                await _start_link(stack, settings, link, conversation, facilities)
            console = ConsoleParts(
                conversation, History(db), skills, listening,
                _owned(stack, ConsoleCloud(settings.cloud_url, token)), bus,
                _owned(stack, TalkEngines(settings.data_dir, voice_options(settings))),
                access=access, loopback_only=is_loopback(settings.edge_host), mutes=mutes,
            )  # fmt: skip
            url = await _serve_api(stack, settings, conversation, bus, console, access, tls)
            if settings.wyoming_uri or settings.wyoming_satellites:
                await _start_wyoming(stack, settings, conversation, bus, listening)
            log.info(
                "edge.ready",
                url=url,
                device_name=settings.device_name,
                cloud=settings.cloud_url,
                capabilities=sorted(offered),
            )
            if on_ready:
                on_ready(url)
            await asyncio.Event().wait()


async def _open_store(
    stack: AsyncExitStack, settings: Settings
) -> tuple[aiosqlite.Connection, ReplyBus]:
    """The edge's database, and the reply bus that keeps every reply in it (a client that
    missed one is given it): loaded before anything can publish, written until everything
    that publishes has stopped."""
    db = await open_database(settings.data_dir)
    stack.push_async_callback(db.close)
    bus = ReplyBus(EventLog(db))
    await bus.start()
    stack.push_async_callback(bus.close)
    return db, bus


async def _start_skills(
    settings: Settings, db: aiosqlite.Connection, bus: ReplyBus, adapters: PlatformAdapters
) -> Skills:
    """The skills; their persisted timers and alarms load later (``Skills.load``)."""
    home = HomeSkill(
        settings.data_dir / HOME_CACHE_FILE,
        default=config_from(settings.ha_url, settings.ha_token),
    )
    return await Skills.start(
        db,
        bus.publish,
        timezone=local_timezone(settings),
        adapters=adapters,
        data_dir=settings.data_dir,
        alarm_settings=AlarmSettings(
            snooze_min=settings.alarm_snooze_min, ring_s=settings.alarm_ring_s
        ),
        country=settings.holiday_country,
        home=home,
        defer_load=True,
    )


async def _conversation(
    settings: Settings,
    identity: Identity,
    db: aiosqlite.Connection,
    bus: ReplyBus,
    skills: Skills,
    link: CloudLink,
) -> Conversation:
    """The conversation, with the learned tier when it is asked for (loaded in a thread)."""
    handled = Skills.HANDLED | APP_INTENTS
    understander = (
        await Understander.start(handled) if settings.learned_tier else Understander(handled)
    )
    return Conversation(
        identity=identity,
        skills=skills,
        history=History(db),
        bus=bus,
        cloud=link,
        phrases=PhraseSkill(await PhraseBook.open(db), link),
        understander=understander,
    )


async def _start_voice(
    stack: AsyncExitStack,
    settings: Settings,
    conversation: Conversation,
    bus: ReplyBus,
    listening: ListeningState,
    on_status: Callable[[str], None] | None,
    on_reply: Callable[[Reply], None] | None,
    offer_microphone: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """The voice loop (``JARVIS_VOICE=auto``), and the printer for replies nothing speaks;
    both subscribed to the replies when this returns. ``offer_microphone`` is awaited when a
    microphone is plugged in after start."""
    speaks = False
    if settings.voice == "auto":
        # A recording to hear (JARVIS_LISTEN_TO) is opened by the loop itself.
        microphone = None
        plugged_in_later = None
        speaker_later = None
        if settings.listen_to is None:
            microphone = await open_mutable_microphone(settings.input_device, listening)
            if await asyncio.to_thread(can_be_plugged_in):
                speaker_later = speaker_plugged_in
                if microphone is None:
                    plugged_in_later = partial(
                        _microphone_found_later, settings.input_device, listening, offer_microphone
                    )
        voice = await VoiceLoop.start(
            settings.data_dir,
            submit=conversation.submit_spoken,
            bus=bus,
            options=voice_options(settings),
            on_status=on_status,
            source=microphone,
            listening=listening,
            publish=bus.publish,
            source_later=plugged_in_later,
            speaker_later=speaker_later,
        )
        stack.push_async_callback(voice.close)
        speaks = voice.speech is not None
    if on_reply is not None and not speaks:
        await print_replies(stack, bus, on_reply)


async def _microphone_found_later(
    input_device: str | None,
    listening: ListeningState,
    offer: Callable[[], Awaitable[None]] | None,
) -> MutableSource:
    """A microphone plugged in after start, for the voice loop; and for recording missions,
    offered to the cloud."""
    source = await microphone_plugged_in(input_device, listening)
    if offer is not None:
        await offer()
    return source


async def _start_link(
    stack: AsyncExitStack,
    settings: Settings,
    link: EdgeLink,
    conversation: Conversation,
    facilities: MissionFacilities,
) -> None:
    """The cloud link, and the worker when this edge is one: missions come only over the
    authenticated link, never the HTTP API."""
    worker = None
    if settings.worker:
        runners = mission_runners(settings, facilities)
        python = runners.get(MissionKind.PYTHON)
        if isinstance(python, PythonRunner):
            await python.remove_leftovers()
        worker = Worker(runners, link)
        stack.push_async_callback(worker.close)
    link.start(conversation.link, worker)
    stack.push_async_callback(link.close)  # closed first: no new missions


async def _serve_api(
    stack: AsyncExitStack,
    settings: Settings,
    conversation: Conversation,
    bus: ReplyBus,
    console: ConsoleParts,
    access: AccessPolicy,
    tls: ssl.SSLContext | None,
) -> str:
    """The HTTP API and the console, listening; their base URL."""
    hosts = allowed_hosts(settings.edge_host, settings.allowed_hosts)
    api = create_api(conversation, bus, access=access, hosts=hosts)
    add_console(api, console)
    # Open event streams never end by themselves: give them a short grace, then cancel.
    runner = web.AppRunner(api, shutdown_timeout=2.0, **runner_options())
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, settings.edge_host, settings.edge_port, ssl_context=tls)
    try:
        await site.start()
    except OSError as error:
        raise EdgeSetupError(
            cannot_listen(settings.edge_host, settings.edge_port, error, "edge_port")
        ) from None
    return _base_url(runner, settings.edge_host, secure=tls is not None)


class _Closing(Protocol):
    async def close(self) -> None: ...


_C = TypeVar("_C", bound=_Closing)


def _owned(stack: AsyncExitStack, part: _C) -> _C:
    """``part``, closed when ``stack`` closes."""
    stack.push_async_callback(part.close)
    return part


async def _start_wyoming(
    stack: AsyncExitStack,
    settings: Settings,
    conversation: Conversation,
    bus: ReplyBus,
    listening: ListeningState,
) -> None:
    # Imported only when asked for: most edges never speak Wyoming.
    from assistant.wyoming_edge import EdgeWyoming

    wyoming = await EdgeWyoming.start(settings, conversation.submit_spoken, bus, listening)
    stack.push_async_callback(wyoming.close)


def _cloud_link(
    settings: Settings,
    token: str | None,
    identity: Identity,
    offered: frozenset[str],
    db: aiosqlite.Connection,
) -> CloudLink:
    if settings.edge_only:
        log.info("edge.no_cloud", reason="privacy mode (JARVIS_EDGE_ONLY): nothing is forwarded")
        return EdgeOnlyLink()
    if settings.cloud_url is None or token is None:
        log.info("edge.no_cloud", reason="JARVIS_CLOUD_URL is not set")
        return NoCloudLink()
    device = Device(
        id=identity.device_id,
        name=settings.device_name,
        capabilities=offered,
        location=settings.device_location,
    )
    return EdgeLink(
        cloud_url=settings.cloud_url,
        token=token,
        device=device,
        version=jarvis_version(),
        outbox=Outbox(db),
        inbox=Inbox(db),
        config=ConfigCache(db),
        weather=WeatherCache(db),
    )


def _base_url(runner: web.AppRunner, host: str, *, secure: bool = False) -> str:
    port = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if secure else 'http'}://{shown}:{port}"
