"""The edge over HTTPS with a self-signed certificate, as the README shows how to make one."""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from edges import start_edge

pytestmark = pytest.mark.slow


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """The README's openssl command: a certificate for localhost and 127.0.0.1."""
    cert, key = directory / "edge.crt", directory / "edge.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825",
            "-subj", "/CN=jarvis-edge", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_the_console_is_served_over_https_with_the_given_certificate(tmp_path: Path) -> None:
    """With JARVIS_EDGE_TLS_CERT/KEY the edge says https and serves the page with that cert."""
    cert, key = _self_signed(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    extra = {"JARVIS_EDGE_TLS_CERT": str(cert), "JARVIS_EDGE_TLS_KEY": str(key)}
    edge = start_edge(data, extra_env=extra)
    try:
        assert edge.url.startswith("https://127.0.0.1:")
        trusting = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"{edge.url}/", context=trusting, timeout=10) as response:
            assert b'src="/console/console.js"' in response.read()
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"{edge.url}/", timeout=10)  # an unknown certificate
    finally:
        edge.stop()


def test_a_missing_certificate_stops_the_edge_saying_which(tmp_path: Path) -> None:
    """A certificate path that does not exist is a start-up error naming the setting."""
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(AssertionError, match="JARVIS_EDGE_TLS_CERT"):
        start_edge(data, extra_env={"JARVIS_EDGE_TLS_CERT": str(tmp_path / "none.crt")})
