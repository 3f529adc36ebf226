"""Benchmark: how long a Python mission waits for its throwaway environment, uv versus venv.

Run ``python bench/missions.py [--rounds N]``. Each round makes a fresh environment both ways,
through the same code path the Python runner uses (``VenvTools.create_argv`` under
``run_limited``), in alternating order, and counts it ready once its interpreter has answered
(``python -I -c pass``). The stdlib row includes what ``python -m venv`` always does: installing
pip into the environment, which is how that environment installs packages later.

Not measured yet: mission dispatch latency and failover time (lease lapse → resumed elsewhere);
both need the cloud side, which does not exist yet.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from assistant.missions.process_tree import ProcessLimits, run_limited
from assistant.missions.python_env import VenvTools, find_uv, venv_python

LIMITS = ProcessLimits(time_s=120.0)


async def ready_s(tools: VenvTools, parent: Path) -> float:
    """Seconds from nothing to an environment whose interpreter runs code."""
    venv = Path(tempfile.mkdtemp(dir=parent)) / "venv"
    started = time.perf_counter()
    made = await run_limited(tools.create_argv(venv), cwd=parent, limits=LIMITS)
    answered = await run_limited(
        [str(venv_python(venv)), "-I", "-c", "pass"], cwd=parent, limits=LIMITS
    )
    elapsed = time.perf_counter() - started
    if made.exit_code != 0 or answered.exit_code != 0:
        raise SystemExit(f"environment failed: {made.output}{answered.output}")
    return elapsed


async def measure(rounds: int) -> dict[str, list[float]]:
    python = Path(sys.executable)
    uv = find_uv()
    if uv is None:
        raise SystemExit("uv is not on PATH: nothing to compare")
    contenders = {"uv venv": VenvTools(python, uv), "python -m venv": VenvTools(python, None)}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    with tempfile.TemporaryDirectory(prefix="bench-missions-") as scratch:
        for round_index in range(rounds):
            order = list(contenders.items())
            if round_index % 2:
                order.reverse()
            for name, tools in order:
                times[name].append(await ready_s(tools, Path(scratch)))
    return times


def print_table(times: dict[str, list[float]]) -> None:
    print(f"{'environment ready':<18} {'rounds':>6} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, values in times.items():
        print(
            f"{name:<18} {len(values):>6} {statistics.median(values) * 1000:>10.0f} "
            f"{min(values) * 1000:>8.0f} {max(values) * 1000:>8.0f}"
        )
    uv_s = statistics.median(times["uv venv"])
    venv_s = statistics.median(times["python -m venv"])
    print(f"\nuv is {venv_s / uv_s:.1f}x faster (median python -m venv / median uv venv)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    times = asyncio.run(measure(args.rounds))
    print_table(times)
    print("dispatch latency, failover time: need the cloud side; not measured yet")
    print(f"python {sys.version.split()[0]}; bench took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
