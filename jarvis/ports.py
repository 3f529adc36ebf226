"""What the edge and the cloud say when they cannot listen on the port they were given."""

from __future__ import annotations

import errno

from jarvis.settings import setting_name


def cannot_listen(host: str, port: int, error: OSError, field: str) -> str:
    """One line for a port Jarvis cannot bind, naming the setting (``field``) that chose it."""
    reason = "another program is using it" if error.errno == errno.EADDRINUSE else error.strerror
    return (
        f"Cannot listen on {host}:{port}: {reason}. Stop that program, or set "
        f"{setting_name(field)} to a free port (0 picks one)."
    )
