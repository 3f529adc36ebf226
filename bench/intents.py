"""Benchmark: Jarvis's local interpreter against Home Assistant's matcher (hassil).

Run ``python bench/intents.py``. It times ``assistant.interpreter.interpret`` on the whole corpus
(``bench/intents_corpus.py``: templates + the unit-test corpus), then times both matchers on the
*shared* subset — utterances whose intent exists in both catalogues, cloud-bound traps that use
the same words, and a sample of Home Assistant's own sentences — and scores both on it.

hassil gets what Home Assistant gives it: the English ``home-assistant-intents`` data, small slot
lists for ``name``/``area``/``floor``, and the satellite's area as context (media and volume
sentences without a target require it). The wake word is removed from its input, as Home
Assistant's wake-word engine does.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hassil import Intents, RecognizeResult, TextSlotList, recognize
from hassil.sample import sample_intents
from home_assistant_intents import get_intents
from intents_corpus import Case, build_corpus

from assistant.interpreter import interpret

OUR_ROUNDS = 20
HASSIL_ROUNDS = 2
HASSIL_SAMPLES_PER_INTENT = 12
SEED = 20240601

HA_TO_OURS = {
    "HassStartTimer": "timer.start",
    "HassCancelTimer": "timer.cancel",
    "HassCancelAllTimers": "timer.cancel",
    "HassPauseTimer": "timer.pause",
    "HassUnpauseTimer": "timer.resume",
    "HassTimerStatus": "timer.status",
    "HassIncreaseTimer": "timer.adjust",
    "HassDecreaseTimer": "timer.adjust",
    "HassGetCurrentTime": "time.now",
    "HassGetCurrentDate": "date.today",
    "HassShoppingListAddItem": "list.add",
    "HassMediaPause": "media.pause",
    "HassMediaUnpause": "media.resume",
    "HassMediaNext": "media.next",
    "HassMediaPrevious": "media.previous",
    "HassSetVolume": "volume.set",
    "HassSetVolumeRelative": "volume.change",
    "HassMediaPlayerMute": "volume.mute",
    "HassMediaPlayerUnmute": "volume.unmute",
    "HassNevermind": "assistant.stop",
}
# Cloud-bound utterances that use the shared domains' words: both matchers must leave them alone.
_TRAP = re.compile(
    r"\b(?:timers?|time|date|day|volume|music|play|pause|stop|skip|next|previous|mute|shopping"
    r"|list|never ?mind)\b",
    re.I,
)
# Home Assistant's wake-word engine consumes "hey jarvis" before its matcher sees the text.
_WAKE = re.compile(r"^(?:(?:hey|ok|okay) )?jarvis,? ", re.I)
_CONTEXT = {"area": {"value": "living room", "text": "living room"}}
_SLOT_LISTS = {
    "name": TextSlotList.from_strings(["kitchen light", "tv"]),
    "area": TextSlotList.from_strings(["living room", "kitchen"]),
    "floor": TextSlotList.from_strings(["ground floor"]),
}


@dataclass(frozen=True)
class Shared:
    """A shared-subset utterance: our expected result and Home Assistant's expected intent."""

    case: Case
    ha_intent: str | None


Outcome = tuple[str | None, dict[str, Any]]


def ha_name(case: Case) -> str | None:
    """The Home Assistant intent that means the same as the case's expected intent."""
    name, slots = case.intent, case.slots
    if name == "timer.cancel":
        return "HassCancelAllTimers" if slots.get("all") else "HassCancelTimer"
    if name == "timer.adjust":
        return "HassIncreaseTimer" if slots.get("delta_s", 1) > 0 else "HassDecreaseTimer"
    if name == "list.add" and slots.get("list") != "shopping":
        return None
    for ha, ours in HA_TO_OURS.items():
        if ours == name and ha not in ("HassCancelAllTimers", "HassDecreaseTimer"):
            return ha
    return None


def load_hassil() -> Intents:
    """Home Assistant's English intents, as Home Assistant loads them."""
    data = get_intents("en")
    assert data is not None
    return Intents.from_dict(data)


def hassil_samples(rng: random.Random) -> list[Shared]:
    """A sample of Home Assistant's own target-free sentences for the shared intents."""
    data = get_intents("en")
    assert data is not None
    kept: dict[str, Any] = {}
    for name in HA_TO_OURS:
        blocks = []
        for block in data["intents"][name]["data"]:
            free = [s for s in block["sentences"] if not re.search(r"\{(?:area|name|floor)\}", s)]
            if free:
                blocks.append({**block, "sentences": free})
        kept[name] = {"data": blocks}
    intents = Intents.from_dict({**data, "intents": kept})
    by_intent: dict[str, list[str]] = {}
    for name, text in sample_intents(intents, _SLOT_LISTS, max_sentences_per_intent=400):
        by_intent.setdefault(name, []).append(" ".join(text.split()))
    shared = []
    for name, texts in sorted(by_intent.items()):
        for text in rng.sample(sorted(set(texts)), min(HASSIL_SAMPLES_PER_INTENT, len(texts))):
            slots = {"all": True} if name == "HassCancelAllTimers" else {}
            shared.append(Shared(Case(text, HA_TO_OURS[name], slots, "hassil"), name))
    return shared


def shared_subset(corpus: Iterable[Case], rng: random.Random) -> list[Shared]:
    """Our shared-intent and trap utterances, plus Home Assistant's own sentences."""
    ours = [Shared(c, ha_name(c)) for c in corpus if c.intent and ha_name(c)]
    traps = [Shared(c, None) for c in corpus if c.intent is None and _TRAP.search(c.text)]
    return ours + traps + hassil_samples(rng)


def our_outcome(text: str) -> Outcome:
    found = interpret(text)
    return (found.name, dict(found.slots)) if found else (None, {})


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float | str) else 0.0


def ha_outcome(result: RecognizeResult | None) -> tuple[str | None, Outcome]:
    """Home Assistant's intent name, and its result in our vocabulary (slots we compare)."""
    if result is None or result.intent.name not in HA_TO_OURS:
        return (None if result is None else result.intent.name), (None, {})
    name = result.intent.name
    values = {key: entity.value for key, entity in result.entities.items()}
    slots: dict[str, Any] = {}
    seconds = sum(
        _number(values[k]) * s
        for k, s in (("hours", 3600), ("minutes", 60), ("seconds", 1))
        if k in values
    )
    if name == "HassStartTimer" and seconds:
        slots["duration_s"] = round(seconds)
    if name in ("HassIncreaseTimer", "HassDecreaseTimer") and seconds:
        slots["delta_s"] = round(seconds) * (1 if name == "HassIncreaseTimer" else -1)
    if name == "HassCancelAllTimers":
        slots["all"] = True
    if name == "HassSetVolume" and "volume_level" in values:
        slots["level"] = round(_number(values["volume_level"]))
    if name == "HassSetVolumeRelative":
        step = values.get("volume_step")
        down = step == "down" or (isinstance(step, int | float) and step < 0)
        slots["delta"] = -1 if down else 1
    if name == "HassShoppingListAddItem" and "item" in values:
        slots["item"] = str(values["item"]).strip().lower()
    return name, (HA_TO_OURS[name], slots)


COMPARED = ("duration_s", "delta_s", "level", "item", "all")


def correct(expected: Shared, outcome: Outcome, ha_intent: str | None = None) -> bool:
    """Right intent, and equal values for the slots both systems can express."""
    name, slots = outcome
    case = expected.case
    if case.intent is None:
        return name is None
    if name != case.intent or (ha_intent is not None and ha_intent != expected.ha_intent):
        return False
    increase = expected.ha_intent == "HassIncreaseTimer"
    if case.intent == "timer.adjust" and "delta_s" in slots and (slots["delta_s"] > 0) != increase:
        return False
    if case.intent == "volume.change" and "delta" in case.slots:
        # Home Assistant's relative volume has no step size: compare the direction only.
        return (slots.get("delta", 0) > 0) == (case.slots["delta"] > 0)
    return all(slots.get(key) == case.slots[key] for key in COMPARED if key in case.slots)


def timed(function: Callable[[str], Any], texts: list[str], rounds: int) -> list[float]:
    """Per-call latencies in microseconds over ``rounds`` passes."""
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            function(text)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_hassil() -> tuple[Callable[[str], RecognizeResult | None], float]:
    """A warmed-up hassil matcher, and how long its first call took (ms)."""
    intents = load_hassil()

    def hassil(text: str) -> RecognizeResult | None:
        return recognize(
            _WAKE.sub("", text),
            intents,
            slot_lists=_SLOT_LISTS,
            intent_context=_CONTEXT,
            language="en",
        )

    start = time.perf_counter()
    hassil("set a timer for 5 minutes")
    first_ms = (time.perf_counter() - start) * 1000
    for text in ("what time is it", "pause", "never mind", "set the volume to 40"):
        hassil(text)
    return hassil, first_ms


@dataclass
class Scores:
    """Per-utterance verdicts on the shared subset, for one matcher."""

    shared: list[Shared]
    flags: list[bool]

    def accuracy(self, where: Callable[[Shared], bool] = lambda s: True) -> str:
        chosen = [f for f, s in zip(self.flags, self.shared, strict=True) if where(s)]
        return f"{100 * sum(chosen) / len(chosen):.1f}% ({sum(chosen)}/{len(chosen)})"


def print_table(shared: list[Shared], ours: Scores, theirs: Scores, lat: dict[str, float]) -> None:
    local = sum(1 for s in shared if s.case.intent)
    from_ha = sum(s.case.source == "hassil" for s in shared)
    subsets: list[tuple[str, Callable[[Shared], bool]]] = [
        ("accuracy, all shared", lambda s: True),
        ("accuracy, our sentences", lambda s: s.case.source != "hassil"),
        ("accuracy, HA's own sentences", lambda s: s.case.source == "hassil"),
        ("accuracy, cloud-bound traps", lambda s: not s.case.intent),
    ]
    rows = [
        ("shared subset: utterances", str(len(shared)), str(len(shared))),
        ("  local, shared intents", str(local), str(local)),
        ("  cloud-bound traps", str(len(shared) - local), str(len(shared) - local)),
        ("  from HA's own sentences", str(from_ha), str(from_ha)),
        ("p50 latency (us)", f"{lat['ours_p50']:.1f}", f"{lat['ha_p50']:.1f}"),
        ("p99 latency (us)", f"{lat['ours_p99']:.1f}", f"{lat['ha_p99']:.1f}"),
        *((label, ours.accuracy(where), theirs.accuracy(where)) for label, where in subsets),
    ]
    print(f"{'':32} {'jarvis':>20} {'hassil':>20}")
    for label, mine, other in rows:
        print(f"{label:32} {mine:>20} {other:>20}")


def print_misses(shared: list[Shared], ours: Scores, theirs: Scores) -> None:
    for case, ok_o, ok_h in zip(shared, ours.flags, theirs.flags, strict=True):
        if not (ok_o and ok_h):
            print(f"  miss jarvis={not ok_o} hassil={not ok_h}: {case.case.text!r}")


def main() -> int:
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    corpus = build_corpus()
    texts = [c.text for c in corpus]
    for text in texts:  # warm-up
        interpret(text)
    ours_all = timed(interpret, texts, OUR_ROUNDS)
    exact = sum(our_outcome(c.text) == (c.intent, c.slots) for c in corpus)

    hassil, first_ms = make_hassil()
    shared = shared_subset(corpus, random.Random(SEED))
    shared_texts = [s.case.text for s in shared]
    ours_lat = timed(interpret, shared_texts, OUR_ROUNDS)
    ha_lat = timed(hassil, shared_texts, HASSIL_ROUNDS)
    ha_results = [ha_outcome(hassil(text)) for text in shared_texts]
    ours = Scores(shared, [correct(s, our_outcome(s.case.text)) for s in shared])
    theirs = Scores(
        shared, [correct(s, out, name) for s, (name, out) in zip(shared, ha_results, strict=True)]
    )
    lat = {
        "ours_p50": percentile(ours_lat, 0.5),
        "ours_p99": percentile(ours_lat, 0.99),
        "ha_p50": percentile(ha_lat, 0.5),
        "ha_p99": percentile(ha_lat, 0.99),
    }
    print_table(shared, ours, theirs, lat)
    print()
    print(
        f"speed-up (hassil/jarvis): p50 {lat['ha_p50'] / lat['ours_p50']:.0f}x, "
        f"p99 {lat['ha_p99'] / lat['ours_p99']:.0f}x; hassil first call {first_ms:.0f} ms "
        "(warm-up, not counted)"
    )
    print(
        f"jarvis, whole corpus ({len(corpus)} utterances x {OUR_ROUNDS} rounds): "
        f"p50 {percentile(ours_all, 0.5):.1f} us, p99 {percentile(ours_all, 0.99):.1f} us; "
        f"exact intent+slots {exact}/{len(corpus)}"
    )
    print(f"python {sys.version.split()[0]}; bench took {time.perf_counter() - started:.1f} s")
    print()
    print("| matcher | p50 | p99 | accuracy, shared subset |")
    print("|---|---|---|---|")
    print(
        f"| Jarvis interpreter | {lat['ours_p50']:.0f} µs | {lat['ours_p99']:.0f} µs "
        f"| {ours.accuracy()} |"
    )
    print(
        f"| hassil + home-assistant-intents | {lat['ha_p50'] / 1000:.1f} ms "
        f"| {lat['ha_p99'] / 1000:.1f} ms | {theirs.accuracy()} |"
    )
    if "-v" in sys.argv:
        print_misses(shared, ours, theirs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
