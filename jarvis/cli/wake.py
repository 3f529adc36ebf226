"""``jarvis wake enroll|forget|voices``: the voices of the house the wake word knows.

Enrolling keeps a few windows of the wake word's features per take (never the audio) in the data
dir; the edge reads them when it starts (restart it after enrolling). Takes come from WAV files
(``--wav`` three times or more), or one phrase per pause from the microphone or from raw PCM on
stdin (``arecord -r 16000 -f S16_LE | jarvis wake enroll --name sam --stdin``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from jarvis.cli.support import live_source, settings_or_exit
from jarvis.settings import Settings

if TYPE_CHECKING:
    from assistant.audio import Float32Array
    from assistant.audio.endpointing import Endpointer
    from assistant.audio.wake_word import WakeWordModel

TAKE_TIMEOUT_S = 15.0
"""A take not said within this long ends the enrollment."""


@click.group()
def wake() -> None:
    """The wake word: enroll the voices of the house so it never misses them."""


@wake.command()
@click.option("--name", required=True, help="Whose voice this is (enrolling again replaces it).")
@click.option(
    "--wav", "wavs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
    help="A WAV of the wake phrase said alone; give three or more. Without: the microphone.",
)  # fmt: skip
@click.option(
    "--stdin", "from_stdin", is_flag=True,
    help="Raw 16 kHz mono s16le PCM on stdin instead of the microphone, one take per pause.",
)  # fmt: skip
@click.option("--input-device", envvar="JARVIS_INPUT_DEVICE", help="Microphone name or index.")
def enroll(name: str, wavs: tuple[Path, ...], from_stdin: bool, input_device: str | None) -> None:
    """Keep how NAME says the wake word (three takes or more)."""
    from assistant.audio.openwakeword_features import FeatureModels
    from assistant.audio.wake_enrollment import TAKES, EnrollmentError
    from assistant.audio.wake_enrollment import enroll as keep
    from assistant.errors import AudioFormatError, ModelNotFoundError, NoInputDeviceError

    if wavs and from_stdin:
        raise click.UsageError("give --wav FILE or --stdin, not both")
    settings = settings_or_exit()
    model = _model(settings)
    try:
        if wavs:
            takes = [_read_take(path) for path in wavs]
        else:
            takes = asyncio.run(_record(model.phrase, TAKES, from_stdin, input_device))
        features = FeatureModels.load()
        done = keep(model, features, takes, name, settings.data_dir)
    except (AudioFormatError, ModelNotFoundError, NoInputDeviceError, EnrollmentError) as error:
        raise click.ClickException(str(error)) from None
    if done.stale:
        click.echo(
            f"Forgot {', '.join(done.stale)}: they enrolled before the {model.phrase!r} wake word "
            f"was retrained; each enrolls again.",
            err=True,
        )
    click.echo(
        f"Enrolled {name!r} for {model.phrase!r} ({len(takes)} takes); {done.voices} voice"
        f"{'s' if done.voices != 1 else ''} enrolled. Restart Jarvis to use it."
    )


@wake.command()
@click.option("--name", help="Whose voice to forget (default: everyone's).")
def forget(name: str | None) -> None:
    """Forget an enrolled voice, or all of them."""
    from assistant.audio.wake_enrollment import forget as drop
    from assistant.errors import ModelNotFoundError

    settings = settings_or_exit()
    try:
        gone = drop(_model(settings), settings.data_dir, name)
    except ModelNotFoundError as error:
        raise click.ClickException(f"{error} (`jarvis wake forget` without --name)") from None
    if not gone:
        raise click.ClickException(f"no enrolled voice {name!r}" if name else "no enrolled voices")
    click.echo(f"Forgot {', '.join(gone)}.")


@wake.command("voices")
def list_voices() -> None:
    """The enrolled voices."""
    from assistant.audio.wake_enrollment import voices
    from assistant.audio.wake_word import STALE_VOICES
    from assistant.errors import ModelNotFoundError

    settings = settings_or_exit()
    model = _model(settings)
    try:
        enrolled = voices(model, settings.data_dir)
    except ModelNotFoundError as error:
        raise click.ClickException(str(error)) from None
    if not enrolled.windows:
        click.echo(f"No voices enrolled for {model.phrase!r}.", err=True)
    for who, windows in enrolled.windows.items():
        click.echo(f"{who}\t{windows} windows")
    if enrolled.stale:
        raise click.ClickException(STALE_VOICES.format(phrase=model.phrase))


def _model(settings: Settings) -> WakeWordModel:
    from assistant.audio.wake_word import DEFAULT_WAKE_WORD, WakeWordModel, resolve_model_path
    from assistant.errors import ModelNotFoundError

    try:
        path = resolve_model_path(settings.wake_phrase or DEFAULT_WAKE_WORD)
        return WakeWordModel.load(path, settings.wake_sensitivity)
    except ModelNotFoundError as error:
        raise click.ClickException(str(error)) from None


def _read_take(path: Path) -> Float32Array:
    from assistant.audio import to_float
    from assistant.audio.wav_source import read_wav

    return to_float(read_wav(path))


async def _record(
    phrase: str, takes: int, from_stdin: bool, input_device: str | None
) -> list[Float32Array]:
    """``takes`` phrases from the microphone (or stdin), each ended by a pause. Fewer when the
    stream ends first: ``enroll`` then says how many it needs."""
    from assistant.audio import to_float
    from assistant.audio.endpointing import Endpointer, load_detector

    endpointer = Endpointer(await asyncio.to_thread(load_detector))
    source = await live_source(from_stdin, input_device)
    recorded: list[Float32Array] = []
    try:
        frames = source.frames()
        for number in range(1, takes + 1):
            click.echo(f"Say {phrase!r} ({number} of {takes})…", err=True)
            endpointer.reset()
            async with asyncio.timeout(TAKE_TIMEOUT_S):
                pcm = await _one_phrase(frames, endpointer)
            if pcm is None:
                break
            recorded.append(to_float(pcm))
    except TimeoutError:
        raise click.ClickException(f"no take heard in {TAKE_TIMEOUT_S:.0f} s") from None
    finally:
        await source.close()
    return recorded


async def _one_phrase(frames: AsyncIterator[bytes], endpointer: Endpointer) -> bytes | None:
    """The next utterance's audio; ``None`` when the stream ends first."""
    from assistant.audio.endpointing import SpeechEnded

    async for frame in frames:
        for event in endpointer.push(frame):
            if isinstance(event, SpeechEnded):
                return event.pcm
    return None
