"""Benchmark `mlci init` + `mlci run` on the example pipeline, and a no-op `mlci run` vs DVC.

What it measures
----------------
1. Init to metrics. In a fresh temporary directory it times `mlci init demo --yes` and then
   `mlci run` inside demo/ until metrics.json exists, `--runs` times (default 3), each time in
   a new directory. XDG_DATA_HOME and DVC's site cache point into that directory, so the local
   DVC remote `mlci init` creates stays inside it and nothing is left behind. It reports the
   median, minimum and maximum of each part and of their sum (target: total < 30 s).

2. No-op run. In the last project of part 1 (reproduced, nothing changed since), after one
   untimed warm-up round, `--rounds` rounds (default 10) each run every command below once,
   every run in a fresh process. The order is reversed every other round, so `mlci run` and
   `dvc repro` take turns going first and a slow spell of the machine hits both alike:

    python -c pass          the interpreter's own start-up: the floor of every row
    mlci run (no-op)        the command under test      (target: within 1.2x of dvc repro)
    dvc repro (no-op)       the peer: DVC's console script, as a user would type it
    python -m dvc repro     alone, exactly the child process `mlci run` starts
    mlci run, stamped       mlci run again, with subprocess.Popen wrapped to record when
                            DVC is started and when it is reaped (for the breakdown)

   Every `mlci run` must print one `skipped` line per stage of the pipeline and nothing else
   per stage (no ran, restored or failed), and `dvc repro` must run no stage either.

How to read the output
----------------------
The first table: `median s`, `min s`, `max s` are wall-clock seconds over the runs; the
`total` row is the median of each run's init + run (not the sum of the two medians).

The second table: `median s` and `min s` over the rounds; `/ dvc repro` is the row's median
divided by the median of `dvc repro`. `result` is PASS or MISS for `mlci run` against 1.2x,
judged on the ratio of the medians. The `paired` line gives the same ratio round by round
(mlci's time over dvc's in the same round), whose median shrugs off a single slow round.

The breakdown splits the stamped runs (medians per part, so the parts need not add up to the
row's median exactly): interpreter start-up until mlci's code starts; mlci importing and
parsing its arguments until DVC is started; the DVC child from start to exit; mlci printing
and exiting after that. Everything but the child is mlci's own cost; the child's time next
to `python -m dvc repro` and `dvc repro` shows what piping DVC's output costs, if anything.
Last, the modules `mlci run` imports (python -X importtime): how many, their total time, the
slowest five (cumulative: a parent's time includes its children's), and whether DVC is among
them (it must not be: mlci runs DVC as a program).

The machine is shared and has 2 cores: single runs vary by 30% or more, so compare ratios,
not seconds, and use more rounds (`--rounds 20`) before drawing conclusions.

The exit code is 0 when both targets are met and every no-op run skipped every stage, else 1.

Run it on demand (it is not a test): python benchmarks/bench_run.py [--runs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scratch import environment, in_scratch_folder

PIPELINE_TARGET_S = 30.0
NOOP_RATIO_TARGET = 1.2
BIN = Path(sys.executable).parent
# mlci prints one line per stage: `  <outcome>  <stage>  [seconds]`.
_STAGE_LINE = re.compile(r"^  (ran|skipped|restored|failed|would run) +(\S+)")


def tool(name: str) -> str:
    """The console script installed beside this interpreter, else the one on PATH."""
    beside = BIN / name
    return str(beside) if beside.exists() else shutil.which(name) or name


@dataclass(frozen=True)
class Sample:
    """One finished command: its wall time, output, and start and end on the epoch clock."""

    seconds: float
    stdout: str
    stderr: str
    started: float
    ended: float


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run a command and time it, failing loudly with its output if it fails."""
    started, start = time.time(), time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    seconds, ended = time.perf_counter() - start, time.time()
    if done.returncode != 0:
        output = done.stdout + done.stderr
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{output}")
    return Sample(seconds, done.stdout, done.stderr, started, ended)


def stage_outcomes(stdout: str) -> list[str]:
    """The outcome mlci printed for each stage, in order: ran, skipped, restored, ..."""
    return [match[1] for line in stdout.splitlines() if (match := _STAGE_LINE.match(line))]


# --- 1. init to metrics ------------------------------------------------------------------------


@dataclass(frozen=True)
class InitRun:
    init_s: float
    run_s: float
    stages: int

    @property
    def total_s(self) -> float:
        return self.init_s + self.run_s


def init_to_metrics(base: Path) -> tuple[InitRun, Path]:
    """`mlci init demo --yes`, then `mlci run` in demo/, in a new directory `base`."""
    base.mkdir(parents=True)
    env = environment(base)
    init = run([tool("mlci"), "init", "demo", "--yes"], base, env)
    project = base / "demo"
    first = run([tool("mlci"), "run"], project, env)
    outcomes = stage_outcomes(first.stdout)
    check_first_run(project, base, outcomes, first.stdout)
    return InitRun(init.seconds, first.seconds, len(outcomes)), project


def check_first_run(project: Path, base: Path, outcomes: list[str], stdout: str) -> None:
    """Every stage ran, metrics.json exists and the local remote lies inside `base`."""
    if not outcomes or set(outcomes) != {"ran"}:
        raise SystemExit(f"the first `mlci run` did not run every stage:\n{stdout}")
    if not (project / "metrics.json").is_file():
        raise SystemExit(f"`mlci run` finished without writing {project / 'metrics.json'}")
    config = project / ".dvc" / "config.local"
    if str(base) not in (config.read_text() if config.exists() else ""):
        raise SystemExit(f"the local DVC remote is not inside {base}: see {config}")


def print_pipeline_table(runs: list[InitRun]) -> bool:
    """The init / run / total table; True when the median total meets the target."""
    stages = runs[0].stages
    parts = (
        ("mlci init demo --yes", [r.init_s for r in runs]),
        (f"mlci run ({stages} stages)", [r.run_s for r in runs]),
        ("total", [r.total_s for r in runs]),
    )
    met = statistics.median(parts[-1][1]) < PIPELINE_TARGET_S
    row = "{:<24} {:>9} {:>7} {:>7} {:>9} {:>7}"
    print(f"init to metrics: the example pipeline, {len(runs)} run(s), each in a fresh directory")
    print(row.format("part", "median s", "min s", "max s", "target", "result"))
    print("-" * 68)
    for label, seconds in parts:
        total = label == "total"
        target = f"< {PIPELINE_TARGET_S:.0f} s" if total else ""
        result = ("PASS" if met else "MISS") if total else ""
        cells = (f"{statistics.median(seconds):.2f}", f"{min(seconds):.2f}", f"{max(seconds):.2f}")
        print(row.format(label, *cells, target, result).rstrip())
    return met


# --- 2. no-op run vs dvc repro -----------------------------------------------------------------

# Runs mlci as its console script would, with subprocess.Popen wrapped to stamp (epoch clock)
# when mlci's code starts, when it starts DVC and when DVC is reaped; the stamps go to stderr.
_PROBE = """\
import time
stamps = {"start": time.time()}
import runpy, subprocess, sys

class StampedPopen(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        stamps.setdefault("spawn", time.time())
        super().__init__(*args, **kwargs)

    def wait(self, timeout=None):
        code = super().wait(timeout)
        stamps.setdefault("reaped", time.time())
        return code

subprocess.Popen = StampedPopen
sys.argv = ["mlci", *sys.argv[1:]]
try:
    runpy.run_module("mlci", run_name="__main__", alter_sys=True)
finally:
    sys.stderr.write("".join(f"stamp: {key} {value!r}\\n" for key, value in stamps.items()))
"""

MLCI, DVC, PYTHON_DVC, FLOOR, STAMPED = (
    "mlci run (no-op)",
    "dvc repro (no-op)",
    "python -m dvc repro",
    "python -c pass",
    "mlci run, stamped",
)


@dataclass
class Timing:
    label: str
    argv: tuple[str, ...]
    samples: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        return [sample.seconds for sample in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def noop_commands() -> list[Timing]:
    return [
        Timing(FLOOR, (sys.executable, "-c", "pass")),
        Timing(MLCI, (tool("mlci"), "run")),
        Timing(DVC, (tool("dvc"), "repro")),
        Timing(PYTHON_DVC, (sys.executable, "-m", "dvc", "repro")),
        Timing(STAMPED, (sys.executable, "-c", _PROBE, "run")),
    ]


def measure(timings: list[Timing], project: Path, env: dict[str, str], rounds: int) -> None:
    """One untimed warm-up round, then `rounds` rounds, reversing the order every other one."""
    for round_ in range(rounds + 1):
        order = timings if round_ % 2 else list(reversed(timings))
        for timing in order:
            sample = run(timing.argv, project, env)
            if round_:
                timing.samples.append(sample)


def skipped_only(timing: Timing, stages: int) -> int:
    """How many runs printed exactly one `skipped` line per stage and no other outcome."""
    return sum(stage_outcomes(s.stdout) == ["skipped"] * stages for s in timing.samples)


def check_dvc_noop(timing: Timing) -> None:
    for sample in timing.samples:
        if "Running stage" in sample.stdout or "up to date" not in sample.stdout:
            raise SystemExit(f"`{timing.label}` was not a no-op:\n{sample.stdout}")


def print_noop_table(timings: list[Timing], stages: int) -> bool:
    """The no-op table and the skipped-only check; True when both are met."""
    by_label = {t.label: t for t in timings}
    mlci, dvc = by_label[MLCI], by_label[DVC]
    ratio = mlci.median / dvc.median
    met = ratio < NOOP_RATIO_TARGET
    rounds = len(mlci.samples)
    row = "{:<22} {:>9} {:>7} {:>12} {:>9} {:>7}"
    print(f"\nno-op run: {rounds} interleaved rounds in one reproduced project ({stages} stages)")
    print(row.format("command", "median s", "min s", "/ dvc repro", "target", "result"))
    print("-" * 71)
    for timing in timings:
        target = f"< {NOOP_RATIO_TARGET:.1f}x" if timing is mlci else ""
        result = ("PASS" if met else "MISS") if timing is mlci else ""
        relative = "" if timing.label == FLOOR else f"{timing.median / dvc.median:.2f}x"
        cells = (f"{timing.median:.3f}", f"{min(timing.seconds):.3f}", relative)
        print(row.format(timing.label, *cells, target, result).rstrip())
    paired = [m / d for m, d in zip(mlci.seconds, dvc.seconds, strict=True)]
    print(
        f"paired, round by round: mlci run / dvc repro median {statistics.median(paired):.2f}x "
        f"(min {min(paired):.2f}x, max {max(paired):.2f}x)"
    )
    clean = skipped_only(mlci, stages) + skipped_only(by_label[STAMPED], stages)
    runs = 2 * rounds
    status = "ok" if clean == runs else "FAIL"
    print(f"only skipped stages: {clean}/{runs} no-op mlci runs skipped all {stages}: {status}")
    return met and clean == runs


# --- where the no-op time goes -----------------------------------------------------------------


def stamps(sample: Sample) -> dict[str, float]:
    found = {}
    for line in sample.stderr.splitlines():
        if line.startswith("stamp: "):
            _, key, value = line.split()
            found[key] = float(value)
    if set(found) != {"start", "spawn", "reaped"}:
        raise SystemExit(f"the stamped mlci run did not start DVC:\n{sample.stderr}")
    return found


def breakdown(sample: Sample) -> dict[str, float]:
    """Split one stamped run: start-up, mlci before DVC, the DVC child, mlci after it."""
    stamp = stamps(sample)
    return {
        "python start-up, until mlci's code starts": stamp["start"] - sample.started,
        "mlci before DVC: imports, arguments": stamp["spawn"] - stamp["start"],
        "the DVC child (python -m dvc repro)": stamp["reaped"] - stamp["spawn"],
        "mlci after DVC exits: print, exit": sample.ended - stamp["reaped"],
    }


def print_breakdown(timings: list[Timing]) -> None:
    by_label = {t.label: t for t in timings}
    parts = [breakdown(sample) for sample in by_label[STAMPED].samples]
    medians = {name: statistics.median(p[name] for p in parts) for name in parts[0]}
    child = "the DVC child (python -m dvc repro)"
    print(f"\nwhere a no-op `mlci run` spends its time (median of {len(parts)} stamped runs)")
    for name, seconds in medians.items():
        print(f"  {seconds:7.3f} s  {name}")
    own = statistics.median(sum(s for n, s in p.items() if n != child) for p in parts)
    extra = by_label[MLCI].median - by_label[DVC].median
    print(f"  mlci's own part (all but the child): {own:.3f} s")
    print(
        f"  the child {medians[child]:.3f} s vs alone: `python -m dvc repro` "
        f"{by_label[PYTHON_DVC].median:.3f} s, `dvc repro` {by_label[DVC].median:.3f} s"
    )
    print(f"  mlci run - dvc repro, medians: {extra:+.3f} s")


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$")


def print_imports(project: Path, env: dict[str, str]) -> None:
    """What `mlci run` imports: count, total, the five slowest, and whether DVC is one."""
    stderr = run([sys.executable, "-X", "importtime", "-m", "mlci", "run"], project, env).stderr
    found = [m for line in stderr.splitlines() if (m := _IMPORT_LINE.match(line))]
    total_ms = sum(int(m[2]) for m in found if not m[3]) / 1000
    dvc = any(m[4].split(".")[0] == "dvc" for m in found)
    print(
        f"\nimports of `mlci run` (python -X importtime): {len(found)} modules, "
        f"{total_ms:.1f} ms; dvc imported: {'yes (FAIL)' if dvc else 'no'}"
    )
    print(f"  {'cumulative ms':>13} {'self ms':>8}  module (indent = nesting)")
    for m in sorted(found, key=lambda m: int(m[2]), reverse=True)[:5]:
        print(f"  {int(m[2]) / 1000:13.1f} {int(m[1]) / 1000:8.1f}  {m[3]}{m[4]}")


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="init-to-metrics runs (default 3)")
    parser.add_argument("--rounds", type=int, default=10, help="no-op rounds (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.rounds < 1:
        parser.error("--runs and --rounds must be at least 1")
    return args


def benchmark(base: Path, args: argparse.Namespace) -> int:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; projects under {base}\n")
    done = [init_to_metrics(base / f"run-{index}") for index in range(args.runs)]
    runs = [result for result, _ in done]
    pipeline_met = print_pipeline_table(runs)
    project = done[-1][1]
    env = environment(project.parent)
    timings = noop_commands()
    measure(timings, project, env, args.rounds)
    for timing in timings:
        if timing.label in (DVC, PYTHON_DVC):
            check_dvc_noop(timing)
    noop_met = print_noop_table(timings, runs[-1].stages)
    print_breakdown(timings)
    print_imports(project, env)
    return 0 if pipeline_met and noop_met else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return in_scratch_folder("mlci-bench-run-", args.keep, lambda base: benchmark(base, args))


if __name__ == "__main__":
    sys.exit(main())
