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


class NoOutputDeviceError(Exception):
    """No sound output device exists, so replies cannot be played aloud."""


class AudioFormatError(Exception):
    """Audio that cannot be read: not a WAV, a truncated file, an unsupported sample format."""


class ModelNotFoundError(Exception):
    """A speech model is neither configured, nor installed as a package, nor in the data dir."""


class ModelFetchError(Exception):
    """Downloading a model failed: the network, an unknown name, or a checksum mismatch."""


class EdgeSetupError(Exception):
    """The edge cannot start as configured; the message says what to do."""
