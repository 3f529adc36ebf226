"""Benchmark: end of speech → a Home Assistant light off, through each path, side by side.

Run ``python bench/home.py`` (it builds Home Assistant's own environment once, cached under
``~/.cache/jarvis-tests``, and starts it on loopback). The same piper recording of "turn off the
kitchen ceiling light" goes through:

1. **Jarvis alone**: our endpointer and whisper, our interpreter, ``POST /api/services`` from the
   edge;
2. **Home Assistant's pipeline over our Wyoming server**: the audio streamed into
   ``assist_pipeline/run``; Home Assistant asks our Wyoming server for the transcript, then runs
   its own agent;
3. **Home Assistant's own agent**: our transcript handed to ``conversation/process``.

Each row is the median of several runs from the moment the whole utterance is available (the
end of speech) until the light is off (the service call returned, or the pipeline's
``intent-end``), and the part of it that is not speech recognition.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

if not __package__:
    # Run as `python bench/home.py`, bench/ comes first on sys.path, and bench/cloud.py would
    # stand in for the `cloud` package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import aiohttp

from assistant import testing_hass
from assistant.audio.endpointing import SileroDetector, trim_silence
from assistant.audio.wav_source import read_wav
from assistant.skills.home import HomeSkill, config_from
from assistant.stt import recognize
from assistant.stt.auto import load_recognizer
from assistant.testing import conversation_for_tests
from assistant.testing_hass import House
from assistant.testing_speech import load_piper_voice, piper_wav
from assistant.wyoming_edge import EdgeWyoming
from jarvis.settings import load_settings

RUNS = 5
SENTENCE = "Turn off the kitchen ceiling light."
LIGHT = "light.kitchen_ceiling_light"


async def _light_on(house: House) -> None:
    await testing_hass.call_service(house.url, house.token, "light", "turn_on", entity_id=LIGHT)


async def _assert_off(house: House) -> None:
    state = (await testing_hass.states(house.url, house.token))[LIGHT]
    if state != "off":
        raise SystemExit(f"the light is {state} after a run: the path did not work")


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        config_dir = work / "hass"
        port = testing_hass.free_port()
        testing_hass.write_configuration(config_dir, port)
        process = testing_hass.HassProcess(testing_hass.hass_venv(), config_dir, port)
        await process.start()
        try:
            token = await testing_hass.onboard(process.url)
            await testing_hass.furnish(process.url, token)
            await _bench(House(process, token), work)
        finally:
            await process.stop()


async def _bench(house: House, work: Path) -> None:
    wav = piper_wav(load_piper_voice(), SENTENCE, work / "off.wav")
    pcm = read_wav(wav)
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(work / "edge"),
            "JARVIS_WYOMING_URI": "tcp://127.0.0.1:0",
            "JARVIS_STT_ENGINE": "whisper",
            "JARVIS_TTS_ENGINE": "none",
        }
    )
    recognizer = await load_recognizer("whisper", work)
    detector = SileroDetector.load()
    home = HomeSkill(work / "entities.json", default=config_from(house.url, house.token))
    rows: dict[str, list[tuple[float, float]]] = {}
    async with conversation_for_tests(work / "edge", home=home) as (conversation, bus):
        await home.refresh()
        wyoming = await EdgeWyoming.start(settings, conversation.submit, bus)
        try:
            assert wyoming.server.port is not None
            await testing_hass.add_wyoming(house.url, house.token, "127.0.0.1", wyoming.server.port)
            states = await testing_hass.states(house.url, house.token)
            (stt,) = [entity for entity in states if entity.startswith("stt.")]
            pipeline = await testing_hass.create_pipeline(house.url, house.token, stt, "bench")
            for _ in range(RUNS + 1):  # the first run of each path warms it up
                await _light_on(house)
                started = time.perf_counter()
                transcript = await recognize(recognizer, await _trim(detector, pcm))
                heard = time.perf_counter()
                await conversation.submit(transcript.text)
                done = time.perf_counter()
                await _assert_off(house)
                rows.setdefault("Jarvis alone (whisper → interpreter → REST)", []).append(
                    ((done - started) * 1000, (done - heard) * 1000)
                )

                await _light_on(house)
                events = await testing_hass.run_pipeline(house.url, house.token, pipeline, pcm)
                at = {event["type"]: event["at"] for event in events}
                await _assert_off(house)
                rows.setdefault("HA pipeline over our Wyoming server", []).append(
                    (
                        (at["intent-end"] - at["audio-sent"]) * 1000,
                        (at["intent-end"] - at["stt-end"]) * 1000,
                    )
                )

                await _light_on(house)
                started = time.perf_counter()
                transcript = await recognize(recognizer, await _trim(detector, pcm))
                heard = time.perf_counter()
                await _converse(house, transcript.text)
                done = time.perf_counter()
                await _assert_off(house)
                rows.setdefault("our whisper → HA's own agent (conversation/process)", []).append(
                    ((done - started) * 1000, (done - heard) * 1000)
                )
        finally:
            await wyoming.close()
            await recognizer.close()
    print(f"end of speech → {LIGHT} off, median of {RUNS} runs (after one warm-up)\n")
    print(f"| {'path':<54} | end of speech → off | after the transcript |")
    print(f"|{'-' * 56}|--------------------:|---------------------:|")
    for name, values in rows.items():
        total = statistics.median(v[0] for v in values[1:])
        after = statistics.median(v[1] for v in values[1:])
        print(f"| {name:<54} | {total:>16.1f} ms | {after:>17.1f} ms |")


async def _trim(detector: SileroDetector, pcm: bytes) -> bytes:
    """Our endpointer's cut, as the edge and our Wyoming server make it."""
    return await asyncio.to_thread(trim_silence, pcm, detector) or pcm


async def _converse(house: House, text: str) -> None:
    async with aiohttp.ClientSession() as session:
        await testing_hass.websocket_call(
            session,
            house.url,
            house.token,
            {"type": "conversation/process", "text": text, "language": "en"},
        )


if __name__ == "__main__":
    asyncio.run(main())
