"""The edge as a real process refuses requests addressed to another host (DNS rebinding)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

from edges import start_edge


def _raw_post(url: str, host: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
    """POST /v1/utterances over a bare socket with exactly the ``Host`` header given, as curl
    -H 'Host: …' sends it; the status and JSON body."""
    parts = urlsplit(url)
    payload = json.dumps(body).encode()
    request = (
        f"POST /v1/utterances HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode() + payload
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(rest)


def test_the_edge_answers_only_its_own_host_names(data_dir: Path) -> None:
    """A foreign Host gets 421 and no notes; loopback names and a configured name are served."""
    edge = start_edge(data_dir, extra_env={"JARVIS_ALLOWED_HOSTS": "jarvis.lan"})
    try:
        port = urlsplit(edge.url).port
        status, body = _raw_post(edge.url, "127.0.0.1", {"text": "take a note: secret plans"})
        assert status == 200
        for host in (f"evil.example.com:{port}", "evil.example.com", "127.0.0.1.evil.example"):
            status, body = _raw_post(edge.url, host, {"text": "read my notes"})
            assert status == 421
            assert body["error"]["code"] == "misdirected_request"  # type: ignore[index]
            assert "secret" not in json.dumps(body)
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "[::1]", "jarvis.lan:8765"):
            status, body = _raw_post(edge.url, host, {"text": "read my notes"})
            assert status == 200, host
            assert "secret plans" in str(body["reply"])
    finally:
        edge.stop()
