"""sounddevice, or one clear reason there is no sound: PortAudio is a system library that a
machine may lack, and sounddevice then fails on import with ``OSError``."""

from __future__ import annotations

import sys
from typing import Any

from assistant.errors import PortAudioMissingError

INSTALL = {
    "linux": "sudo apt-get install libportaudio2",
    "darwin": "brew install portaudio",
    "win32": "pip install --force-reinstall sounddevice",
}


def load_sounddevice() -> Any:
    """The sounddevice module (untyped, hence Any); ``PortAudioMissingError`` naming what to
    install otherwise."""
    try:
        import sounddevice
    except OSError:  # "PortAudio library not found"
        command = INSTALL.get(sys.platform, INSTALL["linux"])
        raise PortAudioMissingError(
            f"the PortAudio library is missing, so there is no microphone and no speech; "
            f"install it ({command}) and start again"
        ) from None
    return sounddevice
