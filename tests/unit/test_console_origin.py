"""The talk socket's Origin and Host check: only the edge's own page, on the names it serves."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from assistant.console.talk import origin_problem


def _problem(origin: str | None, host: str | None, *, loopback_only: bool = True) -> str | None:
    headers = {name: value for name, value in (("Origin", origin), ("Host", host)) if value}
    return origin_problem(
        make_mocked_request("GET", "/v1/console/talk", headers=headers), loopback_only
    )


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://127.0.0.1:8765", "127.0.0.1:8765"),
        ("http://localhost:8765", "localhost:8765"),
        ("http://[::1]:8765", "[::1]:8765"),
    ],
)
def test_the_page_of_this_edge_may_talk(origin: str, host: str) -> None:
    """The console page served here, on a loopback name, is admitted."""
    assert _problem(origin, host) is None


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        (None, "127.0.0.1:8765"),
        ("http://evil.example", "127.0.0.1:8765"),
        ("http://127.0.0.1:9999", "127.0.0.1:8765"),
        ("https://127.0.0.1:8765", "127.0.0.1:8765"),
        ("null", "127.0.0.1:8765"),
        ("http://rebound.example:8765", "rebound.example:8765"),
    ],
)
def test_other_pages_and_rebound_names_are_refused(origin: str | None, host: str) -> None:
    """No Origin, another site, another port or scheme, or a DNS-rebound name: refused."""
    assert _problem(origin, host) is not None


def test_beyond_loopback_a_lan_name_is_admitted_from_its_own_page() -> None:
    """Bound beyond loopback, the page served under a LAN address may talk (the token decides)."""
    assert _problem("http://192.168.1.20:8765", "192.168.1.20:8765", loopback_only=False) is None
