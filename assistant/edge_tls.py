"""HTTPS for the edge API and its console: a certificate the user provides (or makes, see the
README's "Web console" section). Browsers lend a page the microphone only on a secure origin,
and anywhere but ``localhost`` that means HTTPS."""

from __future__ import annotations

import ssl
from pathlib import Path

from assistant.errors import EdgeSetupError


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """The server context for ``cert`` (and ``key``); None when no certificate is configured.
    ``EdgeSetupError`` names the variable when a file is missing or unusable."""
    if cert is None:
        if key is not None:
            raise EdgeSetupError("JARVIS_EDGE_TLS_KEY is set without JARVIS_EDGE_TLS_CERT.")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except FileNotFoundError as error:
        raise EdgeSetupError(
            f"JARVIS_EDGE_TLS_CERT/KEY: {error.filename} does not exist."
        ) from None
    except (ssl.SSLError, OSError) as error:
        raise EdgeSetupError(
            f"JARVIS_EDGE_TLS_CERT/KEY: cannot use {cert} as a certificate: {error}"
        ) from None
    return context
