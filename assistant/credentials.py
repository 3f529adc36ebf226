"""The device token this edge presents to the cloud, kept in the data dir readable only by us."""

from __future__ import annotations

import os
from pathlib import Path

TOKEN_FILE = "device_token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def read_token(data_dir: Path) -> str | None:
    path = token_path(data_dir)
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def save_token(data_dir: Path, token: str) -> Path:
    """Write the token with mode 0600, never visible to other users, even for an instant."""
    token = token.strip()
    if "." not in token:
        raise ValueError(
            "a device token looks like DEVICE_ID.SECRET, as `jarvis cloud enroll` prints it"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    path = token_path(data_dir)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    os.replace(partial, path)
    return path


def device_id_of(token: str) -> str:
    """The cloud issues tokens as ``<device id>.<secret>``."""
    return token.split(".", 1)[0]
