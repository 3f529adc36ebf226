"""Python missions: create a throwaway environment, install wheels, run code under limits.

Steps: ``create_venv`` → checkpoint ``venv_created``; ``install_deps`` (``packages``, comma or
space separated) → ``deps_installed``; ``run_code`` (``code``, optional ``timeout_s``) →
``code_executed``. Each run gets a fresh temporary directory (environment, working directory,
TMPDIR) under ``work_root``, deleted when the run ends however it ends.

Resuming: the checkpoints of ``create_venv`` and ``install_deps`` are facts about the worker that
made them, and that environment died with it. So when a later step that is not done needs the
environment, this runner rebuilds it silently (create, then the packages of every done
``install_deps`` step, in order) without reporting those checkpoints again. ``run_code`` is the
step with side effects: once checkpointed it never runs again, and a resumed result carries only
the output of the steps run this time (earlier output is in the ``code_executed`` checkpoint).
A worker that dies after the code ran but before its checkpoint was stored leaves no proof, so
that one run may happen twice: the window every checkpoint protocol has, kept to one step.

A mission without ``create_venv`` still gets an environment: it is made at the first step that
needs one. Mission code runs with ``-I`` and a minimal environment (PATH, HOME, TMPDIR, LANG):
none of the worker's variables, which may hold tokens.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from assistant.errors import MissionLimitError, MissionStepError
from assistant.missions import OnCheckpoint
from assistant.missions._steps import (
    GIB,
    KIB,
    PayloadLimits,
    StepOutcome,
    check_payload,
    number_param,
    run_steps,
    safe_name,
    str_param,
)
from assistant.missions.process_tree import ProcessLimits, kill_recorded_group, run_limited
from assistant.missions.python_env import VenvTools, parse_packages, venv_python
from models.missions import STEP_ACTIONS, Mission, MissionKind, MissionResult, Step

log = structlog.get_logger(__name__)

ACTIONS = STEP_ACTIONS[MissionKind.PYTHON]
MAX_CODE_BYTES = 64 * KIB
RUNNING_FILE = "running.pid"
"""In a run's directory while one of its programs runs: that program's group and start time."""


@dataclass(frozen=True, slots=True)
class PythonRunnerConfig:
    tools: VenvTools
    work_root: Path
    """Where each run's temporary directory is made (and removed)."""
    time_limit_s: float = 300.0
    """Default and maximum for ``run_code``; a mission's ``timeout_s`` may only lower it."""
    memory_limit_bytes: int = GIB
    """Resident memory of the whole process tree, for every step's processes."""
    output_bytes: int = 64 * KIB
    setup_time_limit_s: float = 300.0
    """For creating the environment and for each install."""
    payload: PayloadLimits = field(
        default_factory=lambda: PayloadLimits(large_params={"code": MAX_CODE_BYTES})
    )


class PythonRunner:
    """Implements ``MissionRunner`` for ``MissionKind.PYTHON``."""

    kind = MissionKind.PYTHON

    def __init__(self, config: PythonRunnerConfig) -> None:
        self._config = config

    async def run(
        self, mission: Mission, *, done_steps: frozenset[int], on_checkpoint: OnCheckpoint
    ) -> MissionResult:
        self._config.work_root.mkdir(parents=True, exist_ok=True)
        root = Path(
            tempfile.mkdtemp(prefix=f"{safe_name(mission.id)}-", dir=self._config.work_root)
        )
        try:
            run = _Run(self._config, root)
            return await run_steps(
                mission,
                done_steps=done_steps,
                on_checkpoint=on_checkpoint,
                validate=lambda: self._validate(mission),
                perform=run.perform,
                skip=run.skip,
            )
        finally:
            # Synchronous on purpose: under cancellation an awaited thread could be abandoned.
            shutil.rmtree(root, ignore_errors=True)

    async def remove_leftovers(self) -> int:
        """Delete environments a previous process left behind (it was killed mid-run, so its
        ``finally`` never ran); call before the first run. Returns how many were removed."""

        def sweep() -> int:
            if not self._config.work_root.is_dir():
                return 0
            stale = [path for path in self._config.work_root.iterdir() if path.is_dir()]
            for path in stale:
                # Its code may still be running, unwatched, since its worker died: end it first.
                if kill_recorded_group(path / RUNNING_FILE):
                    log.warning("mission.leftover_process_killed", run_dir=path.name)
                shutil.rmtree(path, ignore_errors=True)
            return len(stale)

        return await asyncio.to_thread(sweep)

    async def close(self) -> None:
        """Nothing is held between runs."""

    def _validate(self, mission: Mission) -> None:
        check_payload(mission, self.kind, ACTIONS, self._config.payload)
        for step in mission.steps:
            if step.action == "install_deps":
                parse_packages(str_param(step, "packages"))
            elif step.action == "run_code":
                str_param(step, "code")
                code_time_limit_s(step, self._config)


class _Run:
    """The state of one mission run: its directory, and whether its environment exists yet."""

    def __init__(self, config: PythonRunnerConfig, root: Path) -> None:
        self._config = config
        self._venv = root / "venv"
        self._work = root / "work"
        self._tmp = root / "tmp"
        self._pid_file = root / RUNNING_FILE
        for directory in (self._work, self._tmp):
            directory.mkdir()
        self._venv_ready = False
        self._replay: list[list[str]] = []
        """Packages of done ``install_deps`` steps, not yet installed in this environment."""

    def skip(self, step: Step) -> None:
        if step.action == "install_deps":
            self._replay.append(parse_packages(str_param(step, "packages")))

    async def perform(self, step: Step) -> StepOutcome:
        if step.action == "create_venv":
            await self._ensure_environment()
            return StepOutcome("venv_created", {"tool": "uv" if self._config.tools.uv else "venv"})
        if step.action == "install_deps":
            packages = parse_packages(str_param(step, "packages"))
            await self._ensure_environment()
            await self._install(packages)
            return StepOutcome("deps_installed", {"packages": " ".join(packages)})
        await self._ensure_environment()
        return await self._run_code(step)

    async def _ensure_environment(self) -> None:
        if not self._venv_ready:
            await self._tool(self._config.tools.create_argv(self._venv), "creating the environment")
            self._venv_ready = True
        while self._replay:
            packages = self._replay.pop(0)
            log.info("mission.environment_replayed", packages=packages)
            await self._install(packages)

    async def _install(self, packages: list[str]) -> None:
        if packages:
            argv = self._config.tools.install_argv(self._venv, packages)
            await self._tool(argv, f"installing {', '.join(packages)}")

    async def _tool(self, argv: list[str], doing: str) -> None:
        """uv, venv or pip, with the worker's environment (its index settings, uv's cache)."""
        limits = ProcessLimits(
            time_s=self._config.setup_time_limit_s,
            memory_bytes=self._config.memory_limit_bytes,
            output_bytes=self._config.output_bytes,
        )
        env = {**os.environ, "TMPDIR": str(self._tmp), "PIP_NO_INPUT": "1"}
        try:
            outcome = await run_limited(
                argv, cwd=self._work, limits=limits, env=env, pid_file=self._pid_file
            )
        except OSError as error:  # the tool vanished or cannot be executed
            raise MissionStepError(f"{doing}: cannot run {argv[0]}: {error.strerror}") from None
        if outcome.broken_limit is not None:
            raise MissionLimitError(f"{doing}: {outcome.broken_limit}", output=outcome.output)
        if outcome.exit_code != 0:
            raise MissionStepError(
                f"{doing} failed (exit status {outcome.exit_code})", output=outcome.output
            )

    async def _run_code(self, step: Step) -> StepOutcome:
        script = self._work / "mission.py"
        script.write_text(str_param(step, "code"), encoding="utf-8")
        limits = ProcessLimits(
            time_s=code_time_limit_s(step, self._config),
            memory_bytes=self._config.memory_limit_bytes,
            output_bytes=self._config.output_bytes,
        )
        # -I: no PYTHON* variables, no user site, no script directory on sys.path; -u: output
        # unbuffered, so what was printed before a kill is not lost in a buffer.
        argv = [str(venv_python(self._venv)), "-I", "-u", str(script)]
        outcome = await run_limited(
            argv, cwd=self._work, limits=limits, env=self._code_env(), pid_file=self._pid_file
        )
        if outcome.broken_limit is not None:
            raise MissionLimitError(outcome.broken_limit, output=outcome.output)
        if outcome.exit_code != 0:
            how = _exit_reason(outcome.exit_code)
            raise MissionStepError(f"the code failed ({how})", output=outcome.output)
        return StepOutcome(
            "code_executed", {"exit_code": 0, "output": outcome.output}, output=outcome.output
        )

    def _code_env(self) -> dict[str, str]:
        """A clean environment: the worker's variables (tokens, keys) never reach mission code."""
        return {
            "PATH": f"{self._venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self._work),
            "TMPDIR": str(self._tmp),
            "LANG": "C.UTF-8",
            "VIRTUAL_ENV": str(self._venv),
        }


def code_time_limit_s(step: Step, config: PythonRunnerConfig) -> float:
    """The step's ``timeout_s``, which may lower the worker's limit but never raise it."""
    limit = config.time_limit_s
    return number_param(step, "timeout_s", default=limit, low=0, high=limit)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
