"""Missions from words: browser missions ("open URL and read me the title", "read me the
headline of URL", "take a screenshot of URL"), registered scripts ("run my hello script"),
privacy actions on a device ("record audio on the laptop for 5 seconds", "read the file /path on
the laptop", "capture the screen on the laptop", "take a photo on the laptop"), the yes or no
that answers a pending confirmation, and cancelling one ("cancel my backup script"). Any of them
may name a device ("on the kitchen pi …").

The rule reads the words as said (URLs and paths keep their case), before any language model is
asked: a privacy action must not depend on how a model read the sentence, so there is no tool.
The mission domain (the spec, routing, lifecycle, confirmations) lives in ``cloud.missions``;
each action type here is carried out there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cloud.capabilities.capability import Asked, Capability, Handles, Request, View
from cloud.missions import cancel, carry_out
from cloud.missions.plans import (
    DEFAULT_PRIVACY_DISTANCE_KM,
    PRIVACY_CAPABILITY,
    CancelMission,
    StartMission,
    StepPlan,
)
from cloud.time_phrases import normalize
from models.missions import MissionKind

DEFAULT_RECORD_S = 5


@dataclass(frozen=True, slots=True)
class RunScript:
    """Run a script from the registry as a Python mission."""

    name: str
    device_name: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerConfirmation:
    """A yes or a no for the confirmation the asking device is waiting on."""

    yes: bool


MissionAction = StartMission | RunScript | AnswerConfirmation | CancelMission

_YES = {"yes", "yes please", "yeah", "yep", "confirm", "confirmed", "do it", "go ahead", "sure"}
_NO = {"no", "no thanks", "nope", "cancel", "don't", "do not"}
_DEVICE_NOUNS = (
    "pi|laptop|desktop|computer|pc|mac|macbook|phone|tablet|speaker|server|tv|box|display"
)
_ON = r"(?:on|using)\s+(?:the\s+|my\s+)?"
_URL = r"(?P<url>(?:https?://)?[\w.-]+\.[a-z]{2,}(?::\d+)?(?:/\S*)?|https?://\S+)"
_BROWSER = [
    (
        re.compile(
            rf"(?:open|go to|visit|load)\s+{_URL}\s*,?\s+and\s+(?:read|tell)\s+me\s+"
            r"(?:the|its)\s+title",
            re.I,
        ),
        "title",
    ),
    (re.compile(rf"(?:read|tell)\s+me\s+the\s+title\s+(?:of|on)\s+{_URL}", re.I), "title"),
    (
        re.compile(
            rf"(?:open|go to|visit|load)\s+{_URL}\s*,?\s+and\s+(?:read|tell)\s+me\s+"
            r"(?:the|its)\s+(?:headline|heading)",
            re.I,
        ),
        "headline",
    ),
    (
        re.compile(
            rf"(?:read|tell)\s+me\s+the\s+(?:headline|heading)\s+(?:of|on|from)\s+{_URL}", re.I
        ),
        "headline",
    ),
    (re.compile(rf"take\s+a\s+screenshot\s+of\s+{_URL}", re.I), "screenshot"),
]
_SCRIPT = re.compile(r"run\s+(?:my|the)\s+(?P<name>[\w\s-]+?)\s+script", re.I)
_CANCEL = re.compile(
    r"(?:cancel|stop|abort)\s+(?:the|my|that)\s+(?:(?P<name>[\w\s-]+?)\s+)?"
    r"(?:mission|script|job|task)",
    re.I,
)
_RECORD = re.compile(
    r"record\s+(?:some\s+)?(?:audio|sound)(?:\s+for\s+(?P<seconds>[\w\s.]+?)\s+seconds?)?", re.I
)
_READ_FILE = re.compile(r"read\s+(?:me\s+)?(?:the\s+)?file\s+(?P<path>\S+)", re.I)
_CAPTURE = re.compile(r"(?:capture|grab)\s+the\s+screen|take\s+a\s+screenshot", re.I)
_PHOTO = re.compile(r"take\s+a\s+(?:photo|picture)", re.I)


def plan_mission(
    text: str,
    device_names: Sequence[str],
    *,
    privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM,
) -> MissionAction | None:
    """The mission ``text`` asks for, or None when it is not one."""
    cleaned = " ".join(text.split()).rstrip(".!?").strip()
    lowered = cleaned.lower().rstrip(",")
    if lowered in _YES:
        return AnswerConfirmation(yes=True)
    if lowered in _NO:
        return AnswerConfirmation(yes=False)
    device_name, rest = split_device(cleaned, device_names)
    for pattern, what in _BROWSER:
        match = pattern.fullmatch(rest)
        if match:
            return _browser(what, _with_scheme(match.group("url")), device_name)
    cancel = _CANCEL.fullmatch(rest)
    if cancel:
        name = " ".join((cancel.group("name") or "").lower().split()) or None
        return CancelMission(name=name, device_name=device_name)
    script = _SCRIPT.fullmatch(rest)
    if script:
        return RunScript(
            name=" ".join(script.group("name").lower().split()), device_name=device_name
        )
    return _privacy(rest, device_name, privacy_distance_km)


def split_device(text: str, device_names: Sequence[str]) -> tuple[str | None, str]:
    """``("kitchen pi", "take a photo")`` from "on the kitchen pi, take a photo" or
    "take a photo on the kitchen pi"; ``(None, text)`` when no device is named."""
    names = sorted(device_names, key=len, reverse=True)
    spelled = [re.escape(name).replace(r"\ ", r"\s+") for name in names]
    spelled.append(rf"(?:\w+\s+){{0,2}}?(?:{_DEVICE_NOUNS})")
    for name in spelled:
        prefix = re.match(rf"{_ON}(?P<name>{name})\b[,:]?\s+", text, re.I)
        if prefix:
            return " ".join(prefix.group("name").split()), text[prefix.end() :].strip()
        inner = re.search(rf"\s+on\s+(?:the\s+|my\s+)(?P<name>{name})\b", text, re.I)
        if inner is None and name != spelled[-1]:
            inner = re.search(rf"\s+on\s+(?P<name>{name})\b", text, re.I)
        if inner:
            rest = (text[: inner.start()] + text[inner.end() :]).strip().rstrip(",")
            return " ".join(inner.group("name").split()), rest
    return None, text


def _with_scheme(url: str) -> str:
    url = url.rstrip(",;")
    return url if re.match(r"https?://", url, re.I) else f"https://{url}"


def _browser(what: str, url: str, device_name: str | None) -> StartMission:
    goto = StepPlan("goto", {"url": url})
    if what == "title":
        steps, summary = (goto, StepPlan("read_title")), f"read the title of {url}"
    elif what == "headline":
        steps = (goto, StepPlan("read_text", {"selector": "h1"}))
        summary = f"read the headline of {url}"
    else:
        steps, summary = (goto, StepPlan("screenshot")), f"take a screenshot of {url}"
    return StartMission(
        kind=MissionKind.BROWSER,
        steps=steps,
        capabilities=frozenset({"browser"}),
        summary=summary,
        device_name=device_name,
    )


def _privacy(rest: str, device_name: str | None, distance_km: float) -> StartMission | None:
    step: StepPlan | None = None
    record = _RECORD.fullmatch(rest)
    if record:
        seconds = _seconds(record.group("seconds"))
        if seconds is None:
            return None
        step, summary = StepPlan("record_audio", {"seconds": seconds}), "record audio"
    elif read := _READ_FILE.fullmatch(rest):
        path = read.group("path")
        step, summary = StepPlan("read_file", {"path": path}), f"read the file {path}"
    elif _CAPTURE.fullmatch(rest):
        step, summary = StepPlan("capture_screen"), "capture the screen"
    elif _PHOTO.fullmatch(rest):
        step, summary = StepPlan("take_photo"), "take a photo"
    if step is None:
        return None
    return StartMission(
        kind=MissionKind.DEVICE_ACTION,
        steps=(step,),
        capabilities=frozenset({PRIVACY_CAPABILITY[step.action]}),
        summary=summary,
        device_name=device_name,
        confirm_beyond_km=distance_km,
    )


def _seconds(spoken: str | None) -> int | float | None:
    if spoken is None:
        return DEFAULT_RECORD_S
    digits = normalize(spoken).replace(" ", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def read(asked: Asked) -> MissionAction | None:
    return plan_mission(
        asked.said, asked.context.device_names, privacy_distance_km=asked.privacy_distance_km
    )


async def _start(request: Request, action: StartMission) -> str | None:
    return await carry_out.start(
        request.conn,
        action,
        device_id=request.device_id,
        utterance=request.utterance,
        trace_id=request.trace_id,
        message_id=request.message_id,
    )


async def _run_script(request: Request, action: RunScript) -> str | None:
    return await carry_out.run_script(
        request.conn,
        action.name,
        action.device_name,
        device_id=request.device_id,
        utterance=request.utterance,
        trace_id=request.trace_id,
        message_id=request.message_id,
    )


async def _confirm(request: Request, action: AnswerConfirmation) -> str | None:
    return await carry_out.answer_confirmation(
        request.conn, action.yes, request.device_id, request.utterance
    )


async def _cancel(request: Request, action: CancelMission) -> str | None:
    return await cancel.cancel_for_asker(
        request.conn, action, request.device_id, request.utterance, request.trace_id
    )


def _present(**values: object) -> dict[str, object]:
    return {key: value for key, value in values.items() if value is not None}


def _describe_start(action: StartMission) -> View:
    return View(
        "start_mission",
        _present(kind=action.kind.value, summary=action.summary, device=action.device_name),
    )


def _describe_script(action: RunScript) -> View:
    return View("run_script", _present(name=action.name, device=action.device_name))


def _describe_cancel(action: CancelMission) -> View:
    return View("cancel_mission", _present(name=action.name, device=action.device_name))


def _describe_confirmation(action: AnswerConfirmation) -> View:
    # A yes or no to a mission waiting for one: answered, in its own words, then.
    return View("answer", {"yes": action.yes})


CAPABILITY = Capability(
    name="missions",
    handles=(
        Handles(StartMission, carry_out=_start, describe=_describe_start),
        Handles(RunScript, carry_out=_run_script, describe=_describe_script),
        Handles(AnswerConfirmation, carry_out=_confirm, describe=_describe_confirmation),
        Handles(CancelMission, carry_out=_cancel, describe=_describe_cancel),
    ),
    rule=read,
    ruled_only=True,
)
