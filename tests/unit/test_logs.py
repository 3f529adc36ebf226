"""Every log line carries the four trace keys, bound through context variables."""

from __future__ import annotations

import asyncio
import io
import json

import structlog

from jarvis.logs import TRACE_KEYS, configure_logging, traced


async def _deep_work() -> None:
    await asyncio.sleep(0)
    await _deeper_work()


async def _deeper_work() -> None:
    structlog.get_logger("test").info("deep.step", detail=1)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_nested_async_calls_log_the_bound_trace_keys() -> None:
    """A line logged three awaits deep, in a child task, carries the ids bound above it."""
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    with traced(trace_id="t-1", device_id="kitchen", session_id="s-9"):
        await asyncio.create_task(_deep_work())
        with traced(mission_id="m-3"):
            await _deep_work()
    structlog.get_logger("test").info("outside")

    first, second, outside = _lines(stream)
    assert {key: first[key] for key in TRACE_KEYS} == {
        "trace_id": "t-1",
        "device_id": "kitchen",
        "session_id": "s-9",
        "mission_id": None,
    }
    assert second["mission_id"] == "m-3"
    assert second["trace_id"] == "t-1"
    assert first["event"] == "deep.step"
    assert {key: outside[key] for key in TRACE_KEYS} == dict.fromkeys(TRACE_KEYS)


async def test_sibling_tasks_keep_their_own_trace() -> None:
    """Two concurrent requests never see each other's trace id."""
    stream = io.StringIO()
    configure_logging("info", "json", stream)

    async def request(trace_id: str) -> None:
        with traced(trace_id=trace_id):
            await asyncio.sleep(0.01)
            await _deeper_work()

    await asyncio.gather(request("a"), request("b"))
    assert sorted(str(line["trace_id"]) for line in _lines(stream)) == ["a", "b"]


def test_standard_library_logging_carries_the_keys_too() -> None:
    """Lines from libraries that use `logging` get the same JSON shape and keys."""
    import logging

    stream = io.StringIO()
    configure_logging("info", "json", stream)
    with traced(device_id="pi"):
        logging.getLogger("aiohttp.server").warning("library says %s", "hi")
    (line,) = _lines(stream)
    assert line["event"] == "library says hi"
    assert line["device_id"] == "pi"
    assert set(TRACE_KEYS) <= set(line)


def test_console_output_on_a_terminal_is_not_json() -> None:
    """On a TTY, lines are readable console text rather than JSON."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    configure_logging("info", "auto", stream)
    structlog.get_logger("test").info("hello.there")
    output = stream.getvalue()
    assert "hello.there" in output
    assert not output.lstrip().startswith("{")
