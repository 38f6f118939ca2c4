"""The only module that drives DVC. It runs DVC as a program, never imports it.

A separate process keeps `mlci` itself light to start and lets `mlci run` follow `dvc repro`
line by line, so each stage's outcome and time can be shown as it happens.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlci.errors import Stopped, UsageError

Outcome = Literal["ran", "skipped", "restored", "failed", "would run"]

_RUNNING = re.compile(r"^Running stage '(?P<stage>.+)':$")
_SKIPPED = re.compile(r"^Stage '(?P<stage>.+)' didn't change, skipping$")
_RESTORED = re.compile(r"^Stage '(?P<stage>.+)' is cached - skipping run, checking out outputs$")
_FAILED = re.compile(r"^ERROR: failed to reproduce '(?P<stage>.+?)': (?P<reason>.*)$")
_ERROR = re.compile(r"^ERROR: (?P<reason>.*)$")
# DVC's advice on git commands and autostaging is noise under mlci, which says what to do.
_NOISE = re.compile(
    r"^(Updating|Generating) lock file|^To track the changes with git|^To enable auto staging"
    r"|^\tgit add |^\tdvc config core.autostage|^Use `dvc push`|^$"
)


def dvc_command(*args: str) -> list[str]:
    """DVC from the same environment as mlci, whatever is first on PATH."""
    return [sys.executable, "-m", "dvc", *args]


def run_dvc(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(dvc_command(*args), cwd=root, capture_output=True, text=True)


def check_dvc(root: Path, *args: str) -> str:
    """Run DVC and return its output; a failure becomes a one-line UsageError."""
    done = run_dvc(root, *args)
    if done.returncode != 0:
        raise UsageError(f"dvc {' '.join(args)} failed: {_last_error(done.stdout + done.stderr)}")
    return done.stdout


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1]


def is_dvc_repo(root: Path) -> bool:
    return (root / ".dvc").is_dir()


def init(root: Path) -> None:
    check_dvc(root, "init", "-q")


def default_remote(root: Path) -> str | None:
    done = run_dvc(root, "remote", "default")
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None


def add_remote(root: Path, name: str, url: str, *, local: bool) -> None:
    """Add `url` as the default remote; `local` keeps it out of git (.dvc/config.local)."""
    scope = ["--local"] if local else []
    check_dvc(root, "remote", "add", *scope, "--default", "--force", name, url)


def track(root: Path, path: str) -> None:
    # Not -q: with it DVC prints nothing at all on failure, and its message is the fix.
    check_dvc(root, "add", path)


def push(root: Path) -> None:
    check_dvc(root, "push", "--run-cache")


def status(root: Path) -> dict[str, Any]:
    """What differs between the workspace and dvc.lock, per stage; empty when reproduced."""
    output = check_dvc(root, "status", "--json")
    try:
        parsed: dict[str, Any] = json.loads(output or "{}")
    except ValueError:
        raise UsageError(f"dvc status gave output mlci cannot read: {output[:200]}") from None
    return parsed


def would_run(root: Path) -> list[str]:
    """The stages `dvc repro` would run, worked out from `dvc status` and the stage graph.

    `dvc repro --dry` cannot answer on a fresh checkout: it stops at the first input that
    an earlier stage has yet to write.
    """
    from mlci.dvc.dvcfile import plain_stages
    from mlci.dvc.stage_graph import downstream

    stages = plain_stages((root / "dvc.yaml").read_text(encoding="utf-8")) or {}
    changed = status(root)
    data = [key.removesuffix(".dvc") for key in changed if key.endswith(".dvc")]
    return downstream(stages, changed, data)


@dataclass
class StageRun:
    name: str
    outcome: Outcome
    seconds: float = 0.0
    output: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ReproResult:
    stages: list[StageRun]
    returncode: int
    error: str = ""
    """DVC's own error when it failed outside any stage (an invalid dvc.yaml, a lock)."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class ReproWatcher:
    """Callbacks for a running `dvc repro`; the CLI prints from them."""

    finished: Callable[[StageRun], None] = lambda run: None
    started: Callable[[str], None] = lambda name: None
    still_running: Callable[[str, float, str], None] = lambda name, seconds, last: None
    """Every `tick_seconds` while a stage runs: its name, seconds so far, last line printed."""
    output: Callable[[str, str], None] | None = None
    """Each line a stage prints, with the stage's name, as it is printed (`mlci run -v`)."""
    tick_seconds: float = 15.0


class _ReproParser:
    """Follows `dvc repro` output, turning it into one StageRun per stage."""

    def __init__(self, watcher: ReproWatcher, dry: bool) -> None:
        self.watcher = watcher
        self.dry = dry
        self.runs: list[StageRun] = []
        self.current: StageRun | None = None
        self.started_at = 0.0
        self.loose: list[str] = []
        self.lock = threading.Lock()

    def feed(self, line: str) -> None:
        with self.lock:
            if match := _RUNNING.match(line):
                self._close("ran")
                self.current = StageRun(match["stage"], "would run" if self.dry else "ran")
                self.started_at = time.monotonic()
                self.watcher.started(self.current.name)
            elif match := _SKIPPED.match(line):
                self._close("ran")
                self._record(StageRun(match["stage"], "skipped"))
            elif match := _RESTORED.match(line):
                self._close("ran")
                self._record(StageRun(match["stage"], "restored"))
            elif match := _FAILED.match(line):
                run = self.current if self.current and self.current.name == match["stage"] else None
                run = run or StageRun(match["stage"], "failed")
                run.reason = match["reason"]
                self.current = run
                self._close("failed")
            elif not _NOISE.match(line):
                (self.current.output if self.current else self.loose).append(line)
                if self.current and self.watcher.output is not None:
                    self.watcher.output(self.current.name, line)

    def running(self) -> tuple[str, float, str] | None:
        with self.lock:
            if self.current is None:
                return None
            # The stage's own last line, not DVC's echo of its command (`> python ...`).
            own = (line for line in reversed(self.current.output) if not line.startswith("> "))
            last = next(own, "")
            return self.current.name, time.monotonic() - self.started_at, last

    def finish(self, returncode: int) -> None:
        with self.lock:
            self._close("ran" if returncode == 0 else "failed")

    def _close(self, outcome: Outcome) -> None:
        if self.current is None:
            return
        run, self.current = self.current, None
        if run.outcome != "would run":
            run.outcome = outcome
        run.seconds = time.monotonic() - self.started_at if self.started_at else 0.0
        self._record(run)

    def _record(self, run: StageRun) -> None:
        self.runs.append(run)
        self.watcher.finished(run)


def reproduce(
    root: Path,
    *,
    force: bool = False,
    dry: bool = False,
    pull: bool = False,
    targets: Sequence[str] = (),
    watcher: ReproWatcher | None = None,
) -> ReproResult:
    """Run `dvc repro`, reporting each stage as it finishes."""
    watcher = watcher or ReproWatcher()
    flags = [flag for flag, on in (("--force", force), ("--dry", dry), ("--pull", pull)) if on]
    parser = _ReproParser(watcher, dry)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}  # stage output as it is printed
    # DVC and the stage it runs get a process group of their own, so that however mlci is
    # stopped (Ctrl-C, a CI job cancelled with SIGTERM, a closed terminal) it stops them too:
    # a stage left running holds DVC's lock, and the next run fails with "is busy".
    with (
        subprocess.Popen(
            dvc_command("repro", *flags, *targets),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            start_new_session=True,
        ) as process,
        _stopping_group_on_signals(process),
    ):
        done = threading.Event()
        ticker = threading.Thread(target=_tick, args=(parser, watcher, done), daemon=True)
        ticker.start()
        assert process.stdout is not None
        for line in process.stdout:
            parser.feed(line.rstrip("\n"))
        returncode = process.wait()
        done.set()
    parser.finish(returncode)
    error = ""
    if returncode != 0 and not any(run.outcome == "failed" for run in parser.runs):
        errors = [m["reason"] for line in parser.loose if (m := _ERROR.match(line))]
        error = errors[-1] if errors else "\n".join(parser.loose[-5:]) or "dvc repro failed"
    return ReproResult(parser.runs, returncode, error)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0
"""How long DVC has to stop after SIGTERM (it removes its lock) before it is killed."""


@contextmanager
def _stopping_group_on_signals(process: subprocess.Popen[str]) -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP interrupt mlci as Ctrl-C does; however the
    block ends early, DVC's process group is stopped before mlci goes on."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in STOP_SIGNALS[1:]:
            previous[number] = signal.signal(number, _raise_stopped)
    try:
        yield
    except BaseException:
        _stop_group(process)
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _raise_stopped(number: int, frame: object) -> None:
    raise Stopped(number)


def _stop_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to DVC and everything it started, then SIGKILL to what is left after the grace."""
    for number, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, number)
        except ProcessLookupError:
            return  # the group is gone
        try:
            process.wait(timeout=wait)
            if wait is not None:
                _kill_stragglers(process.pid)
            return
        except subprocess.TimeoutExpired:
            continue


def _kill_stragglers(group: int) -> None:
    """DVC exited; a stage it started may not have (a script that ignores SIGTERM)."""
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def _tick(parser: _ReproParser, watcher: ReproWatcher, done: threading.Event) -> None:
    while not done.wait(watcher.tick_seconds):
        if running := parser.running():
            watcher.still_running(*running)
