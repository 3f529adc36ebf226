"""`jarvis wake enroll|voices|forget`, and `jarvis listen --wake-word` waking for an enrolled
voice the heads alone miss (espeak-ng speech written to WAV files)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from edges import JARVIS, edge_environment

from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.audio.wake_enrollment_calibration import enrollment_takes
from assistant.audio.wake_word import bundled_path
from assistant.testing_room import EspeakVoice, espeak, silence
from assistant.testing_speech import write_wav

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

MISSED = EspeakVoice("en-us", "zac", 140)
"""A voice whose "hey jarvis" the heads alone never wake on (``test_wake_enrollment``)."""


def _jarvis(
    data_dir: Path, *args: str, wake_word: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = edge_environment(data_dir)
    # The heads alone, as enrollment serves them: the whisper check hears this voice's phrase
    # too (``test_wake_check``), which would leave nothing for an enrolled voice to rescue.
    env["JARVIS_WAKE_CHECK"] = "false"
    if wake_word is not None:
        env["JARVIS_WAKE_WORD"] = str(wake_word)
    return subprocess.run(
        [JARVIS, *args], env=env, capture_output=True, text=True, timeout=180
    )  # fmt: skip


def _takes(tmp_path: Path) -> list[str]:
    return [
        str(write_wav(tmp_path / f"take{i}.wav", to_pcm(espeak(text, voice)), SAMPLE_RATE_HZ))
        for i, (text, voice) in enumerate(enrollment_takes("hey jarvis", MISSED))
    ]


def _heard(data_dir: Path, wav: Path) -> dict[str, object]:
    result = _jarvis(data_dir, "listen", "--wav", str(wav), "--json", "--wake-word",
                     "--engine", "whisper")  # fmt: skip
    assert result.returncode == 0, result.stderr
    heard: dict[str, object] = json.loads(result.stdout)
    return heard


def test_an_enrolled_voice_wakes_jarvis_listen_and_forgetting_it_undoes_that(
    data_dir: Path, tmp_path: Path
) -> None:
    wavs = _takes(tmp_path)
    spoken = espeak("hey jarvis, pause the music", MISSED)
    utterance = write_wav(
        tmp_path / "utterance.wav",
        to_pcm(np.concatenate([silence(1.0), spoken, silence(1.0)])),
        SAMPLE_RATE_HZ,
    )
    assert _heard(data_dir, utterance)["woke_at_s"] is None

    listed = _jarvis(data_dir, "wake", "voices")
    assert listed.returncode == 0
    assert "No voices enrolled for 'hey jarvis'" in listed.stderr
    too_few = _jarvis(data_dir, "wake", "enroll", "--name", "sam", "--wav", wavs[0])
    assert too_few.returncode == 1
    assert "give 3 to 8 takes of 'hey jarvis', not 1" in too_few.stderr

    enrolled = _jarvis(data_dir, "wake", "enroll", "--name", "sam", *(f"--wav={w}" for w in wavs))
    assert enrolled.returncode == 0, enrolled.stderr
    assert "Enrolled 'sam' for 'hey jarvis' (3 takes); 1 voice enrolled" in enrolled.stdout
    assert _jarvis(data_dir, "wake", "voices").stdout == "sam\t9 windows\n"
    heard = _heard(data_dir, utterance)
    woke = heard["woke_at_s"]
    assert isinstance(woke, float)
    assert 1.0 < woke < 1.0 + spoken.size / SAMPLE_RATE_HZ
    assert heard["woke_for"] == "sam"

    forgot = _jarvis(data_dir, "wake", "forget", "--name", "sam")
    assert (forgot.returncode, forgot.stdout) == (0, "Forgot sam.\n")
    again = _jarvis(data_dir, "wake", "forget")
    assert again.returncode == 1
    assert "no enrolled voices" in again.stderr
    forgotten = _heard(data_dir, utterance)
    assert forgotten["woke_at_s"] is None
    assert "woke_for" not in forgotten


def test_an_unreadable_voices_file_is_named_and_forgetting_everyone_clears_it(
    data_dir: Path,
) -> None:
    path = data_dir / "wake_words" / "hey_jarvis.voices.npz"
    path.parent.mkdir()
    path.write_bytes(b"\x00 not numpy")
    listed = _jarvis(data_dir, "wake", "voices")
    assert listed.returncode == 1
    assert "cannot read the enrolled voices" in listed.stderr
    one = _jarvis(data_dir, "wake", "forget", "--name", "sam")
    assert one.returncode == 1
    assert "`jarvis wake forget` without --name" in one.stderr
    everyone = _jarvis(data_dir, "wake", "forget")
    assert (everyone.returncode, everyone.stdout) == (0, "Forgot the unreadable enrolled voices.\n")
    assert not path.exists()


def test_after_the_wake_word_is_retrained_the_voices_say_to_enroll_again(
    data_dir: Path, tmp_path: Path
) -> None:
    with np.load(bundled_path("hey jarvis")) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["verifier_b2"] = arrays["verifier_b2"] + np.float32(0.5)  # a new verifier
    retrained = tmp_path / "retrained.npz"
    np.savez(retrained, **arrays)
    takes = [f"--wav={w}" for w in _takes(tmp_path)]
    assert _jarvis(data_dir, "wake", "enroll", "--name", "sam", *takes).returncode == 0

    listed = _jarvis(data_dir, "wake", "voices", wake_word=retrained)
    assert listed.returncode == 1
    assert listed.stdout == "sam\t9 windows\n"
    assert "retrained and no longer count" in listed.stderr
    kim = _jarvis(data_dir, "wake", "enroll", "--name", "kim", *takes, wake_word=retrained)
    assert kim.returncode == 0, kim.stderr
    assert "Forgot sam: they enrolled before" in kim.stderr
    assert "1 voice enrolled" in kim.stdout
    assert _jarvis(data_dir, "wake", "voices", wake_word=retrained).stdout == "kim\t9 windows\n"


def test_takes_piped_on_stdin_are_cut_at_each_pause_as_the_microphone_would(
    data_dir: Path,
) -> None:
    """``--stdin`` is the microphone's path (the endpointer ends each take at a pause) fed from
    a pipe, as ``arecord … | jarvis wake enroll --stdin`` would."""
    pause = silence(1.5)
    takes = [espeak(text, voice) for text, voice in enrollment_takes("hey jarvis", MISSED)]
    pcm = to_pcm(np.concatenate([pause, *(part for take in takes for part in (take, pause))]))
    two = to_pcm(np.concatenate([pause, takes[0], pause, takes[1], pause]))

    def enroll_from(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [JARVIS, "wake", "enroll", "--name", "sam", "--stdin"], input=stdin,
            env=edge_environment(data_dir), capture_output=True, timeout=180,
        )  # fmt: skip

    short = enroll_from(two)
    assert short.returncode == 1
    assert b"give 3 to 8 takes of 'hey jarvis', not 2" in short.stderr
    enrolled = enroll_from(pcm)
    assert enrolled.returncode == 0, enrolled.stderr
    assert b"Say 'hey jarvis' (3 of 3)" in enrolled.stderr
    assert b"Enrolled 'sam' for 'hey jarvis' (3 takes)" in enrolled.stdout
    assert _jarvis(data_dir, "wake", "voices").stdout == "sam\t9 windows\n"
