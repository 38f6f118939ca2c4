"""Benchmark `mlci diff main` against `dvc metrics diff main` on the example project.

What it measures
----------------
In a fresh temporary directory (XDG_DATA_HOME and DVC's site cache point into it, so the
local DVC remote `mlci init` creates stays inside and is deleted with it) it builds the
situation of a pull request: `mlci init demo --yes`, `mlci run`, commit on main; a branch
`change` with another regularisation strength in params.yaml, `mlci run`, commit. Then it
checks that `mlci diff main --format json` reports the same old, new and diff numbers as
`dvc metrics diff main --json --all`, and times, after one untimed warm-up round, `--rounds`
rounds (default 10) that each run every command below once in a fresh process, reversing
the order every other round so mlci and DVC take turns going first:

    python -c pass             the interpreter's own start-up: the floor of every row
    mlci diff main             the command under test (target: at most 0.5x dvc)
    dvc metrics diff main      the peer: DVC's console script, as a user would type it
    mlci diff main --format json
    dvc metrics diff main --json

How to read the output
----------------------
`median s` and `min s` are wall-clock seconds over the rounds; `/ dvc` is the row's median
divided by the median of its DVC peer on the same line of work (table vs table, JSON vs
JSON). `result` judges each mlci row against the target on that ratio of medians. The
`paired` line gives mlci's time over DVC's within each round; its median shrugs off a
single slow round. mlci's row includes its whole cost: start-up, resolving revisions, one
`git cat-file --batch` process, reading dvc.yaml/dvc.lock/params/metrics at both sides,
listing .dvc files (`git ls-tree`, `git ls-files`) and printing params, outputs and stages
as well as the metrics; DVC's rows print metrics only.

Last, the packages `mlci diff main` imports (sys.modules at exit): dvc, pandas and sklearn
must not be among them; pydantic should not be either (the spec is read without it when it
is well-formed).

The machine is shared and has 2 cores: single runs vary by 30% or more, so compare ratios,
not seconds, and use more rounds (`--rounds 20`) before drawing conclusions.

The exit code is 0 when both mlci rows meet the target, the numbers agree with DVC and no
forbidden package is imported, else 1.

Run it on demand (it is not a test): python benchmarks/bench_diff.py [--rounds N] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scratch import environment, in_scratch_folder

RATIO_TARGET = 0.5
FORBIDDEN = ("dvc", "pandas", "sklearn")
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The console script installed beside this interpreter, else the one on PATH."""
    beside = BIN / name
    return str(beside) if beside.exists() else shutil.which(name) or name


def run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly with its output if it fails."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done


# --- the pull request under test ---------------------------------------------------------------


def build_project(base: Path, env: dict[str, str]) -> Path:
    """main reproduced and committed; branch `change` with another C, reproduced, committed."""
    run([tool("mlci"), "init", "demo", "--yes"], base, env)
    project = base / "demo"
    run([tool("mlci"), "run"], project, env)
    commit(project, env, "example project, reproduced")
    run(["git", "checkout", "-q", "-b", "change"], project, env)
    params = project / "params.yaml"
    text = params.read_text()
    if "max_iter: 1000\n" not in text:
        raise SystemExit(f"params.yaml of the example changed; adapt the benchmark:\n{text}")
    params.write_text(text.replace("max_iter: 1000\n", "max_iter: 1000\n    C: 0.05\n"))
    run([tool("mlci"), "run"], project, env)
    commit(project, env, "stronger regularisation")
    return project


def commit(project: Path, env: dict[str, str], message: str) -> None:
    run(["git", "add", "-A"], project, env)
    run(["git", "commit", "-q", "-m", message], project, env)


def check_same_numbers(project: Path, env: dict[str, str]) -> bool:
    """mlci's old/new/change equal DVC's old/new/diff for every key DVC reports."""
    ours = json.loads(run([tool("mlci"), "diff", "main", "--format", "json"], project, env).stdout)
    theirs = json.loads(
        run([tool("dvc"), "metrics", "diff", "main", "--json", "--all"], project, env).stdout
    )
    by_key = {(row["file"], row["key"]): row for row in ours["metrics"]}
    mismatches = []
    for file, keys in theirs.items():
        for key, values in keys.items():
            row: dict[str, Any] = by_key.get((file, key), {})
            mine = (row.get("old"), row.get("new"), row.get("change"))
            if mine != (values["old"], values["new"], values["diff"]):
                mismatches.append(f"  {file}:{key}: mlci {mine}, dvc {values}")
    count = sum(len(keys) for keys in theirs.values())
    changed = sum(1 for row in ours["metrics"] if row["change"])
    print(f"numbers: {count} metrics compared with dvc metrics diff --json --all, ", end="")
    print(f"{changed} changed: {'same' if not mismatches else 'DIFFERENT'}")
    for line in mismatches:
        print(line)
    return bool(count) and not mismatches


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    argv: tuple[str, ...]
    peer: str | None = None  # the DVC row this one is compared with
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def commands() -> list[Timing]:
    mlci, dvc = tool("mlci"), tool("dvc")
    return [
        Timing("python -c pass", (sys.executable, "-c", "pass")),
        Timing("mlci diff main", (mlci, "diff", "main"), peer="dvc metrics diff main"),
        Timing("dvc metrics diff main", (dvc, "metrics", "diff", "main")),
        Timing(
            "mlci diff main (json)",
            (mlci, "diff", "main", "--format", "json"),
            peer="dvc metrics diff main (json)",
        ),
        Timing("dvc metrics diff main (json)", (dvc, "metrics", "diff", "main", "--json")),
    ]


def measure(timings: list[Timing], project: Path, env: dict[str, str], rounds: int) -> None:
    """One untimed warm-up round, then `rounds` rounds, reversing the order every other one."""
    for round_ in range(rounds + 1):
        order = timings if round_ % 2 else list(reversed(timings))
        for timing in order:
            start = time.perf_counter()
            run(timing.argv, project, env)
            if round_:
                timing.seconds.append(time.perf_counter() - start)


def print_table(timings: list[Timing]) -> bool:
    """The timing table and the paired ratios; True when every mlci row meets the target."""
    by_label = {t.label: t for t in timings}
    row = "{:<30} {:>9} {:>7} {:>7} {:>9} {:>7}"
    rounds = len(timings[0].seconds)
    print(f"\n{rounds} interleaved rounds, each command in a fresh process")
    print(row.format("command", "median s", "min s", "/ dvc", "target", "result"))
    print("-" * 74)
    met = True
    for timing in timings:
        peer = by_label.get(timing.peer or "")
        cells = [f"{timing.median:.3f}", f"{min(timing.seconds):.3f}", "", "", ""]
        if peer is not None:
            ratio = timing.median / peer.median
            met = met and ratio <= RATIO_TARGET
            passed = "PASS" if ratio <= RATIO_TARGET else "MISS"
            cells[2:] = [f"{ratio:.2f}x", f"<= {RATIO_TARGET:.1f}x", passed]
        print(row.format(timing.label, *cells).rstrip())
    for timing in timings:
        peer = by_label.get(timing.peer or "")
        if peer is not None:
            paired = [m / d for m, d in zip(timing.seconds, peer.seconds, strict=True)]
            print(
                f"paired, round by round: {timing.label} / {peer.label}: median "
                f"{statistics.median(paired):.2f}x (min {min(paired):.2f}x, max {max(paired):.2f}x)"
            )
    return met


# --- imports -----------------------------------------------------------------------------------

# Runs mlci as its console script would and lists the top-level packages loaded at exit.
_PROBE = """\
import runpy, sys

sys.argv = ["mlci", *sys.argv[1:]]
try:
    runpy.run_module("mlci", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    sys.stderr.write("loaded: " + " ".join(sorted({m.split(".")[0] for m in sys.modules})))
"""


def print_imports(project: Path, env: dict[str, str]) -> bool:
    stderr = run([sys.executable, "-c", _PROBE, "diff", "main"], project, env).stderr
    line = next(text for text in stderr.splitlines() if text.startswith("loaded: "))
    loaded = set(line.removeprefix("loaded: ").split())
    stdlib = sys.stdlib_module_names
    third = sorted(p for p in loaded if p not in stdlib and not p.startswith("_") and p != "mlci")
    forbidden = [p for p in FORBIDDEN if p in loaded]
    print(f"\nimports of `mlci diff main`: {len(loaded)} top-level packages")
    print(f"  third-party: {', '.join(third) or '(none)'}")
    status = "FAIL, imports " + ", ".join(forbidden) if forbidden else "ok, none"
    print(f"  dvc/pandas/sklearn: {status}")
    print(f"  pydantic (the full spec loader): {'yes' if 'pydantic' in loaded else 'no'}")
    return not forbidden


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def benchmark(base: Path, args: argparse.Namespace) -> int:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; project under {base}")
    env = environment(base)
    started = time.perf_counter()
    project = build_project(base, env)
    print(
        f"built the pull request (init, run, branch, run) in {time.perf_counter() - started:.1f} s"
    )
    same = check_same_numbers(project, env)
    timings = commands()
    measure(timings, project, env, args.rounds)
    met = print_table(timings)
    clean = print_imports(project, env)
    return 0 if same and met and clean else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return in_scratch_folder("mlci-bench-diff-", args.keep, lambda base: benchmark(base, args))


if __name__ == "__main__":
    sys.exit(main())
