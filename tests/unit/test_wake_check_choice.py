"""How the whisper check's training chooses on the dev set (``wake_check_training.choose``): the
check alone's threshold nearest the goals; at strict sensitivity the threshold and veto nearest
the goals that never miss a phrase the check alone would have heard."""

from __future__ import annotations

from assistant.audio.wake_check_training import DevRates, choose


def _rates(
    threshold: float, veto: float, missed: tuple[float, float, float], near: float,
    per_hour: float = 0.0, kokoro: tuple[float, float, float] = (0.0, 0.0, 0.1),
) -> DevRates:  # fmt: skip
    rooms = ("clean", "20 dB", "10 dB")
    return DevRates(
        threshold,
        veto,
        {"espeak-ng": dict(zip(rooms, missed, strict=True)),
         "Kokoro": dict(zip(rooms, kokoro, strict=True))},
        {"espeak-ng": near, "Kokoro": near},
        per_hour,
    )  # fmt: skip


def test_the_distance_weighs_each_family_alike_and_each_rate_by_its_goal() -> None:
    rates = _rates(0.9, 0.0, (0.0, 0.0, 0.3), 0.1, per_hour=0.5, kokoro=(0.0, 0.0, 0.1))
    # 10 dB misses: mean 0.2 / 0.05 = 4; one goal's worth of false wakes; near 0.1 / 0.02 = 5.
    assert round(rates.distance, 6) == 10.0


def test_a_veto_is_chosen_only_where_it_misses_no_phrase_the_check_alone_hears() -> None:
    alone_best = _rates(0.98, 0.0, (0.075, 0.125, 0.325), 0.30)
    alone_other = _rates(0.9, 0.0, (0.05, 0.075, 0.2), 0.36)
    gentle = _rates(0.95, 0.05, (0.075, 0.112, 0.287), 0.25)
    # Nearer the goals still, but it misses more phrases clean than the check alone: refused.
    strong = _rates(0.95, 0.5, (0.138, 0.212, 0.3), 0.12)
    # As near as ``gentle`` but waking on other speech where the check alone does not: refused.
    noisy = _rates(0.9, 0.1, (0.05, 0.075, 0.2), 0.2, per_hour=0.1)
    said: list[str] = []
    alone, strict = choose([alone_best, alone_other, gentle, strong, noisy], said.append)
    assert alone is alone_best
    assert strict is gentle
    assert said[-1] == "  the check alone: threshold 0.98; strict: threshold 0.95, veto 0.05"
    assert len([line for line in said if "false accepts per hour" in line]) == 5


def test_without_a_better_veto_the_check_alone_is_kept() -> None:
    alone = _rates(0.95, 0.0, (0.06, 0.09, 0.27), 0.3)
    costly = _rates(0.95, 0.1, (0.1, 0.09, 0.27), 0.2)
    assert choose([alone, costly], lambda _line: None) == (alone, alone)
