"""Nothing leaves the device unasked: an edge process hearing a minute of speech without the
wake word keeps, logs and sends nothing of it; `jarvis listen --wake-word` honours the contract."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from edges import JARVIS, edge_environment, start_edge
from processes import get_utterance, post, wait_for

from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.testing_room import piper, silence
from assistant.testing_speech import load_piper_voice, write_wav

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

CHATTER = (
    "what time is it", "set a timer for ten minutes", "pause the music",
    "my bank password is swordfish", "add milk to my shopping list", "hey travis come here",
    "call the dentist about my appointment", "what is the weather in lisbon tomorrow",
    "the kids are asleep upstairs", "turn the volume up", "send an email to my boss",
)  # fmt: skip
SECRET_WORDS = ("swordfish", "dentist", "lisbon", "shopping list", "my boss", "upstairs")


@pytest.fixture(scope="module")
def voice() -> object:
    return load_piper_voice()


def test_a_minute_of_speech_without_the_wake_word_leaves_no_trace(
    data_dir: Path, tmp_path: Path, voice: object
) -> None:
    """No utterance, no history row, nothing for the cloud, no transcript in the logs."""
    parts = []
    while sum(p.size for p in parts) < 62 * SAMPLE_RATE_HZ:
        for text in CHATTER:
            parts += [piper(voice, text, steady=True), silence(0.8)]
    wav = write_wav(tmp_path / "room.wav", to_pcm(np.concatenate(parts)), SAMPLE_RATE_HZ)
    edge = start_edge(
        data_dir, voice=True, speak_to=tmp_path / "replies.wav",
        extra_env={"JARVIS_LISTEN_TO": str(wav), "JARVIS_STT_ENGINE": "whisper",
                   "JARVIS_LOG_LEVEL": "debug"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while "voice.source_ended" not in edge.log() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "voice.source_ended" in edge.log()
    finally:
        assert edge.stop() == 0
    log = edge.log().lower()
    for event in ("voice.heard", "voice.woke", "utterance.received", "utterance.forward"):
        assert event not in log
    for word in SECRET_WORDS:
        assert word not in log
    with sqlite3.connect(data_dir / "edge.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM utterances").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def _listen(wav: Path, data_dir: Path) -> dict[str, object]:
    result = subprocess.run(
        [JARVIS, "listen", "--wav", str(wav), "--json", "--wake-word", "--engine", "whisper"],
        env=edge_environment(data_dir), capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


def test_listen_with_the_wake_word_reports_where_it_woke(
    data_dir: Path, tmp_path: Path, voice: object
) -> None:
    """With the wake word the command is interpreted and ``woke_at_s`` is where the phrase
    ended; without it nothing is heard and the exit status is still 0."""
    phrase = piper(voice, "hey jarvis", steady=True)
    with_wake = np.concatenate(
        [
            silence(1.0),
            phrase,
            silence(0.6),
            piper(voice, "pause the music", steady=True),
            silence(1.0),
        ]
    )
    path = write_wav(tmp_path / "wake.wav", to_pcm(with_wake), SAMPLE_RATE_HZ)
    woke = _listen(path, data_dir)
    assert woke["intent"] == "media.pause", woke
    assert isinstance(woke["woke_at_s"], float)
    assert 1.0 < woke["woke_at_s"] < 1.0 + phrase.size / SAMPLE_RATE_HZ + 0.6

    without = np.concatenate(
        [silence(0.5), piper(voice, "pause the music", steady=True), silence(1.0)]
    )
    path = write_wav(tmp_path / "plain.wav", to_pcm(without), SAMPLE_RATE_HZ)
    asleep = _listen(path, data_dir)
    assert asleep["woke_at_s"] is None
    assert asleep["transcript"] == ""
    assert asleep["intent"] is None
    assert asleep["near_miss"] is None  # the detector never fired: no near miss either


def test_privacy_mode_keeps_requests_on_the_edge_and_says_so(data_dir: Path) -> None:
    """With ``JARVIS_EDGE_ONLY`` a request that needs the cloud is not forwarded and its reply
    says why; local commands still work."""
    edge = start_edge(data_dir, extra_env={"JARVIS_EDGE_ONLY": "true"})
    try:
        status, local = post(edge.url, "what time is it")
        assert (status, local["intent"]) == (200, "time.now")
        status, pending = post(edge.url, "send an email to my boss")
        assert status == 202
        wait_for(
            lambda: get_utterance(edge.url, pending["id"])["status"] != "pending", 30, "an answer"
        )
        answer = get_utterance(edge.url, pending["id"])
    finally:
        assert edge.stop() == 0
    assert answer["status"] == "failed"
    assert "privacy mode" in answer["reply"]
