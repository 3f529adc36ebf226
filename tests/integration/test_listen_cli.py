"""``jarvis listen --wav FILE --json``: the contract, run as a real process on real speech."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from assistant.testing_speech import Recording

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
JARVIS = str(Path(sys.executable).parent / "jarvis")
CONTRACT_TYPES: dict[str, type | tuple[type, ...]] = {
    "transcript": str,
    "intent": (str, type(None)),
    "slots": dict,
    "handled_by": str,
    "stt_engine": str,
    "audio_s": float,
    "stt_ms": float,
    "end_of_speech_to_intent_ms": float,
}


def _jarvis(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"JARVIS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    return subprocess.run(
        [JARVIS, *args], capture_output=True, text=True, env=env, timeout=240, check=False
    )


def _stereo_44k(source: Path, target: Path) -> Path:
    """The same speech as a 44.1 kHz stereo WAV (what an editor or a phone would save)."""
    import numpy as np

    from assistant.audio import resample, to_float, to_pcm
    from assistant.audio.wav_source import read_wav

    mono = resample(to_float(read_wav(source)), 16_000, 44_100)
    stereo = np.frombuffer(to_pcm(mono), dtype="<i2").repeat(2)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(stereo.tobytes())
    return target


def test_listen_json_follows_the_contract(
    piper_recordings: list[Recording], tmp_path: Path
) -> None:
    """A 44.1 kHz stereo WAV gives exactly the contract's keys, with the right intent and slots."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "timer.start")
    wav = _stereo_44k(recording.path, tmp_path / "stereo.wav")
    spoken = tmp_path / "reply.wav"
    result = _jarvis("listen", "--wav", str(wav), "--json", "--speak-to", str(spoken),
                     data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert set(outcome) == set(CONTRACT_TYPES)
    for key, kind in CONTRACT_TYPES.items():
        assert isinstance(outcome[key], kind), key
    assert outcome["intent"] == recording.utterance.intent
    assert outcome["slots"] == recording.utterance.slots
    assert outcome["handled_by"] == "edge"
    assert outcome["stt_engine"] == "whisper"  # no English vosk model is installed here
    assert outcome["audio_s"] == pytest.approx(3.0, abs=1.5)
    with wave.open(str(spoken), "rb") as reply:
        assert reply.getnframes() > 0


def test_listening_without_a_microphone_is_a_clear_error(tmp_path: Path) -> None:
    """With no WAV and no input device, listen says there is no microphone, without a traceback."""
    result = _jarvis("listen", data_dir=tmp_path)
    assert result.returncode == 1
    assert "no microphone found" in result.stderr
    assert "Traceback" not in result.stderr


def test_raw_pcm_on_stdin_is_heard(piper_recordings: list[Recording], tmp_path: Path) -> None:
    """``--stdin`` hears raw 16 kHz PCM piped in, ending at the endpoint or the end of input."""
    from assistant.audio.wav_source import read_wav

    recording = next(r for r in piper_recordings if r.utterance.intent == "media.next")
    env = {"JARVIS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [JARVIS, "listen", "--stdin", "--json", "--engine", "whisper"],
        input=read_wav(recording.path) + bytes(32000), capture_output=True, env=env,
        timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    outcome = json.loads(result.stdout)
    assert outcome["intent"] == "media.next"


def test_broken_wav_is_a_clear_error(tmp_path: Path) -> None:
    """A truncated WAV exits with a one-line message naming the problem, not a traceback."""
    broken = tmp_path / "broken.wav"
    header = b"RIFF\x24\x00\x01\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
    header += b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x01\x00"
    broken.write_bytes(header + bytes(100))
    result = _jarvis("listen", "--wav", str(broken), "--json", data_dir=tmp_path)
    assert result.returncode == 1
    assert "truncated" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
