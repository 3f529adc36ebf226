"""Errors the edge raises on purpose; every name ends in ``Error``."""

from __future__ import annotations


class AdapterError(Exception):
    """A platform adapter (pactl, playerctl, xdotool…) could not do what it was asked."""


class NothingPlayingError(AdapterError):
    """The media adapter found no player to control."""


class UnhandledIntentError(Exception):
    """An intent reached the skills that they do not handle (a wiring mistake, not a user one)."""


class CloudUnavailableError(Exception):
    """The cloud brain could not be asked or did not answer; the message says why, for a person."""


class NoInputDeviceError(Exception):
    """No microphone (sound input device) exists, or the one asked for is not there."""


class MicrophoneLost(Exception):
    """A microphone that was streaming stopped by itself: unplugged, or its driver failed."""


class NoOutputDeviceError(Exception):
    """No sound output device exists, so replies cannot be played aloud."""


class PortAudioMissingError(NoInputDeviceError, NoOutputDeviceError):
    """The PortAudio system library is not installed: no microphone and no speaker at all."""


class AudioFormatError(Exception):
    """Audio that cannot be read: not a WAV, a truncated file, an unsupported sample format."""


class ModelNotFoundError(Exception):
    """A speech model is neither configured, nor installed as a package, nor in the data dir."""


class ModelFetchError(Exception):
    """Downloading a model failed: the network, an unknown name, or a checksum mismatch."""


class EdgeSetupError(Exception):
    """The edge cannot start as configured; the message says what to do."""


class DamagedStoreError(EdgeSetupError):
    """The edge's SQLite file cannot be read; the message names it and says what to do."""


class MissionError(Exception):
    """A mission could not be carried out; the message says why, for a person."""


class MissionPayloadError(MissionError):
    """A mission is malformed or too big: unknown action, missing parameter, a cap exceeded."""


class MissionStepError(MissionError):
    """A step of a mission failed while running (a bad selector, a failed install, exit status)."""

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(message)
        self.output = output
        """What the step printed before it failed (capped), for the mission's result."""


class MissionLimitError(MissionStepError):
    """A mission's process tree broke its time or memory limit and was killed."""


class PathNotAllowedError(MissionError):
    """A file outside the directories a device shares was asked for."""


class DeviceCapabilityError(MissionError):
    """The device lacks what the step needs: no camera, no way to capture its screen."""


class HomeAssistantError(Exception):
    """Home Assistant refused or failed a request; the message says why, for a person."""


class HomeAssistantAuthError(HomeAssistantError):
    """Home Assistant refused the access token (wrong, revoked or expired)."""


class HomeAssistantUnavailableError(HomeAssistantError):
    """Home Assistant could not be reached or did not answer in time (it may be restarting)."""
