"""The endpointer: utterances start on speech, end after trailing silence, and are trimmed."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio import SAMPLE_RATE_HZ, duration_s, to_pcm
from assistant.audio.endpointing import (
    Endpointer,
    EndpointSettings,
    EnergyDetector,
    SpeechAudio,
    SpeechEnded,
    SpeechStarted,
    room_levels,
    trim_silence,
)


def _tone(seconds: float) -> bytes:
    t = np.arange(round(SAMPLE_RATE_HZ * seconds)) / SAMPLE_RATE_HZ
    return to_pcm(0.3 * np.sin(2 * np.pi * 300 * t))


def _silence(seconds: float) -> bytes:
    return bytes(2 * round(SAMPLE_RATE_HZ * seconds))


def _run(endpointer: Endpointer, pcm: bytes, frame_bytes: int = 640) -> list[object]:
    events: list[object] = []
    for start in range(0, len(pcm), frame_bytes):
        events += endpointer.push(pcm[start : start + frame_bytes])
    return events


def test_one_utterance_is_found_and_trimmed() -> None:
    """Speech between silences gives start, audio, end; the end keeps only the padding around it."""
    settings = EndpointSettings(trailing_silence_ms=600, lead_padding_ms=300, trail_padding_ms=200)
    events = _run(Endpointer(EnergyDetector(), settings), _silence(1) + _tone(1) + _silence(1))
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted
    assert kinds[-1] is SpeechEnded
    assert set(kinds[1:-1]) == {SpeechAudio}
    ended = events[-1]
    assert isinstance(ended, SpeechEnded)
    assert duration_s(ended.pcm) == pytest.approx(0.3 + 1.0 + 0.2, abs=0.03)


def test_the_endpointer_knows_where_the_last_speech_ended() -> None:
    """``last_speech_s`` counts from ``reset``: where the utterance's speech stopped, not where
    its trailing silence ended it."""
    endpointer = Endpointer(EnergyDetector())
    events = _run(endpointer, _silence(1) + _tone(0.5) + _silence(1))
    assert isinstance(events[-1], SpeechEnded)
    assert endpointer.last_speech_s == pytest.approx(1.5, abs=0.021)
    endpointer.reset()
    _run(endpointer, _tone(0.3) + _silence(1))
    assert endpointer.last_speech_s == pytest.approx(0.3, abs=0.021)


@pytest.mark.parametrize("trailing_ms", [300, 600, 1000])
def test_end_comes_after_the_configured_trailing_silence(trailing_ms: int) -> None:
    """The end is declared once exactly the configured silence has followed the speech."""
    endpointer = Endpointer(EnergyDetector(), EndpointSettings(trailing_silence_ms=trailing_ms))
    _run(endpointer, _silence(0.5) + _tone(0.5))
    silence_fed_s = 0.0
    while endpointer.in_speech:
        endpointer.push(_silence(0.02))
        silence_fed_s += 0.02
    assert silence_fed_s == pytest.approx(trailing_ms / 1000, abs=0.021)


def test_a_short_pause_does_not_end_the_utterance() -> None:
    """A pause shorter than the trailing silence keeps both words in one utterance."""
    endpointer = Endpointer(EnergyDetector(), EndpointSettings(trailing_silence_ms=600))
    events = _run(endpointer, _tone(0.4) + _silence(0.3) + _tone(0.4) + _silence(1))
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(ended) == 1
    assert duration_s(ended[0].pcm) > 1.1


def test_two_utterances_are_separated() -> None:
    """Two phrases with a long pause between them are two utterances."""
    pcm = _tone(0.5) + _silence(1.5) + _tone(0.5) + _silence(1)
    events = _run(Endpointer(EnergyDetector()), pcm)
    assert sum(isinstance(e, SpeechStarted) for e in events) == 2
    assert sum(isinstance(e, SpeechEnded) for e in events) == 2


def test_an_utterance_soon_after_another_keeps_its_whole_lead_padding() -> None:
    """The pause after one utterance is the lead of the next: "hey jarvis", 0.8 s, "what time is
    it" ends the first 0.6 s into the pause, and the second still gets 0.5 s of what came before
    it — the pause's silence, none of the first utterance's speech."""
    settings = EndpointSettings(trailing_silence_ms=600, lead_padding_ms=500, trail_padding_ms=200)
    pcm = _silence(1) + _tone(0.5) + _silence(0.8) + _tone(0.5) + _silence(1)
    events = _run(Endpointer(EnergyDetector(), settings), pcm)
    started = [e for e in events if isinstance(e, SpeechStarted)]
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(started) == len(ended) == 2
    lead = round(0.5 * SAMPLE_RATE_HZ) * 2
    for utterance in (started[1].pcm, ended[1].pcm):
        assert not any(utterance[:lead])
        assert any(utterance[lead : lead + 640])
    assert duration_s(ended[1].pcm) == pytest.approx(0.5 + 0.5 + 0.2, abs=0.03)


def test_a_click_does_not_start_an_utterance() -> None:
    """Sound shorter than the minimum speech run is ignored."""
    events = _run(Endpointer(EnergyDetector()), _silence(0.5) + _tone(0.04) + _silence(1))
    assert events == []


def test_endless_speech_is_cut_at_the_maximum() -> None:
    """Someone who never pauses is cut off at ``max_utterance_s``."""
    endpointer = Endpointer(EnergyDetector(), EndpointSettings(max_utterance_s=2.0))
    ended = [e for e in _run(endpointer, _tone(5)) if isinstance(e, SpeechEnded)]
    assert len(ended) >= 2
    assert duration_s(ended[0].pcm) == pytest.approx(2.0, abs=0.05)


def test_flush_ends_speech_cut_off_by_the_stream() -> None:
    """When the stream stops mid-utterance, flush closes it; with nothing open it returns None."""
    endpointer = Endpointer(EnergyDetector())
    _run(endpointer, _silence(0.3) + _tone(0.5))
    assert isinstance(endpointer.flush(), SpeechEnded)
    assert endpointer.flush() is None


def test_trim_silence_keeps_speech_and_padding() -> None:
    """Leading and trailing silence are cut down to the padding; pure silence becomes empty."""
    settings = EndpointSettings(lead_padding_ms=300, trail_padding_ms=100)
    trimmed = trim_silence(_silence(2) + _tone(1) + _silence(2), EnergyDetector(), settings)
    assert duration_s(trimmed) == pytest.approx(1.4, abs=0.03)
    assert trim_silence(_silence(1), EnergyDetector()) == b""


def test_trim_silence_puts_silence_before_a_recording_cut_at_its_first_word() -> None:
    """Speech from the first sample gets the lead padding as silence, so the recognizer hears
    the first word's onset as from a microphone; a recording with some audio before its speech
    keeps that audio and gets nothing added."""
    settings = EndpointSettings(lead_padding_ms=300, trail_padding_ms=100)
    tone = _tone(1)
    assert (
        trim_silence(tone, EnergyDetector(), settings)
        == bytes(2 * round(0.3 * SAMPLE_RATE_HZ)) + tone
    )
    partly = _silence(0.2) + tone + _silence(0.05)
    assert trim_silence(partly, EnergyDetector(), settings) == partly


def _tone_at(seconds: float, amplitude: float) -> bytes:
    t = np.arange(round(SAMPLE_RATE_HZ * seconds)) / SAMPLE_RATE_HZ
    return to_pcm(amplitude * np.sin(2 * np.pi * 300 * t))


def test_room_levels_measure_the_speaker_and_the_floor_and_nothing_in_silence() -> None:
    levels = room_levels(_silence(0.5) + _tone_at(0.5, 0.3))
    assert levels is not None
    assert levels.speaker_dbfs == pytest.approx(-13.5, abs=0.5)  # a 0.3 sine: 20·log10(0.3/√2)
    assert levels.floor_dbfs == pytest.approx(-70.0)  # digital silence counts as a quiet mic
    assert room_levels(_silence(1.0)) is None
    assert room_levels(b"") is None


def test_following_a_speaker_ignores_quieter_talk_and_hears_the_speaker() -> None:
    """Speech 15 dB below the followed speaker (someone across the room) starts no utterance;
    the speaker does; without following, the quieter talk is an utterance."""
    loud, quiet = 0.3, 0.3 * 10 ** (-15 / 20)
    detector = EnergyDetector(threshold_dbfs=-50)
    levels = room_levels(_silence(0.3) + _tone_at(0.8, loud))
    following = Endpointer(detector)
    following.follow(levels)
    assert not any(isinstance(e, SpeechStarted) for e in _run(following, _tone_at(3.0, quiet)))
    events = _run(following, _tone_at(1.0, loud) + _tone_at(1.0, quiet))
    assert any(isinstance(e, SpeechStarted) for e in events)
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert ended, "the quieter talk after the speaker must not hold the utterance open"
    assert duration_s(ended[0].pcm) < 2.0  # lead padding 0.5 s, the speaker 1 s, trail 0.2 s

    unknown = Endpointer(detector, EndpointSettings(follow_speaker=False))
    assert any(isinstance(e, SpeechStarted) for e in _run(unknown, _tone_at(3.0, quiet)))


def test_reset_forgets_the_followed_speaker() -> None:
    detector = EnergyDetector(threshold_dbfs=-50)
    endpointer = Endpointer(detector)
    endpointer.follow(room_levels(_tone_at(0.8, 0.3)))
    assert endpointer.speaker_dbfs is not None
    endpointer.reset()
    assert endpointer.speaker_dbfs is None
