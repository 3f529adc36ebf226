"""The pure parts of missions: reading requests, ranking workers, wording results, settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from cloud.capabilities.missions import AnswerConfirmation, RunScript, plan_mission
from cloud.capabilities.planners import LlmPlanner, RulePlanner
from cloud.missions.lifecycle import MissionConfig, config_from
from cloud.missions.plans import StartMission
from cloud.missions.replies import result_text
from cloud.missions.routing import Worker, load_of, rank
from cloud.planning.language_model import LlmConfig
from cloud.planning.planner import PlanContext
from jarvis.settings import SettingsError, load_settings
from models import Location, Utterance
from models.missions import MissionKind

NAMES = ["kitchen pi", "laptop", "office laptop"]
PARIS = Location(48.8566, 2.3522)


def test_page_title_request_keeps_the_url_case() -> None:
    """ "open URL and read me the title" → goto (URL as said) then read_title."""
    plan = plan_mission("Open http://127.0.0.1:8080/Page and read me the title.", NAMES)
    assert isinstance(plan, StartMission)
    assert plan.kind is MissionKind.BROWSER
    assert [(s.action, dict(s.params)) for s in plan.steps] == [
        ("goto", {"url": "http://127.0.0.1:8080/Page"}),
        ("read_title", {}),
    ]
    assert plan.capabilities == {"browser"}


@pytest.mark.parametrize(
    ("text", "last", "device"),
    [
        ("read me the headline of https://example.com/news", "read_text", None),
        ("take a screenshot of example.com", "screenshot", None),
        ("on the kitchen pi, take a screenshot of http://x.org/a", "screenshot", "kitchen pi"),
    ],
)
def test_browser_requests(text: str, last: str, device: str | None) -> None:
    """Headlines read h1, screenshots save a picture; a named device is kept."""
    plan = plan_mission(text, NAMES)
    assert isinstance(plan, StartMission)
    assert (plan.steps[-1].action, plan.device_name) == (last, device)


@pytest.mark.parametrize(
    ("text", "action", "params", "capability", "device"),
    [
        ("record audio on the laptop for five seconds", "record_audio", {"seconds": 5},
         "microphone", "laptop"),
        ("read the file /home/me/Notes.txt on the laptop", "read_file",
         {"path": "/home/me/Notes.txt"}, "files", "laptop"),
        ("capture the screen on the office laptop", "capture_screen", {}, "screen",
         "office laptop"),
        ("take a photo on the laptop", "take_photo", {}, "camera", "laptop"),
        ("on the garage pi take a photo", "take_photo", {}, "camera", "garage pi"),
    ],
)  # fmt: skip
def test_privacy_actions(
    text: str, action: str, params: dict[str, object], capability: str, device: str
) -> None:
    """Each privacy action maps to one step, its capability and the device it names."""
    plan = plan_mission(text, NAMES)
    assert isinstance(plan, StartMission)
    assert plan.kind is MissionKind.DEVICE_ACTION
    assert [(s.action, dict(s.params)) for s in plan.steps] == [(action, params)]
    assert (plan.capabilities, plan.device_name) == ({capability}, device)


def test_scripts_and_answers() -> None:
    """Scripts are named by voice; yes and no answer a confirmation; the rest is not mine."""
    assert plan_mission("run my hello script", NAMES) == RunScript("hello")
    assert plan_mission("run the backup script on the kitchen pi", NAMES) == RunScript(
        "backup", "kitchen pi"
    )
    assert plan_mission("Yes.", NAMES) == AnswerConfirmation(yes=True)
    assert plan_mission("cancel", NAMES) == AnswerConfirmation(yes=False)
    assert plan_mission("on the kitchen pi set a timer for 5 minutes", NAMES) is None


def test_ranking_prefers_idle_then_near_workers() -> None:
    """Load and distance add up; unknown load or place counts as middling."""
    near_busy = Worker("1", "near busy", 0.9, PARIS)
    far_idle = Worker("2", "far idle", 0.0, Location(45.764, 4.8357))
    near_idle = Worker("3", "near idle", 0.1, Location(48.80, 2.12))
    unknown = Worker("4", "unknown", None, None)
    assert [w.id for w in rank([near_busy, far_idle, near_idle, unknown], PARIS)] == [
        "3",
        "1",
        "4",
        "2",
    ]
    assert load_of({"cpu_percent": 50, "memory_percent": 30}) == 0.4
    assert load_of(None) is None


def test_result_sentences() -> None:
    """Titles, screenshots and failures are said as sentences; output is cut to two."""
    steps = [{"index": 0, "action": "goto"}, {"index": 1, "action": "read_title"}]
    common = {"summary": "read the title", "worker_name": "laptop", "error": None}
    assert (
        result_text(
            kind="browser",
            steps=steps,
            ok=True,
            output="",
            checkpoints={1: {"title": "Example Domain"}},
            **common,
        )
        == "The title is “Example Domain”."
    )
    shot = [{"index": 0, "action": "goto"}, {"index": 1, "action": "screenshot"}]
    assert (
        result_text(
            kind="browser",
            steps=shot,
            ok=True,
            output="screenshot: /s/m-1.png",
            checkpoints={},
            **common,
        )
        == "I saved the screenshot on the laptop at /s/m-1.png."
    )
    run = [{"index": 0, "action": "run_code"}]
    long = "One. Two! Three? Four."
    assert (
        result_text(kind="python", steps=run, ok=True, output=long, checkpoints={}, **common)
        == "One. Two!"
    )
    failed = result_text(
        kind="python", steps=run, ok=False, output="", checkpoints={},
        summary="run the x script", worker_name="pi", error="the code failed (exit status 1)",
    )  # fmt: skip
    assert (
        failed == "Sorry, I couldn't run the x script on the pi: the code failed (exit status 1)."
    )


def test_settings_from_the_environment(tmp_path: Path) -> None:
    """The lease and the privacy distance come from the settings; a bad value names its
    variable."""

    def config(**environ: str) -> MissionConfig:
        return config_from(load_settings({"JARVIS_DATA_DIR": str(tmp_path), **environ}))

    lease_3 = config(JARVIS_MISSION_LEASE_S="3", JARVIS_PRIVACY_DISTANCE_KM="10")
    assert (lease_3.lease_s, lease_3.privacy_distance_km, lease_3.check_every_s) == (3, 10, 1)
    assert config().lease_s == 15.0
    # Three heartbeats fit in a lease: one late frame does not cost a worker its mission.
    assert config().heartbeat_s(10.0) == 5.0
    assert config(JARVIS_MISSION_LEASE_S="60").heartbeat_s(10.0) == 10.0
    for bad in ("soon", "0", "-5"):
        with pytest.raises(SettingsError, match="JARVIS_MISSION_LEASE_S"):
            config(JARVIS_MISSION_LEASE_S=bad)


async def test_the_language_model_never_reads_missions_or_confirmations() -> None:
    """With a model configured, mission requests and yes/no are still read by the rules
    (the model endpoint here is never called), with the configured privacy distance."""
    config = LlmConfig(url="http://127.0.0.1:9/v1/chat/completions", model="m", api_key=None)
    context = PlanContext(now=datetime.now(UTC), device_names=NAMES)
    async with aiohttp.ClientSession() as session:
        planner = LlmPlanner(session, config, fallback=RulePlanner(), privacy_distance_km=7.0)
        said = Utterance(id="u", text="take a photo on the laptop", trace_id="t")
        plan = await planner.plan(said, context)
        assert isinstance(plan, StartMission)
        assert plan.confirm_beyond_km == 7.0
        yes = Utterance(id="u2", text="yes", trace_id="t")
        assert await planner.plan(yes, context) == AnswerConfirmation(yes=True)
